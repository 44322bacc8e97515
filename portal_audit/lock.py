"""One writer per database: a lock file next to it, held with ``flock`` for as long as a command writes.

Why ``flock`` and not "create the file if absent": the kernel drops the lock when its holder dies
(``kill -9``, power loss, OOM), so a stale lock can never block next week's run, and taking it over needs no
guess about whether a pid is still alive (pids are reused). The file also records who holds it (pid, start
time, command), so a second ``portal-audit run`` can say who is in the way. The file is never deleted, only
rewritten: deleting a lock file while another process opens it would let two processes lock two different
files. Works on local file systems; on NFS ``flock`` is emulated with byte-range locks (Linux ≥ 2.6.12).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class LockHeld(Exception):
    """Another live process holds the database's lock."""

    def __init__(self, path: Path, holder: dict[str, Any]):
        self.path = path
        self.holder = holder
        who = ", ".join(f"{k} {holder[k]}" for k in ("pid", "host", "started_at", "command") if holder.get(k))
        super().__init__(f"another portal-audit process holds {path} ({who or 'holder unknown'})")


@dataclass
class Lock:
    path: Path
    holder: dict[str, Any]
    stale: dict[str, Any] | None  # what a dead holder had written, when we took its lock over


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


def _read(handle: Any) -> dict[str, Any]:
    handle.seek(0)
    text = handle.read()
    try:
        value = json.loads(text) if text.strip() else {}
    except ValueError:
        return {"unreadable": text[:200]}
    return value if isinstance(value, dict) else {}


@contextmanager
def db_lock(db: Path, command: str) -> Iterator[Lock]:
    """Hold ``<db>.lock`` for the block; raise LockHeld at once (no waiting) when a live process has it."""
    path = lock_path(Path(db))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held open for the whole block
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeld(path, _read(handle)) from None
        previous = _read(handle)
        holder = {"pid": os.getpid(), "host": socket.gethostname(),
                  "started_at": datetime.now(UTC).isoformat(timespec="seconds"), "command": command}
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(holder) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
        try:
            yield Lock(path, holder, previous or None)
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()
