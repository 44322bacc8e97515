"""A document replaced while axe runs is audited once more, not reported as a failed render (the race that
the popups page of test_browser_bounds hit on a loaded CI machine); any other error still fails the page."""

from __future__ import annotations

import asyncio
from typing import Any

from portal_audit.a11y.axe import PageTask, SiteAxe

RESULT = {"violations": [], "incomplete": [], "version": "4.14.1"}


class _Tab:
    def __init__(self, failures: list[str], goto_failures: list[str] | None = None):
        self.failures, self.goto_failures, self.loads = failures, goto_failures or [], 0

    async def goto(self, url: str, wait_until: str, timeout: float) -> None:
        self.loads += 1
        if self.goto_failures:
            raise RuntimeError(self.goto_failures.pop(0))

    async def evaluate(self, script: str, args: Any) -> dict[str, Any]:
        if self.failures:
            raise RuntimeError(self.failures.pop(0))
        return RESULT

    async def close(self) -> None:
        pass


def _audit(failures: list[str], goto_failures: list[str] | None = None) -> tuple[str, int]:
    axe = SiteAxe(browser=None, allowance=None, user_agent="t", page_timeout=5, tags=("wcag2a",))  # type: ignore[arg-type]
    tab = _Tab(failures, goto_failures)
    axe.page = tab

    async def replace_tab() -> None:
        axe.page = tab

    axe._replace_tab = replace_tab  # type: ignore[method-assign]
    task = PageTask(url="http://127.0.0.1:1/", html=b"<html></html>", content_type="text/html", template_fp=None,
                    reason="home")
    outcome = asyncio.run(axe.audit(task))
    return outcome.status, tab.loads


def test_a_document_replaced_during_the_audit_is_loaded_and_audited_again() -> None:
    destroyed = "Page.evaluate: Execution context was destroyed, most likely because of a navigation"
    assert _audit([destroyed]) == ("ok", 2)


def test_it_is_retried_once_only_and_other_errors_are_not_retried() -> None:
    destroyed = "Execution context was destroyed"
    assert _audit([destroyed, destroyed]) == ("error", 2)
    assert _audit(["Target crashed"]) == ("crashed", 1)


def test_a_page_that_navigates_away_before_load_is_audited_as_it_stands() -> None:
    """A meta refresh of 0 s: the route answers 204 (the stored document stays) and goto reports ERR_ABORTED."""
    assert _audit([], ["Page.goto: net::ERR_ABORTED at http://127.0.0.1:1/refresh"]) == ("ok", 1)
    assert _audit([], ["Page.goto: net::ERR_CONNECTION_REFUSED"]) == ("error", 1)
