"""IPv6 and DNSSEC of a site's host name (Circular 32/2017/TT-BTTTT Art. 15(4)), read through DNS only.

IPv6: the host has a public AAAA record (dnspython follows CNAMEs). Whether the server really answers over
IPv6 is not tried: that would need an IPv6 route from the auditor, which many do not have.

DNSSEC, and what it trusts: the question goes to the configured recursive resolver with the DO and AD bits
set, and the answer's AD ("authenticated data") flag says the resolver validated it. That flag is only as
trustworthy as the resolver and the path to it (use a validating resolver you control, or a public one that
validates). A resolver that does not validate never sets AD, which alone cannot be told apart from an
unsigned zone; so, without AD, the zone holding the host is found (SOA, as ``dns.resolver.zone_for_name``
does: a delegated but unsigned ``xa.thanhhoa.gov.vn`` must not be credited with its signed parent) and its
DS record is asked for, which is plain data any resolver returns:

* AD set on the host's answer → passed;
* no DS for the zone → failed (also says whether a DNSKEY is published without its DS: signed, but not
  linked to the chain of trust);
* a DS, and the resolver validated the DS answer (AD) → passed: the zone is signed, though the host's own
  answer was not authenticated (a CNAME into an unsigned zone, typically a CDN);
* a DS, but no AD anywhere → not_checked: the zone is signed, this resolver cannot say whether validly.

not_checked also when the resolver is unreachable, times out or fails (SERVFAIL: with a validating resolver
this is also what a zone with broken signatures gives), the name does not exist, or the host is an IP
literal, ``localhost`` or a special-use name (``.test``, ``.local``, ...), as on the demo and in tests.
Nothing here raises for DNS problems.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Protocol

import dns.exception
import dns.flags
import dns.name
import dns.resolver

from portal_audit.netsafety import is_public, literal_ip
from portal_audit.reasons import Reason, english, join_reasons, reason

EDNS_PAYLOAD = 1232  # the DNS Flag Day 2020 size: avoids fragmented UDP answers
# Special-use names that never have public DNS (RFC 6761, RFC 6762, RFC 8375, ICANN's .internal).
SPECIAL_SUFFIXES = ("localhost", "test", "invalid", "example", "local", "home.arpa", "internal")


class Resolver(Protocol):
    """What is used of ``dns.resolver.Resolver``: ``resolve`` returning a ``dns.resolver.Answer``.

    Called as ``resolve(name, rdtype, raise_on_no_answer=False, lifetime=..., search=False)`` and, by
    ``dns.resolver.zone_for_name``, as ``resolve(name, "SOA", rdclass, tcp, lifetime=...)``; it raises
    dnspython's exceptions (NXDOMAIN, NoAnswer, LifetimeTimeout, NoNameservers).
    """

    def resolve(self, qname: Any, rdtype: Any = ..., *args: Any, **kwargs: Any) -> dns.resolver.Answer: ...


@dataclass(frozen=True)
class DnsReport:
    host: str
    ipv6: str        # "passed" | "failed" | "not_checked"
    dnssec: str      # "passed" | "failed" | "not_checked"
    aaaa: tuple[str, ...]
    reason: Reason | None   # why not passed, both checks ("ipv6: ...; dnssec: ..."); None when both passed
    ipv6_reason: Reason | None = None     # this check's own reason or evidence, for its checklist item
    dnssec_reason: Reason | None = None
    zone: str | None = None            # the zone holding the host, when it had to be looked up


# What a resolver raises when it cannot answer: dnspython's errors, and the socket's (no route, refused).
_RESOLVER_FAILURES = (dns.exception.DNSException, OSError)


class _NotChecked(Exception):
    """The resolver could not answer; ``why`` is the reason given in the report."""

    def __init__(self, why: Reason) -> None:
        super().__init__(str(why))
        self.why = why


def make_resolver(timeout: float = 5, nameservers: list[str] | None = None) -> dns.resolver.Resolver:
    """A dnspython resolver asking for DNSSEC (DO and AD bits), with a total time limit per query.

    ``nameservers``: ask these instead of /etc/resolv.conf's (they should validate DNSSEC).
    """
    resolver = dns.resolver.Resolver(configure=nameservers is None)
    if nameservers is not None:
        resolver.nameservers = list(nameservers)
    resolver.use_edns(0, dns.flags.DO, EDNS_PAYLOAD)
    resolver.flags = dns.flags.RD | dns.flags.AD
    resolver.lifetime = timeout
    resolver.timeout = min(timeout, 2.0)
    return resolver


def check_dns(host: str, *, resolver: Resolver | None = None, timeout: float = 5) -> DnsReport:
    """IPv6 and DNSSEC of ``host`` through ``resolver`` (default: ``make_resolver(timeout)``)."""
    name = host.strip().strip("[]").rstrip(".").lower()
    skip = _not_checkable(name)
    if skip:
        return _report(host, ("not_checked", skip, ()), ("not_checked", skip, None))
    try:
        resolver = resolver or _default_resolver(timeout)
        answer = _ask(resolver, name, "AAAA", timeout)
    except _NotChecked as exc:
        return _report(host, ("not_checked", exc.why, ()), ("not_checked", exc.why, None))
    ipv6 = _ipv6(answer)
    try:
        dnssec = _dnssec(name, answer, resolver, timeout)
    except _NotChecked as exc:
        dnssec = ("not_checked", exc.why, None)
    return _report(host, ipv6, dnssec)


def _default_resolver(timeout: float) -> dns.resolver.Resolver:
    try:
        return make_resolver(timeout)
    except _RESOLVER_FAILURES as exc:  # no /etc/resolv.conf, or no nameserver in it
        raise _NotChecked(_why(exc, timeout)) from None


def _not_checkable(name: str) -> Reason | None:
    """Why ``name`` has no public DNS to ask about, or None."""
    if not name:
        return reason("no host name")
    if literal_ip(name) is not None:
        return reason("the site is addressed by IP, not by a DNS name")
    if any(name == s or name.endswith("." + s) for s in SPECIAL_SUFFIXES):
        return reason("{name} is a local or special-use name, not in public DNS", name=name)
    if "." not in name:
        return reason("{name} is a single-label name, not in public DNS", name=name)
    return None


def _ask(resolver: Resolver, name: str, rdtype: str, timeout: float) -> dns.resolver.Answer:
    """One query; an answer without records (NODATA) is returned, every failure becomes _NotChecked."""
    try:
        return resolver.resolve(_absolute(name), rdtype, raise_on_no_answer=False, lifetime=timeout, search=False)
    except dns.resolver.NXDOMAIN:
        raise _NotChecked(reason("{name} does not exist in DNS (NXDOMAIN)", name=name)) from None
    except _RESOLVER_FAILURES as exc:
        raise _NotChecked(_why(exc, timeout)) from None


def _why(exc: BaseException, timeout: float) -> Reason:
    if isinstance(exc, dns.exception.Timeout):
        return reason("DNS query timed out after {seconds} s", seconds=format(timeout, "g"))
    if isinstance(exc, dns.resolver.NoNameservers):
        return join_reasons([reason("no DNS server gave an answer (SERVFAIL or refused)"),
                             reason("a validating resolver also answers SERVFAIL when a zone's DNSSEC signatures "
                                    "are broken")])
    if isinstance(exc, dns.resolver.NoResolverConfiguration):
        return reason("no DNS resolver is configured")
    if isinstance(exc, OSError):
        return reason("DNS resolver unreachable: {error}", error=english(exc.strerror or exc))
    return reason("DNS error: {error}", error=english(f"{exc.__class__.__name__}: {exc}"))


def _ipv6(answer: dns.resolver.Answer) -> tuple[str, Reason, tuple[str, ...]]:
    if answer.rrset is None:
        return "failed", reason("no AAAA record: the site cannot be reached over IPv6"), ()
    addresses = tuple(sorted(str(r.address) for r in answer.rrset))
    if not any(is_public(ipaddress.ip_address(a)) for a in addresses):
        return ("failed", reason("AAAA records point only to non-public addresses ({addresses})",
                                 addresses=", ".join(addresses)), addresses)
    return "passed", reason("AAAA {addresses}", addresses=", ".join(addresses)), addresses


def _dnssec(name: str, answer: dns.resolver.Answer, resolver: Resolver,
            timeout: float) -> tuple[str, Reason, str | None]:
    if _authenticated(answer):
        return "passed", reason("the resolver validated the answer (AD flag set)"), None
    zone = _zone_of(name, resolver, timeout)
    ds = _ask(resolver, zone, "DS", timeout)
    if ds.rrset is None:
        dnskey = _ask(resolver, zone, "DNSKEY", timeout)
        if dnskey.rrset is not None:
            return ("failed", reason("zone {zone} publishes DNSKEY but has no DS record in its parent: the chain of "
                                     "trust is not established", zone=zone), zone)
        return "failed", reason("zone {zone} is not signed with DNSSEC (no DS, no DNSKEY record)", zone=zone), zone
    if _authenticated(ds):
        return ("passed", join_reasons([
            reason("zone {zone} is signed (validated DS)", zone=zone),
            reason("the answer for {name} itself was not authenticated (a CNAME into an unsigned zone?)", name=name),
        ]), zone)
    return ("not_checked", reason("zone {zone} has a DS record, but the resolver does not validate DNSSEC (no AD "
                                  "flag): use a validating resolver to confirm the signatures", zone=zone), zone)


def _zone_of(name: str, resolver: Resolver, timeout: float) -> str:
    try:
        zone = dns.resolver.zone_for_name(_absolute(name), resolver=resolver, lifetime=timeout)  # type: ignore[arg-type]
    except dns.resolver.NoRootSOA:
        raise _NotChecked(reason("no DNS zone found above {name}", name=name)) from None
    except _RESOLVER_FAILURES as exc:
        raise _NotChecked(_why(exc, timeout)) from None
    return zone.to_text(omit_final_dot=True) or "."


def _authenticated(answer: dns.resolver.Answer) -> bool:
    return bool(answer.response.flags & dns.flags.AD)


def _absolute(name: str) -> dns.name.Name:
    return dns.name.from_text(name, origin=dns.name.root)


def _report(host: str, ipv6: tuple[str, Reason, tuple[str, ...]],
            dnssec: tuple[str, Reason, str | None]) -> DnsReport:
    reasons = [reason("{check}: {why}", check=label, why=why)
               for label, (outcome, why, _) in (("ipv6", ipv6), ("dnssec", dnssec)) if outcome != "passed"]
    if ipv6[0] == dnssec[0] == "not_checked" and ipv6[1] == dnssec[1]:
        reasons = [ipv6[1]]
    return DnsReport(host=host, ipv6=ipv6[0], dnssec=dnssec[0], aaaa=ipv6[2], reason=join_reasons(reasons),
                     ipv6_reason=ipv6[1], dnssec_reason=dnssec[1], zone=dnssec[2])
