"""The crawl runner's signal contract, without a reactor: the first Ctrl-C/SIGTERM is remembered (sites not yet
started are not started) and stops the crawlers gracefully, a second one stops at once, and the handlers that
were there before come back when the crawl is over (a SIGTERM during render, audit or report must stop them).

The crawl itself, interrupted by a real signal, is tests/test_interrupt.py and tests/test_resume.py.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from typing import Any

import pytest

from portal_audit.crawl.runner import Interrupt, _stop_reactor


class FakeProcess:
    def __init__(self) -> None:
        self.stops = 0

    def stop(self) -> Any:
        from twisted.internet.defer import succeed

        self.stops += 1
        return succeed(None)


@pytest.fixture
def handlers() -> Iterator[None]:
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def test_first_signal_stops_gracefully_second_forces_then_the_old_handlers_return(handlers: None) -> None:
    def mine(signum: int, frame: Any) -> None:
        raise AssertionError("the crawl's handler should be in place")

    signal.signal(signal.SIGTERM, mine)
    sigint_before = signal.getsignal(signal.SIGINT)
    calls: list[Any] = []
    process = FakeProcess()
    interrupt = Interrupt(process, call=lambda f, *args: calls.append((f, args)))  # type: ignore[arg-type]
    interrupt.install()
    assert not interrupt.interrupted

    os.kill(os.getpid(), signal.SIGTERM)
    assert interrupt.interrupted
    graceful = [f for f, _ in calls if f is not _stop_reactor and getattr(f, "__self__", None) is interrupt]
    assert len(graceful) == 1 and _stop_reactor not in [f for f, _ in calls]
    assert process.stops == 0               # the reactor's thread stops the crawlers, not the signal handler

    os.kill(os.getpid(), signal.SIGINT)     # the second signal, of either kind: stop now
    assert [f for f, _ in calls].count(_stop_reactor) == 1
    assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN  # a third one cannot interrupt the shutdown

    interrupt.restore()
    assert signal.getsignal(signal.SIGTERM) is mine
    assert signal.getsignal(signal.SIGINT) == sigint_before


def test_an_uninterrupted_crawl_gives_the_handlers_back_untouched(handlers: None) -> None:
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    interrupt = Interrupt(FakeProcess(), call=lambda f, *args: None)  # type: ignore[arg-type]
    interrupt.install()
    assert signal.getsignal(signal.SIGTERM) != before[signal.SIGTERM]
    interrupt.restore()
    assert {s: signal.getsignal(s) for s in before} == before
    assert not interrupt.interrupted
