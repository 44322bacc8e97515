"""A weekly run while this machine's own network is down must not replace the published report.

Week 1 publishes a good report of three small sites. In week 2 every site address is dead (connection
refused, as when the server's network or firewall fails): the run is degraded, exits 4, leaves the published
report byte for byte as it was and writes its own report beside it; week 3 (network back) is compared with
week 1, not with the outage. An operator can still publish the degraded run with ``--resume --force-publish``.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ScriptedServer, run_cli

from portal_audit.history import previous_run
from portal_audit.publishing import degraded_folder, is_degraded, network_failure
from portal_audit.store import Store
from portal_audit.trend import score_trend

SITES = ("so-a", "so-b", "so-c")
HOME = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{name}</title></head><body>
<nav><a href="/gioi-thieu">Giới thiệu</a> <a href="/lien-he">Liên hệ</a></nav><main><h1>{name}</h1>
<p>Cổng thông tin điện tử.</p></main></body></html>"""


def dead_port() -> int:
    """A loopback port with nothing listening on it: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def registry(path: Path, bases: dict[str, str]) -> Path:
    lines = ["province: Tỉnh Thử", 'defaults: {allow_private_networks: ["127.0.0.1/32"], delay: 0, timeout: 3, '
             "retries: 0, render: none}", "sites:"]
    lines += [f'  - {{id: {site}, name: "Sở {site}", unit_type: so_ban_nganh, url: "{base}/"}}'
              for site, base in bases.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def weekly(config: Path, db: Path, out: Path, *extra: str):
    return run_cli("run", "--config", str(config), "--db", str(db), "--out", str(out), "--no-browser", "--quiet",
                   *extra, timeout=300)


def published_run(out: Path) -> str:
    return json.loads((out / "data" / "summary.json").read_text(encoding="utf-8"))["run"]["id"]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


class Weeks:
    def __init__(self, work: Path, live: Path, dead: Path):
        self.work, self.live, self.dead = work, live, dead
        self.db, self.out = work / "audit.db", work / "public"


@pytest.fixture
def weeks(tmp_path: Path) -> Iterator[Weeks]:
    servers = [ScriptedServer() for _ in SITES]
    for site, server in zip(SITES, servers, strict=True):
        server.page("/", HOME.format(name=f"Sở {site}"))
        server.page("/gioi-thieu", HOME.format(name="Giới thiệu"))
        server.page("/lien-he", HOME.format(name="Liên hệ"))
        server.__enter__()
    try:
        live = registry(tmp_path / "live.yaml", {s: srv.base for s, srv in zip(SITES, servers, strict=True)})
        dead = registry(tmp_path / "dead.yaml", {s: f"http://127.0.0.1:{dead_port()}" for s in SITES})
        weeks = Weeks(tmp_path, live, dead)
        first = weekly(live, weeks.db, weeks.out)
        assert first.returncode == 1, first.stdout + first.stderr   # 1: rendered rules not checked (no browser)
        yield weeks
    finally:
        for server in servers:
            server.__exit__()


def test_an_outage_run_keeps_the_published_report_and_exits_4(weeks: Weeks) -> None:
    week1 = published_run(weeks.out)
    before = snapshot(weeks.out)
    outage = weekly(weeks.dead, weeks.db, weeks.out)
    assert outage.returncode == 4, outage.stdout + outage.stderr
    assert "degraded" in outage.stderr and "3 of 3 sites unreachable" in outage.stderr
    assert snapshot(weeks.out) == before                                   # not one byte of the public report
    beside = degraded_folder(weeks.out)
    week2 = published_run(beside)
    assert week2 != week1 and (beside / "index.html").is_file()
    store = Store(weeks.db)
    try:
        assert is_degraded(store, week2)
    finally:
        store.close()

    back = weekly(weeks.live, weeks.db, weeks.out)
    assert back.returncode == 1, back.stdout + back.stderr
    week3 = published_run(weeks.out)
    store = Store(weeks.db)
    try:
        assert previous_run(store, week3) == week1                         # compared with what the public saw
        assert [p["run_id"] for p in score_trend(store, week3)] == [week1, week3]
    finally:
        store.close()


def test_an_operator_can_publish_a_degraded_run(weeks: Weeks) -> None:
    assert weekly(weeks.dead, weeks.db, weeks.out).returncode == 4
    week2 = published_run(degraded_folder(weeks.out))
    forced = weekly(weeks.dead, weeks.db, weeks.out, "--resume", "--force-publish")
    assert forced.returncode == 1, forced.stdout + forced.stderr          # published, sites failed
    assert published_run(weeks.out) == week2
    store = Store(weeks.db)
    try:
        assert not is_degraded(store, week2)
        states = [r[0] for r in store.db.execute("SELECT state FROM publications WHERE run_id = ? ORDER BY at",
                                                 (week2,))]
        assert states == ["degraded", "forced"]
    finally:
        store.close()


def site(status: str, reason: str | None = None) -> dict[str, str | None]:
    return {"status": status, "status_reason": reason}


@pytest.mark.parametrize(("sites", "degraded"), [
    ([site("unreachable", "dns: DNS lookup failed")] * 5, True),
    ([site("unreachable", "connection: refused")] * 4 + [site("ok")], True),          # 80 %: nearly all
    ([site("unreachable", "timeout: 3 s")] * 2 + [site("unreachable", "tls: certificate not yet valid")] * 2
     + [site("partial", "some pages could not be read")], True),                       # a mix of network reasons
    ([site("unreachable", "dns: DNS lookup failed")] * 3 + [site("ok")] * 2, False),  # 60 %: their problem
    ([site("unreachable", "the home page answered no usable page")] * 5, False),      # they answered: HTTP 403
    ([site("unreachable", "blocked_private: 10.0.0.5")] * 5, False),                  # our rule, not our network
    ([site("unreachable", "dns: DNS lookup failed")], True),                          # one site, down: cannot tell
    ([], False),
])
def test_a_run_is_degraded_only_when_nearly_every_site_fails_for_a_network_reason(
        sites: list[dict[str, str | None]], degraded: bool) -> None:
    assert (network_failure(sites) is not None) is degraded
