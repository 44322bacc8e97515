"""Host facts as the crawl stores them and the audit judges them: reasons keep their template through the JSON.

The inspectors (technical/tls.py, dnscheck.py) return Reasons; gather.py stores them with their template and
parameters; audit/technical.py reads them back. Nothing is matched back from English text, so a fact stored by
an older portal-audit (English prose only) is judged and shown as it is, untranslated.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from unittest import mock

from portal_audit.audit import technical
from portal_audit.reasons import Reason
from portal_audit.report.reasons import translated_reason
from portal_audit.technical import dnscheck
from portal_audit.technical.gather import _jsonable
from portal_audit.technical.tls import TlsReport, _Cert, _report, _Verification

NOW = datetime(2026, 12, 7, tzinfo=UTC)


class _Store:
    def __init__(self, facts: dict[str, Any]):
        self.facts = facts

    def query(self, sql: str, params: list[Any]) -> list[dict[str, str]]:
        kind = params[-1]
        return [{"data": json.dumps(self.facts[kind])}] if kind in self.facts else []


def _corpus(**facts: Any) -> Any:
    home = SimpleNamespace(final_url="https://cong.gov.vn/", url="https://cong.gov.vn/")
    return SimpleNamespace(store=_Store(facts), run_id="r", site={"id": "s"}, home=home, pages=[home])


def _expired_and_mismatched() -> TlsReport:
    """The report of a trusted chain whose leaf expired three days ago and names another host."""
    blank = TlsReport(host="cong.gov.vn", port=443, ok=False, error=None, protocol=None, trusted=None,
                      verify_error=None, hostname_matches=None, not_before=None, not_after=None, days_left=None,
                      subject=None, issuer=None, checked_at=NOW)
    cert = _Cert(NOW - timedelta(days=400), NOW - timedelta(days=3), "CN=cong", "CN=ca", ("elsewhere.gov.vn",), ())
    with mock.patch("portal_audit.technical.tls._parse", return_value=cert):
        return _report(blank, "TLSv1.3", b"der", _Verification(trusted=True))


ITEM = {"check": {"type": "tls_certificate", "warn_days": 30}}


def test_a_stored_tls_fact_is_judged_with_its_templates() -> None:
    fact = json.loads(json.dumps(_jsonable(_expired_and_mismatched())))
    assert fact["verify_error"] == "certificate has expired; hostname mismatch"  # readable as stored
    assert [p["template"] for p in fact["problems"]] == ["certificate has expired", "hostname mismatch"]
    outcome, why, evidence = technical.check_tls_certificate(_corpus(tls=fact), ITEM, [])
    assert outcome == "failed" and isinstance(why, Reason)
    assert str(why) == "certificate has expired; hostname mismatch; certificate expired on 2026-12-04 (3 day(s) ago)"
    assert why.params["part2"] == {"template": "certificate expired on {date} ({days} day(s) ago)",
                                   "params": {"date": "2026-12-04", "days": "3"}}
    vi = translated_reason({"reason_template": why.template, "reason_params": why.params}, "vi")
    assert vi is not None and "hostname mismatch" not in vi and "2026-12-04" in vi
    assert isinstance(evidence[0].snippet, Reason)


def test_a_tls_fact_stored_as_prose_by_an_older_version_is_shown_as_is() -> None:
    fact = json.loads(json.dumps(_jsonable(_expired_and_mismatched())))
    del fact["problems"]  # what portal-audit wrote before reasons were stored
    outcome, why, _ = technical.check_tls_certificate(_corpus(tls=fact), ITEM, [])
    assert outcome == "failed"
    assert str(why) == "certificate has expired; hostname mismatch; certificate expired on 2026-12-04 (3 day(s) ago)"
    assert why.params["part0"] == {"text": "certificate has expired; hostname mismatch"}  # English, untranslated


def test_a_stored_dns_fact_keeps_each_checks_reason() -> None:
    report = dnscheck._report("cong.gov.vn", ("failed", dnscheck.reason("no AAAA record: the site cannot be "
                                                                        "reached over IPv6"), ()),
                              ("not_checked", dnscheck._why(dnscheck.dns.resolver.NoNameservers(), 5), None))
    fact = json.loads(json.dumps(_jsonable(report)))
    outcome, why, _ = technical._dns_check("dnssec")(_corpus(dns=fact), {"check": {}}, [])
    assert outcome == "not_checked" and isinstance(why, Reason) and why.template == "{part0}; {part1}"
    assert why.startswith("no DNS server gave an answer (SERVFAIL or refused); a validating resolver")
    outcome, why, _ = technical._dns_check("ipv6")(_corpus(dns=fact), {"check": {}}, [])
    assert outcome == "failed" and why.template == "no AAAA record: the site cannot be reached over IPv6"
    assert isinstance(report.reason, Reason) and report.reason.startswith("ipv6: no AAAA record")

    old = {**fact, "ipv6_reason": str(report.ipv6_reason), "dnssec_reason": str(report.dnssec_reason),
           "reason": str(report.reason)}
    outcome, why, _ = technical._dns_check("dnssec")(_corpus(dns=old), {"check": {}}, [])
    assert outcome == "not_checked" and not isinstance(why, Reason) and why == str(report.dnssec_reason)
