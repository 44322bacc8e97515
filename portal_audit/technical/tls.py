"""Inspect one host's TLS the way a visitor's browser meets it: one handshake, two at most.

Circular 32/2017/TT-BTTTT Art. 20 requires HTTPS for level 3–4 online services; a webmaster needs to know
*why* a browser warns: an untrusted chain, an expired (or not yet valid) certificate and a certificate
for another name are three different fixes, so they are reported as three independent facts:

* ``trusted``: the chain leads to a root in the trust store (system, plus ``extra_ca_file``), whatever
  the dates and the name. OpenSSL verifies the chain in the first handshake; hostname checking is off
  there on purpose, because OpenSSL stops at its first error and would hide the other two facts.
* ``hostname_matches``: judged here from the certificate's subjectAltName by ``service_identity`` (RFC 6125
  as browsers apply it: no Common Name fallback, a wildcard only as a whole left-most label, IP hosts
  against IP entries).
* ``not_before``/``not_after``/``days_left``: read from the certificate, relative to ``now``.

When the verifying handshake fails, a second, non-verifying one (any protocol version, any cipher)
still reads the certificate and the protocol, so an expired or self-signed certificate, or a server
that only speaks TLS 1.0, is described rather than reduced to "handshake failed".

Passive only: the handshake any browser makes, no request is sent. The host is resolved once, the
address checked by the project's private-network guard (``portal_audit.netsafety``), and both handshakes
go to that same address with the host name as SNI, so DNS cannot steer the second one elsewhere.
Network and TLS problems never raise: they come back as ``ok=False`` with ``error``. The certificate's
problems are Reasons (portal_audit/reasons.py) in ``problems``, so the audit shows them translated without
reading the English back; ``verify_error`` is the same words joined, for people reading the stored fact.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from cryptography import x509
from service_identity import CertificateError, VerificationError
from service_identity.hazmat import DNS_ID, DNSPattern, IPAddress_ID, IPAddressPattern, verify_service_identity

from portal_audit.netsafety import Allowance, IPAddress, address_allowed, literal_ip
from portal_audit.reasons import Reason, crawl_line, reason

# OpenSSL verify codes (X509_V_ERR_*) that mean the chain itself is anchored in the trust store and only a
# validity period is wrong: OpenSSL checks dates after it has built a trusted chain.
_DATE_CODES = {9: reason("a certificate in the chain is not yet valid"),
               10: reason("a certificate in the chain has expired")}
# Clearer words for the most common chain errors met on Vietnamese government sites.
_CHAIN_HINTS = {
    18: reason("self-signed certificate"),
    19: reason("self-signed certificate in certificate chain"),
    20: reason("unable to get local issuer certificate (unknown CA, or the server does not send its intermediate "
               "certificate)"),
    21: reason("unable to verify the first certificate (the server does not send its intermediate certificate)"),
}


@dataclass(frozen=True)
class TlsReport:
    """What one TLS connection to ``host:port`` showed; every field but host/port may be unknown (None)."""

    host: str
    port: int
    ok: bool                      # handshake completed (even if the certificate is not trusted)
    error: str | None             # "tls: …" / "connection: …" / "timeout" / "dns: …" / "blocked_private: …"
    protocol: str | None          # "TLSv1.3", "TLSv1.2", ...
    trusted: bool | None          # the chain verifies against the trust store (dates and name aside)
    verify_error: str | None      # why a browser would warn: ``problems`` "; "-joined (English)
    hostname_matches: bool | None
    not_before: datetime | None   # UTC
    not_after: datetime | None    # UTC
    days_left: int | None         # whole days from ``checked_at`` to ``not_after`` (negative once expired)
    subject: str | None
    issuer: str | None
    san: tuple[str, ...] = ()
    checked_at: datetime | None = None  # the ``now`` the dates were judged against (UTC)
    problems: tuple[str, ...] = ()  # chain, date and name problems, each a Reason (OpenSSL's own words as is)


@dataclass(frozen=True)
class _Cert:
    not_before: datetime
    not_after: datetime
    subject: str
    issuer: str
    dns_names: tuple[str, ...]
    ip_addresses: tuple[IPAddress, ...]

    @property
    def san(self) -> tuple[str, ...]:
        return self.dns_names + tuple(str(ip) for ip in self.ip_addresses)


class _Failure(Exception):
    """A connection that did not complete, with the error string the report carries."""


def inspect_tls(host: str, port: int = 443, *, timeout: float = 10, extra_ca_file: str | None = None,
                now: datetime | None = None, allowance: Allowance = False,
                address: str | None = None) -> TlsReport:
    """Connect to ``host:port`` as a browser would and describe the certificate and protocol.

    ``address``: connect to this IP instead of resolving ``host`` (the crawler may already know it); it
    passes the same private-network guard. ``allowance`` is the registry's ``allow_private_networks``.
    Name resolution uses the system resolver, whose own time limit applies (not ``timeout``).
    """
    host = host.strip().strip("[]").rstrip(".")
    blank = TlsReport(host=host, port=port, ok=False, error=None, protocol=None, trusted=None, verify_error=None,
                      hostname_matches=None, not_before=None, not_after=None, days_left=None, subject=None,
                      issuer=None, checked_at=_utc(now or datetime.now(UTC)))
    try:
        family, sockaddr = _target(host, port, address, allowance)
        verify_ctx = _verifying_context(extra_ca_file)
    except _Failure as exc:
        return replace(blank, error=str(exc))
    try:
        protocol, der = _handshake(verify_ctx, family, sockaddr, host, timeout)
        return _report(blank, protocol, der, _Verification(trusted=True))
    except ssl.SSLCertVerificationError as exc:
        verification = _classify(exc)
    except _Failure as exc:
        if not str(exc).startswith("tls:"):
            return replace(blank, error=str(exc))  # timeout or connection: a second try would only wait again
        # Only a permissive handshake may work: an old protocol or a weak cipher a current browser refuses.
        verification = _Verification(trusted=None, refused=str(exc))
    try:
        protocol, der = _handshake(_lenient_context(), family, sockaddr, host, timeout)
    except _Failure as exc:
        return replace(blank, error=verification.refused or str(exc), trusted=verification.trusted,
                       verify_error=verification.chain)
    return _report(blank, protocol, der, verification)


def expiry_outcome(report: TlsReport, warn_days: int = 30) -> tuple[str, Reason]:
    """Judge the certificate's validity period: ("passed" | "failed" | "not_checked", reason).

    Fails when expired, not yet valid, or expiring within ``warn_days`` (renewal is overdue: an automated
    renewal normally happens 30 days ahead). Trust and hostname are judged elsewhere.
    """
    if report.not_after is None or report.not_before is None:
        why = report.error or "no certificate was read"
        return "not_checked", reason("certificate not read: {why}", why=why)
    now = report.checked_at or datetime.now(UTC)
    end = report.not_after.date().isoformat()
    if now < report.not_before:
        return "failed", reason("certificate is not valid until {date}", date=report.not_before.date().isoformat())
    days = report.days_left if report.days_left is not None else (report.not_after - now).days
    # Numbers are passed as text: the stored reasons of earlier versions had them so, and the export keeps them.
    if now > report.not_after:
        return "failed", reason("certificate expired on {date} ({days} day(s) ago)", date=end, days=str(-days))
    if days < warn_days:
        return "failed", reason("certificate expires on {date}, in {days} day(s) (less than {limit})", date=end,
                                days=str(days), limit=str(warn_days))
    return "passed", reason("certificate valid until {date} ({days} days left)", date=end, days=str(days))


# --- connecting ----------------------------------------------------------------------------------------------

def _target(host: str, port: int, address: str | None, allowance: Allowance) -> tuple[int, tuple]:
    """The one address both handshakes use, after the private-network guard."""
    ip = literal_ip(address) if address else literal_ip(host)
    if address and ip is None:
        raise _Failure(f"connection: {address!r} is not an IP address")
    if ip is None:
        ip = _resolve(host, port)
    if not address_allowed(ip, allowance):
        raise _Failure(f"blocked_private: {host} is at {ip}, a private, loopback or reserved address "
                       "(not allowed by allow_private_networks)")
    if ip.version == 6:
        return socket.AF_INET6, (str(ip), port, 0, 0)
    return socket.AF_INET, (str(ip), port)


def _resolve(host: str, port: int) -> IPAddress:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise _Failure(f"dns: {host}: {getattr(exc, 'strerror', None) or exc}") from None
    for family, _, _, _, sockaddr in infos:
        if family in (socket.AF_INET, socket.AF_INET6):
            return ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
    raise _Failure(f"dns: {host}: no IPv4 or IPv6 address")


def _verifying_context(extra_ca_file: str | None) -> ssl.SSLContext:
    """A browser-grade client context; hostname is judged separately (see the module docstring)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    if extra_ca_file:
        try:
            ctx.load_verify_locations(extra_ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise _Failure(f"tls: cannot load extra CA file {extra_ca_file}: {exc}") from None
    return ctx


def _lenient_context() -> ssl.SSLContext:
    """Accept anything the server offers, to read the certificate and protocol of a failing site."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    with contextlib.suppress(ssl.SSLError):  # an OpenSSL build without security levels keeps its defaults
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    return ctx


def _handshake(ctx: ssl.SSLContext, family: int, sockaddr: tuple, host: str,
               timeout: float) -> tuple[str | None, bytes | None]:
    """One TCP connection and TLS handshake; returns (protocol, DER certificate). No request is sent."""
    sni = host if literal_ip(host) is None else None
    try:
        with socket.socket(family, socket.SOCK_STREAM) as raw:
            raw.settimeout(timeout)
            raw.connect(sockaddr)
            with ctx.wrap_socket(raw, server_hostname=sni) as tls:
                return tls.version(), tls.getpeercert(binary_form=True)
    except ssl.SSLCertVerificationError:
        raise
    except TimeoutError:
        raise _Failure("timeout") from None
    except ssl.SSLError as exc:
        raise _Failure(f"tls: {_ssl_reason(exc)}") from None
    except OSError as exc:
        raise _Failure(f"connection: {exc.strerror or exc.__class__.__name__}") from None


def _ssl_reason(exc: ssl.SSLError) -> str:
    reason = getattr(exc, "reason", None)
    if reason:
        return str(reason).lower().replace("_", " ")
    return str(exc) or exc.__class__.__name__


@dataclass(frozen=True)
class _Verification:
    """What the verifying handshake said, before the certificate itself is read."""

    trusted: bool | None
    chain: str | None = None      # why the chain is not trusted (a Reason, or OpenSSL's words)
    dates: Reason | None = None   # a validity-period error OpenSSL met in an otherwise trusted chain
    refused: str | None = None    # the browser-grade handshake failed before any certificate check

    def problems(self) -> list[str]:
        if self.refused:
            return [reason("a current browser's handshake fails ({error}); the certificate was not verified",
                           error=crawl_line(self.refused))]
        return [self.chain] if self.chain else []


def _classify(exc: ssl.SSLCertVerificationError) -> _Verification:
    """Read OpenSSL's verify result: a date error means the chain itself was built up to a trusted root."""
    code = getattr(exc, "verify_code", None) or 0
    if code in _DATE_CODES:
        return _Verification(trusted=True, dates=_DATE_CODES[code])
    message = _CHAIN_HINTS.get(code) or str(getattr(exc, "verify_message", None) or _ssl_reason(exc))
    return _Verification(trusted=False, chain=message)


# --- reading the certificate -----------------------------------------------------------------------------------

def _report(blank: TlsReport, protocol: str | None, der: bytes | None, verification: _Verification) -> TlsReport:
    cert = _parse(der)
    problems = verification.problems()
    if cert is None:
        problems.append(reason("no certificate could be read"))
        return replace(blank, ok=True, protocol=protocol, trusted=verification.trusted,
                       verify_error="; ".join(problems), problems=tuple(problems))
    now = blank.checked_at or datetime.now(UTC)
    matches = _hostname_matches(blank.host, cert)
    if now > cert.not_after:
        problems.append(reason("certificate has expired"))
    elif now < cert.not_before:
        problems.append(reason("certificate is not yet valid"))
    elif verification.dates:
        problems.append(verification.dates)  # the leaf is in date, so an intermediate is not
    if not matches:
        problems.append(reason("hostname mismatch"))
    return replace(blank, ok=True, protocol=protocol, trusted=verification.trusted,
                   verify_error="; ".join(problems) or None, problems=tuple(problems), hostname_matches=matches,
                   not_before=cert.not_before,
                   not_after=cert.not_after, days_left=(cert.not_after - now).days, subject=cert.subject,
                   issuer=cert.issuer, san=cert.san)


def _parse(der: bytes | None) -> _Cert | None:
    if not der:
        return None
    try:
        cert = x509.load_der_x509_certificate(der)
        subject, issuer = cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
    except ValueError:
        return None
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns_names = tuple(names.get_values_for_type(x509.DNSName))
        ips = tuple(names.get_values_for_type(x509.IPAddress))
    except (x509.ExtensionNotFound, ValueError):
        dns_names, ips = (), ()
    return _Cert(cert.not_valid_before_utc, cert.not_valid_after_utc, subject, issuer, dns_names,
                 tuple(ip for ip in ips if isinstance(ip, ipaddress.IPv4Address | ipaddress.IPv6Address)))


def _hostname_matches(host: str, cert: _Cert) -> bool:
    """``service_identity``'s RFC 6125 matching of ``host`` (a name, or an IP literal) against the SAN entries.

    Entries are read one by one, so a malformed one (``*.vn``, two wildcards) is ignored rather than spoiling
    the valid names beside it; a host name that cannot be an identifier (not IDNA-encodable) matches nothing.
    """
    ip = literal_ip(host)
    try:
        service_id = IPAddress_ID(str(ip)) if ip is not None else DNS_ID(host.lower())
    except (ValueError, UnicodeError):
        return False
    patterns: list[DNSPattern | IPAddressPattern] = [IPAddressPattern(pattern=a) for a in cert.ip_addresses]
    for name in cert.dns_names:
        try:
            patterns.append(DNSPattern.from_bytes(name.rstrip(".").encode("ascii")))
        except (CertificateError, UnicodeError):
            continue
    try:
        verify_service_identity(patterns, obligatory_ids=[service_id], optional_ids=[])
    except (CertificateError, VerificationError):
        return False
    return True


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
