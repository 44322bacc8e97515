"""The database lock: one writer at a time, a dead holder never blocks the next run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from portal_audit.lock import LockHeld, db_lock, lock_path


def test_second_holder_is_refused_with_the_first_holders_identity(tmp_path: Path) -> None:
    db = tmp_path / "audit.db"
    with db_lock(db, "run") as first:
        with pytest.raises(LockHeld) as refused, db_lock(db, "crawl"):
            pass
        assert refused.value.holder["pid"] == os.getpid()
        assert refused.value.holder["started_at"] == first.holder["started_at"]
        assert "run" in str(refused.value) and str(os.getpid()) in str(refused.value)
    # released: the next holder gets it and finds nothing stale (the first one left cleanly)
    with db_lock(db, "run") as again:
        assert again.stale is None
    assert lock_path(db).read_text() == ""


def test_lock_released_when_the_block_raises(tmp_path: Path) -> None:
    db = tmp_path / "audit.db"
    with pytest.raises(RuntimeError), db_lock(db, "run"):
        raise RuntimeError("stage failed")
    with db_lock(db, "run"):
        pass


def test_lock_of_a_killed_process_is_taken_over(tmp_path: Path) -> None:
    db = tmp_path / "audit.db"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\nfrom pathlib import Path\nfrom portal_audit.lock import db_lock\n"
         "with db_lock(Path(sys.argv[1]), 'run'):\n    print('held', flush=True)\n    time.sleep(60)\n", str(db)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(LockHeld) as refused, db_lock(db, "run"):
            pass
        assert refused.value.holder["pid"] == holder.pid
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
    finally:
        if holder.poll() is None:
            holder.kill()
    deadline = time.monotonic() + 5
    while True:
        try:
            with db_lock(db, "run") as taken:
                assert taken.stale is not None and taken.stale["pid"] == holder.pid
                assert json.loads(lock_path(db).read_text())["pid"] == os.getpid()
            break
        except LockHeld:
            assert time.monotonic() < deadline, "the kernel did not release a dead holder's lock"
            time.sleep(0.1)


def test_garbage_in_the_lock_file_does_not_block(tmp_path: Path) -> None:
    db = tmp_path / "audit.db"
    lock_path(db).write_text("not json {")
    with db_lock(db, "run") as taken:
        assert taken.stale == {"unreadable": "not json {"}
