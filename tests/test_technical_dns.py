"""check_dns against a stub resolver answering from a small in-memory DNS world: no test touches the network."""

from __future__ import annotations

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.rrset
import pytest

from portal_audit.technical import dnscheck
from portal_audit.technical.dnscheck import DnsReport, check_dns, make_resolver

WORLD = """
vn.                          SOA   a.dns-servers.vn. hostmaster.vnnic.vn. 1 3600 600 86400 300
gov.vn.                      SOA   a.dns-servers.vn. hostmaster.vnnic.vn. 1 3600 600 86400 300
gov.vn.                      DS    12345 8 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
thanhhoa.gov.vn.             SOA   ns1.thanhhoa.gov.vn. admin.thanhhoa.gov.vn. 1 3600 600 86400 300
thanhhoa.gov.vn.             DS    23456 13 2 89ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF01234567
thanhhoa.gov.vn.             DNSKEY {key}
soyte.thanhhoa.gov.vn.       A     203.162.0.10
soyte.thanhhoa.gov.vn.       AAAA  2001:ee0:4:1::10
sotaichinh.thanhhoa.gov.vn.  A     203.162.0.11
cdn.thanhhoa.gov.vn.         CNAME edge.cdnvn.net.
cdnvn.net.                   SOA   ns.cdnvn.net. admin.cdnvn.net. 1 3600 600 86400 300
edge.cdnvn.net.              A     123.30.0.5
edge.cdnvn.net.              AAAA  2402:800::5
xa.thanhhoa.gov.vn.          SOA   ns.xa.thanhhoa.gov.vn. admin.xa.thanhhoa.gov.vn. 1 3600 600 86400 300
xa.thanhhoa.gov.vn.          A     203.162.0.12
island.gov.vn.               SOA   ns.island.gov.vn. admin.island.gov.vn. 1 3600 600 86400 300
island.gov.vn.               DNSKEY {key}
island.gov.vn.               A     203.162.0.13
noi.gov.vn.                  SOA   ns.noi.gov.vn. admin.noi.gov.vn. 1 3600 600 86400 300
intranet.noi.gov.vn.         AAAA  fd00::10
"""
WORLD = WORLD.replace("{key}", "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbx"
                                "ILfDLUT0rAK9iUzy1L53eKGQ==")
SIGNED = {"vn.", "gov.vn.", "thanhhoa.gov.vn."}  # zones whose answers a validating resolver authenticates


class StubResolver:
    """Answers like a recursive resolver over WORLD: CNAME chasing, NODATA with the zone's SOA, NXDOMAIN, AD.

    ``validating``: set AD when every name in the answer lies in a signed zone (DS answers: the parent's).
    ``fail``: {(name, rdtype): exception} to raise instead of answering.
    """

    def __init__(self, *, validating: bool = True, fail: dict[tuple[str, str], Exception] | None = None):
        self.validating = validating
        self.fail = fail or {}
        self.calls: list[tuple[str, str]] = []
        self.rrsets: dict[tuple[str, str], dns.rrset.RRset] = {}
        for line in filter(None, (raw.split(None, 2) for raw in WORLD.strip().splitlines())):
            owner, rdtype, data = line
            key = (owner, rdtype)
            rrset = self.rrsets.get(key) or dns.rrset.from_text(owner, 300, "IN", rdtype)
            rrset.add(dns.rrset.from_text(owner, 300, "IN", rdtype, data)[0])
            self.rrsets[key] = rrset
        self.zones = {owner for owner, rdtype in self.rrsets if rdtype == "SOA"}

    def resolve(self, qname, rdtype="A", rdclass="IN", tcp=False, source=None, raise_on_no_answer=True,
                source_port=0, lifetime=None, search=None) -> dns.resolver.Answer:
        name = str(qname).lower()
        rdtype = dns.rdatatype.to_text(dns.rdatatype.RdataType.make(rdtype))
        self.calls.append((name, rdtype))
        if (name, rdtype) in self.fail:
            raise self.fail[(name, rdtype)]
        query = dns.message.make_query(name, rdtype)
        response = dns.message.make_response(query)
        owners = self._answer(response, name, rdtype)
        response.index = None  # sections were filled by hand: let dnspython search them instead of its index
        if owners is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
            qname = dns.name.from_text(name)
            raise dns.resolver.NXDOMAIN(qnames=[qname], responses={qname: response})
        if self.validating and all(self._zone(o, rdtype == "DS" and o == owners[-1]) in SIGNED for o in owners):
            response.flags |= dns.flags.AD
        answer = dns.resolver.Answer(dns.name.from_text(name), dns.rdatatype.from_text(rdtype), dns.rdataclass.IN,
                                     response)
        if answer.rrset is None and raise_on_no_answer:
            raise dns.resolver.NoAnswer(response=response)
        return answer

    def _answer(self, response: dns.message.Message, name: str, rdtype: str) -> list[str] | None:
        """Fill the answer (or the authority SOA for NODATA); the owner names visited, None for NXDOMAIN."""
        owners = [name]
        while (name, "CNAME") in self.rrsets and rdtype != "CNAME":
            response.answer.append(self.rrsets[(name, "CNAME")])
            name = self.rrsets[(name, "CNAME")][0].target.to_text().lower()
            owners.append(name)
        if (name, rdtype) in self.rrsets:
            response.answer.append(self.rrsets[(name, rdtype)])
        elif not any(owner == name or owner.endswith("." + name) for owner, _ in self.rrsets):
            return None
        else:
            zone = self._zone(name, rdtype == "DS")
            response.authority.append(self.rrsets[(zone, "SOA")])
        return owners

    def _zone(self, name: str, parent_side: bool = False) -> str:
        """The zone a name's data lives in: the longest SOA owner above it (a DS lives in the parent zone)."""
        labels = name.split(".")
        for i in range(1 if parent_side else 0, len(labels)):
            candidate = ".".join(labels[i:])
            if candidate in self.zones:
                return candidate
        return "."


