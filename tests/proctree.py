"""Run a command and sample its process tree: wall time, the tool's peak RSS, the browser tree's peak PSS.

Shared by the hostile-site tests and the benchmarks. VmHWM is the kernel's own peak RSS of the tool's process
(monotonic, so sampling cannot miss the peak); the browser and its driver are summed as PSS (shared pages
counted once), sampled every ``interval`` seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Sampled:
    wall: float
    exit_code: int
    tool_mb: float
    browser_mb: float
    timed_out: bool = False


def tree(root: int) -> list[int]:
    """``root`` and every process below it."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, changed = {root}, True
    while changed:
        changed = False
        for pid, ppid in parents.items():
            if ppid in found and pid not in found:
                found.add(pid)
                changed = True
    return sorted(found)


def kib(path: str, field: str) -> int:
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_sampled(command: list[str], timeout: float = 900, interval: float = 0.25, log: Path | None = None,
                env: dict[str, str] | None = None) -> Sampled:
    """Run ``command`` (output to ``log`` or nowhere); past ``timeout`` its whole process group is killed."""
    started = time.monotonic()
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115  (closed below)
    try:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                 env={**os.environ, **(env or {})})
        tool = browser = 0
        timed_out = False
        while child.poll() is None:
            tool = max(tool, kib(f"/proc/{child.pid}/status", "VmHWM:"))
            browser = max(browser, sum(kib(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in tree(child.pid)
                                       if pid != child.pid))
            if time.monotonic() - started > timeout:
                timed_out = True
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
                break
            time.sleep(interval)
    finally:
        if log:
            out.close()
    return Sampled(time.monotonic() - started, child.returncode, tool / 1024, browser / 1024, timed_out)
