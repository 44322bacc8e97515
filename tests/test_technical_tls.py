"""inspect_tls against tiny TLS servers on 127.0.0.1 with certificates made at test time (trustme)."""

from __future__ import annotations

import socket
import ssl
import threading
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from portal_audit.technical.tls import TlsReport, expiry_outcome, inspect_tls

NOW = datetime.now(UTC).replace(microsecond=0)
LOCAL = ("127.0.0.1", "localhost")


class TlsServer:
    """Answers each TLS handshake on 127.0.0.1 with a given certificate, then closes the connection."""

    def __init__(self, ctx: ssl.SSLContext):
        self.ctx = ctx
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(2)
            try:
                with self.ctx.wrap_socket(conn, server_side=True):
                    pass
            except OSError:  # the client refused our certificate, or closed first: both are the test's point
                conn.close()

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def serve() -> Iterator:
    servers: list[TlsServer] = []

    def start(cert: trustme.LeafCert | Callable[[ssl.SSLContext], None], *, tweak=None) -> int:
        """Serve ``cert`` (a trustme leaf, or a function loading a certificate into the context)."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if isinstance(cert, trustme.LeafCert):
            cert.configure_cert(ctx)
        else:
            cert(ctx)
        if tweak:
            tweak(ctx)
        server = TlsServer(ctx)
        servers.append(server)
        return server.port

    yield start
    for server in servers:
        server.close()


def inspect(host: str, port: int, ca_file: str | None, **kw) -> TlsReport:
    kw.setdefault("allowance", True)
    kw.setdefault("address", "127.0.0.1")
    return inspect_tls(host, port, timeout=2, extra_ca_file=ca_file, now=kw.pop("now", NOW), **kw)


def test_trusted_certificate_for_an_ip_host(ca, ca_file, serve):
    port = serve(ca.issue_cert(*LOCAL, not_after=NOW + timedelta(days=90)))
    report = inspect("127.0.0.1", port, ca_file)
    assert report.ok and report.error is None
    assert report.trusted is True and report.hostname_matches is True and report.verify_error is None
    assert report.protocol == "TLSv1.3"
    assert report.days_left == 90 and report.not_after == NOW + timedelta(days=90)
    assert report.not_after.tzinfo is not None and report.checked_at == NOW
    assert set(report.san) == {"127.0.0.1", "localhost"}
    assert "trustme" in (report.issuer or "")
    assert expiry_outcome(report)[0] == "passed"


def test_trusted_certificate_for_a_name_sends_sni(ca, ca_file, serve):
    seen: list[str | None] = []

    def remember(ctx: ssl.SSLContext) -> None:
        ctx.sni_callback = lambda sock, name, ctx: seen.append(name)

    port = serve(ca.issue_cert(*LOCAL), tweak=remember)
    report = inspect("localhost", port, ca_file)
    assert report.trusted is True and report.hostname_matches is True and report.verify_error is None
    assert seen == ["localhost"]


def test_without_the_ca_the_chain_is_untrusted(ca, serve):
    port = serve(ca.issue_cert(*LOCAL))
    report = inspect("localhost", port, None)
    assert report.ok and report.trusted is False and report.hostname_matches is True
    assert "unable to get local issuer certificate" in report.verify_error
    assert report.not_after is not None and report.protocol == "TLSv1.3"  # read by the second handshake


def test_self_signed_certificate(ca_file, serve, tmp_path):
    port = serve(_self_signed("localhost", tmp_path))
    report = inspect("localhost", port, ca_file)
    assert report.ok and report.trusted is False and report.hostname_matches is True
    assert report.verify_error == "self-signed certificate"
    assert report.subject == report.issuer == "CN=localhost"


def _self_signed(name: str, tmp_path: Path):
    """A certificate signed by its own key, not by the test CA: what many small sites still serve."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - timedelta(days=1)).not_valid_after(NOW + timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "self.pem", tmp_path / "self.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return lambda ctx: ctx.load_cert_chain(str(cert_path), str(key_path))


def test_expired_certificate_is_trusted_but_expired(ca, ca_file, serve):
    port = serve(ca.issue_cert(*LOCAL, not_before=NOW - timedelta(days=400), not_after=NOW - timedelta(days=3)))
    report = inspect("localhost", port, ca_file)
    assert report.ok and report.trusted is True and report.hostname_matches is True
    assert report.verify_error == "certificate has expired"
    assert report.days_left == -3
    outcome, reason = expiry_outcome(report)
    assert outcome == "failed" and "expired" in reason and "3 day(s) ago" in reason


def test_not_yet_valid_certificate(ca, ca_file, serve):
    port = serve(ca.issue_cert(*LOCAL, not_before=NOW + timedelta(days=2), not_after=NOW + timedelta(days=400)))
    report = inspect("localhost", port, ca_file)
    assert report.trusted is True and report.verify_error == "certificate is not yet valid"
    outcome, reason = expiry_outcome(report)
    assert outcome == "failed" and "not valid until" in reason