def test_aaaa_present_and_ad_flag_set():
    stub = StubResolver()
    report = check_dns("soyte.thanhhoa.gov.vn", resolver=stub)
    assert report == DnsReport("soyte.thanhhoa.gov.vn", "passed", "passed", ("2001:ee0:4:1::10",), None,
                               "AAAA 2001:ee0:4:1::10", "the resolver validated the answer (AD flag set)", None)
    assert stub.calls == [("soyte.thanhhoa.gov.vn.", "AAAA")]  # AD on the first answer: nothing more to ask


def test_aaaa_absent_in_a_signed_zone_found_through_the_parent_soa():
    stub = StubResolver()
    report = check_dns("sotaichinh.thanhhoa.gov.vn", resolver=stub)
    assert report.ipv6 == "failed" and report.aaaa == ()
    assert "no AAAA record" in report.ipv6_reason
    assert report.dnssec == "passed"  # an authenticated NODATA answer
    assert report.reason == "ipv6: no AAAA record: the site cannot be reached over IPv6"


def test_unsigned_zone_without_ds_fails():
    stub = StubResolver()
    report = check_dns("xa.thanhhoa.gov.vn", resolver=stub)
    assert report.dnssec == "failed" and report.zone == "xa.thanhhoa.gov.vn"
    assert report.dnssec_reason == "zone xa.thanhhoa.gov.vn is not signed with DNSSEC (no DS, no DNSKEY record)"
    assert ("xa.thanhhoa.gov.vn.", "DS") in stub.calls
    assert ("thanhhoa.gov.vn.", "DS") not in stub.calls  # the signed parent is not credited to the child zone


def test_dnskey_without_ds_fails_with_the_reason():
    report = check_dns("island.gov.vn", resolver=StubResolver())
    assert report.dnssec == "failed" and "publishes DNSKEY but has no DS" in report.dnssec_reason


def test_ds_present_but_resolver_does_not_validate_is_not_checked():
    stub = StubResolver(validating=False)
    report = check_dns("soyte.thanhhoa.gov.vn", resolver=stub)
    assert report.ipv6 == "passed"
    assert report.dnssec == "not_checked" and report.zone == "thanhhoa.gov.vn"
    assert "does not validate DNSSEC" in report.dnssec_reason
    assert report.reason.startswith("dnssec: zone thanhhoa.gov.vn has a DS record")


def test_non_validating_resolver_still_sees_missing_ds():
    report = check_dns("xa.thanhhoa.gov.vn", resolver=StubResolver(validating=False))
    assert report.dnssec == "failed"


