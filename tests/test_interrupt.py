"""Ctrl-C during a crawl: the crawl stops cleanly, the database is consistent and says 'interrupted'."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import ScriptedServer


def test_sigint_marks_run_interrupted_and_keeps_db_consistent(tmp_path: Path, scripted_server: ScriptedServer) -> None:
    links = "".join(f'<a href="/p{i}">trang {i}</a>' for i in range(60))
    scripted_server.page("/", f"<html><title>Trang chủ</title><body>{links}</body></html>")
    for i in range(60):
        scripted_server.page(f"/p{i}", f"<html><title>Trang {i}</title></html>", delay=0.3)
    config = tmp_path / "sites.yaml"
    config.write_text(f"""province: Test
defaults: {{allow_private_networks: ["127.0.0.1/32"], delay: 0, concurrency: 1, autothrottle: false}}
sites:
  - {{id: cham, name: "Trang chậm", unit_type: other, url: "{scripted_server.base}/"}}
  - {{id: cham-2, name: "Trang chậm 2", unit_type: other, url: "{scripted_server.base}/p1"}}
""", encoding="utf-8")
    db = tmp_path / "audit.db"
    proc = subprocess.Popen([sys.executable, "-m", "portal_audit", "crawl", "--config", str(config), "--db", str(db),
                             "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(scripted_server.hits) < 8:
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, out + err
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert con.execute("SELECT status FROM runs").fetchone() == ("interrupted",)
    statuses = dict(con.execute("SELECT id, status FROM sites"))
    assert statuses["cham"] == "partial"
    reason = con.execute("SELECT status_reason FROM sites WHERE id='cham'").fetchone()[0]
    assert "stopped early" in reason
    stored = con.execute("SELECT count(*) FROM pages").fetchone()[0]
    assert 1 <= stored < 60
    assert os.path.exists(db)