def test_hostname_mismatch_is_not_an_untrusted_chain(ca, ca_file, serve):
    port = serve(ca.issue_cert("cong.other-province.gov.vn", "*.other-province.gov.vn"))
    report = inspect("localhost", port, ca_file)
    assert report.ok and report.trusted is True and report.hostname_matches is False
    assert report.verify_error == "hostname mismatch"
    assert expiry_outcome(report)[0] == "passed"


def test_wildcard_matches_one_label_only(ca, ca_file, serve):
    port = serve(ca.issue_cert("*.thanhhoa.gov.vn"))
    assert inspect("soyte.thanhhoa.gov.vn", port, ca_file).hostname_matches is True
    assert inspect("a.soyte.thanhhoa.gov.vn", port, ca_file).hostname_matches is False
    assert inspect("thanhhoa.gov.vn", port, ca_file).hostname_matches is False


def test_untrusted_expired_and_mismatched_all_reported(serve):
    stranger = trustme.CA()
    port = serve(stranger.issue_cert("elsewhere.example", not_before=NOW - timedelta(days=30),
                                     not_after=NOW - timedelta(days=1)))
    report = inspect("localhost", port, None)
    assert report.trusted is False and report.hostname_matches is False
    assert "certificate has expired" in report.verify_error and "hostname mismatch" in report.verify_error


def test_days_left_and_expiry_warning(ca, ca_file, serve):
    port = serve(ca.issue_cert(*LOCAL, not_after=NOW + timedelta(days=10)))
    report = inspect("localhost", port, ca_file, now=NOW - timedelta(hours=1))
    assert report.days_left == 10
    outcome, reason = expiry_outcome(report)
    assert outcome == "failed" and "in 10 day(s)" in reason
    assert expiry_outcome(report, warn_days=7)[0] == "passed"


def test_protocol_is_reported(ca, ca_file, serve):
    def tls12(ctx: ssl.SSLContext) -> None:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2

    port = serve(ca.issue_cert(*LOCAL), tweak=tls12)
    assert inspect("localhost", port, ca_file).protocol == "TLSv1.2"


def test_legacy_protocol_is_still_described(ca, ca_file, serve):
    def tls10(ctx: ssl.SSLContext) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = ssl.TLSVersion.TLSv1
        ctx.set_ciphers("ALL:@SECLEVEL=0")

    port = serve(ca.issue_cert(*LOCAL), tweak=tls10)
    report = inspect("localhost", port, ca_file)
    if not report.ok:
        pytest.skip(f"this OpenSSL build cannot speak TLS 1.0 even when asked: {report.error}")
    assert report.protocol == "TLSv1" and report.trusted is None
    assert "current browser's handshake fails" in report.verify_error
    assert report.not_after is not None


def test_private_address_refused_before_connecting():
    report = inspect_tls("127.0.0.1", 9, timeout=1)
    assert not report.ok and report.error.startswith("blocked_private:")
    report = inspect_tls("[::1]", 9, timeout=1)
    assert report.error.startswith("blocked_private:")


def test_resolved_private_address_refused(monkeypatch):
    calls: list[str] = []

    def fake_getaddrinfo(host, port, *args, **kwargs):
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    report = inspect_tls("intranet.thanhhoa.gov.vn", timeout=1)
    assert calls == ["intranet.thanhhoa.gov.vn"]
    assert report.error.startswith("blocked_private:") and "10.1.2.3" in report.error


def test_allowance_by_network(ca, ca_file, serve):
    import ipaddress

    port = serve(ca.issue_cert(*LOCAL))
    allowed = (ipaddress.ip_network("127.0.0.0/8"),)
    assert inspect_tls("127.0.0.1", port, timeout=2, extra_ca_file=ca_file, allowance=allowed).ok
    other = (ipaddress.ip_network("10.0.0.0/8"),)
    assert not inspect_tls("127.0.0.1", port, timeout=2, extra_ca_file=ca_file, allowance=other).ok