def test_cname_into_an_unsigned_cdn():
    report = check_dns("cdn.thanhhoa.gov.vn", resolver=StubResolver())
    assert report.ipv6 == "passed" and report.aaaa == ("2402:800::5",)  # followed through the CNAME
    assert report.dnssec == "passed" and "CNAME into an unsigned zone" in report.dnssec_reason
    assert report.zone == "thanhhoa.gov.vn"


def test_private_aaaa_does_not_count():
    report = check_dns("intranet.noi.gov.vn", resolver=StubResolver())
    assert report.ipv6 == "failed" and "non-public" in report.ipv6_reason and report.aaaa == ("fd00::10",)


def test_nxdomain_is_not_checked():
    report = check_dns("khongco.thanhhoa.gov.vn", resolver=StubResolver())
    assert report.ipv6 == report.dnssec == "not_checked"
    assert report.reason == "khongco.thanhhoa.gov.vn does not exist in DNS (NXDOMAIN)"


@pytest.mark.parametrize(("error", "needle"), [
    (dns.resolver.LifetimeTimeout(timeout=5.0, errors=[]), "timed out after 5 s"),
    (dns.resolver.NoNameservers(), "SERVFAIL"),
    (OSError(101, "Network is unreachable"), "unreachable: Network is unreachable"),
])
def test_resolver_failures_are_not_checked(error, needle):
    stub = StubResolver(fail={("soyte.thanhhoa.gov.vn.", "AAAA"): error})
    report = check_dns("soyte.thanhhoa.gov.vn", resolver=stub, timeout=5)
    assert report.ipv6 == report.dnssec == "not_checked"
    assert needle in report.reason and report.ipv6_reason == report.dnssec_reason


def test_timeout_on_the_ds_query_keeps_the_ipv6_result():
    stub = StubResolver(validating=False, fail={("thanhhoa.gov.vn.", "DS"): dns.resolver.LifetimeTimeout(
        timeout=2.0, errors=[])})
    report = check_dns("soyte.thanhhoa.gov.vn", resolver=stub, timeout=2)
    assert report.ipv6 == "passed" and report.dnssec == "not_checked"
    assert report.dnssec_reason == "DNS query timed out after 2 s"


@pytest.mark.parametrize("host", ["127.0.0.1", "203.162.0.10", "[2001:ee0::1]", "localhost", "portal.localhost",
                                  "so-y-te.truonggiang.test", "nas.local", "intranet"])
def test_names_without_public_dns_are_not_checked_without_asking(host, monkeypatch):
    def no_resolver(*args, **kwargs):
        raise AssertionError("no resolver may be created for " + host)

    monkeypatch.setattr(dnscheck, "make_resolver", no_resolver)
    report = check_dns(host)
    assert report.ipv6 == report.dnssec == "not_checked" and report.aaaa == ()
    assert report.reason == report.ipv6_reason


def test_trailing_dot_and_case_are_normalised():
    stub = StubResolver()
    report = check_dns("SoYTe.ThanhHoa.gov.vn.", resolver=stub)
    assert report.ipv6 == "passed" and report.host == "SoYTe.ThanhHoa.gov.vn."
    assert stub.calls == [("soyte.thanhhoa.gov.vn.", "AAAA")]


def test_missing_resolver_configuration_is_not_checked(monkeypatch):
    def unconfigured(*args, **kwargs):
        raise dns.resolver.NoResolverConfiguration("no nameservers")

    monkeypatch.setattr(dnscheck, "make_resolver", unconfigured)
    report = check_dns("soyte.thanhhoa.gov.vn")
    assert report.ipv6 == "not_checked" and report.reason == "no DNS resolver is configured"


def test_make_resolver_asks_for_dnssec_without_any_query():
    resolver = make_resolver(3, nameservers=["127.0.0.1"])
    assert resolver.nameservers == ["127.0.0.1"]
    assert resolver.ednsflags & dns.flags.DO and resolver.flags & dns.flags.AD and resolver.flags & dns.flags.RD
    assert resolver.lifetime == 3 and resolver.timeout == 2


def test_zone_of_a_name_inside_its_parent_zone_comes_from_the_authority_soa():
    stub = StubResolver(validating=False)
    report = check_dns("sotaichinh.thanhhoa.gov.vn", resolver=stub)
    assert report.zone == "thanhhoa.gov.vn" and report.dnssec == "not_checked"
    assert ("thanhhoa.gov.vn.", "DS") in stub.calls and ("sotaichinh.thanhhoa.gov.vn.", "DS") not in stub.calls