def test_dns_failure_does_not_raise(monkeypatch):
    def fail(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    report = inspect_tls("khong-ton-tai.gov.vn", timeout=1)
    assert not report.ok and report.error.startswith("dns:")
    assert expiry_outcome(report)[0] == "not_checked"


def test_connection_refused():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    report = inspect("127.0.0.1", port, None)
    assert not report.ok and report.error.startswith("connection:")
    assert report.trusted is None and report.protocol is None


def test_timeout_when_the_server_never_handshakes():
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts (backlog) but never answers
        started = datetime.now(UTC)
        report = inspect_tls("127.0.0.1", silent.getsockname()[1], timeout=0.5, allowance=True)
        elapsed = (datetime.now(UTC) - started).total_seconds()
    assert not report.ok and report.error == "timeout"
    assert elapsed < 1.5  # one attempt only: no second handshake after a timeout


def test_plain_http_server_is_a_tls_error():
    with socket.create_server(("127.0.0.1", 0)) as srv:
        def answer() -> None:
            for _ in range(2):
                conn, _ = srv.accept()
                with conn:
                    conn.recv(1024)
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

        thread = threading.Thread(target=answer, daemon=True)
        thread.start()
        report = inspect_tls("127.0.0.1", srv.getsockname()[1], timeout=2, allowance=True)
        thread.join(2)
    assert not report.ok and report.error.startswith("tls:")


def test_missing_extra_ca_file_is_reported(tmp_path: Path):
    report = inspect_tls("127.0.0.1", 9, timeout=1, allowance=True, extra_ca_file=str(tmp_path / "none.pem"))
    assert not report.ok and "extra CA file" in report.error


def test_missing_intermediate_certificate(ca, ca_file, serve, tmp_path):
    intermediate = ca.create_child_ca()
    leaf = intermediate.issue_cert(*LOCAL)
    leaf.cert_chain_pems[0].write_to_path(str(tmp_path / "leaf.pem"))  # the leaf alone, no intermediate
    leaf.private_key_pem.write_to_path(str(tmp_path / "leaf.key"))
    port = serve(lambda ctx: ctx.load_cert_chain(str(tmp_path / "leaf.pem"), str(tmp_path / "leaf.key")))
    report = inspect("localhost", port, ca_file)
    assert report.ok and report.trusted is False and report.hostname_matches is True
    assert "intermediate certificate" in report.verify_error, report.verify_error
    full = serve(leaf)  # the same leaf with its chain is trusted
    assert inspect("localhost", full, ca_file).trusted is True


# --- host-name matching (service_identity) and the problems as Reasons ------------------------------------------

def _cert(*dns_names: str, ips: tuple[str, ...] = ()):
    import ipaddress

    from portal_audit.technical.tls import _Cert

    return _Cert(NOW, NOW + timedelta(days=90), "CN=x", "CN=ca", dns_names,
                 tuple(ipaddress.ip_address(ip) for ip in ips))


@pytest.mark.parametrize(("host", "names", "ips", "expected"), [
    ("soyte.thanhhoa.gov.vn", ("*.thanhhoa.gov.vn",), (), True),       # a wildcard is one whole left label
    ("a.soyte.thanhhoa.gov.vn", ("*.thanhhoa.gov.vn",), (), False),
    ("thanhhoa.gov.vn", ("*.thanhhoa.gov.vn",), (), False),
    ("soyte.gov.vn", ("*.vn", "soyte.gov.vn"), (), True),              # a malformed entry spoils nothing beside it
    ("soyte.gov.vn", ("*.vn",), (), False),
    ("SoYTe.ThanhHoa.gov.vn", ("soyte.thanhhoa.gov.vn.",), (), True),  # case and a trailing dot in the SAN
    ("203.0.113.7", ("203.0.113.7",), (), False),                      # an IP host needs an IP entry
    ("203.0.113.7", (), ("203.0.113.7",), True),
    ("2001:db8::7", ("cong.gov.vn",), ("2001:db8::7",), True),
    ("2001:db8::8", (), ("2001:db8::7",), False),
    ("cong.gov.vn", (), ("203.0.113.7",), False),                      # a name is never matched by an IP entry
    ("sởytế.gov.vn", ("xn--syt-9jz5g.gov.vn",), (), True),              # an IDN host against its A-label
    ("sởytế.gov.vn", ("syt.gov.vn",), (), False),
    ("cong.gov.vn", (), (), False),                                    # no subjectAltName: no Common Name fallback
])
def test_hostname_matching_follows_rfc_6125(host, names, ips, expected):
    from portal_audit.technical.tls import _hostname_matches

    assert _hostname_matches(host, _cert(*names, ips=ips)) is expected


def test_idn_a_label_is_what_idna_gives():
    assert "sởytế.gov.vn".encode("idna") == b"xn--syt-9jz5g.gov.vn"


def test_problems_are_translatable_reasons_joined_as_verify_error(serve):
    from portal_audit.reasons import Reason

    stranger = trustme.CA()
    port = serve(stranger.issue_cert("elsewhere.example", not_before=NOW - timedelta(days=30),
                                     not_after=NOW - timedelta(days=1)))
    report = inspect("localhost", port, None)
    assert report.verify_error == "; ".join(report.problems)
    assert all(isinstance(p, Reason) for p in report.problems), report.problems
    assert [p.template for p in report.problems][-2:] == ["certificate has expired", "hostname mismatch"]
    outcome, why = expiry_outcome(report)
    assert outcome == "failed" and why.template == "certificate expired on {date} ({days} day(s) ago)"
    assert why.params == {"date": report.not_after.date().isoformat(), "days": "1"}
