"""Scoring rules (portal_audit/scoring.py, data/scoring.yaml, docs/scoring.md) on hand-built export entries.

Each test states one property a reader of a score relies on, and compares two sites that differ in exactly
one fact, so a broken rule shows up as a wrong ordering or a wrong equality, not as a changed constant.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from portal_audit.scoring import (
    AREAS,
    ScoringConfigError,
    grade_for,
    grade_label,
    load_scoring,
    score_province,
    score_site,
)


def check(item_id: str, outcome: str, area: str = "content", weight: float = 2.0, in_force: bool = True,
          checklist: str = "decree-224-2026") -> dict[str, Any]:
    return {"id": item_id, "area": area, "outcome": outcome, "weight": weight, "in_force": in_force,
            "checklist": checklist}


def group(rule: str, template: str, pages: int, template_pages: int, *, impact: str | None = None,
          source: str = "static", level: str | None = None, rendered: int = 0) -> dict[str, Any]:
    entry = {"rule": rule, "template": template, "pages": pages, "template_pages": template_pages,
             "template_pages_rendered": rendered, "source": source, "impact": impact, "occurrences": pages}
    if level:
        entry["level"] = level
    return entry


def site(checks: list[dict[str, Any]] | None = None, groups: list[dict[str, Any]] | None = None, *,
         pages: int = 30, templates: int = 3, crawl: str = "ok", static: str = "checked",
         rendered: str = "checked", site_id: str = "s") -> dict[str, Any]:
    return {"id": site_id, "crawl": {"status": crawl, "pages": pages, "errors": 0},
            "checks": checks or [], "accessibility": groups or [],
            "accessibility_status": {"static": static, "rendered": rendered, "reason": None, "pages": pages,
                                     "templates": templates}}


BASE_CHECKS = [check("c1", "passed"), check("c2", "failed"), check("c3", "partial", weight=3),
               check("s1", "passed", area="services"), check("s2", "failed", area="services"),
               check("t1", "passed", area="technical", checklist="technical"),
               check("t2", "failed", area="technical", checklist="technical", weight=1)]


def a11y(groups: list[dict[str, Any]], **kwargs: Any) -> float:
    score = score_site(site([], groups, **kwargs))["area_scores"]["accessibility"]
    assert score is not None
    return score


# --- checklist areas ----------------------------------------------------------------------------------------------

def test_returns_exactly_the_documented_shape() -> None:
    result = score_site(site(BASE_CHECKS))
    assert set(result) == {"score", "grade", "area_scores", "score_detail"}
    assert set(result["area_scores"]) == set(AREAS) == set(result["score_detail"])
    for detail in result["score_detail"].values():
        assert set(detail) == {"score", "earned", "possible", "counted", "passed", "partial", "failed",
                               "not_applicable", "not_checked", "deductions"}


@pytest.mark.parametrize("area", ["content", "services", "technical"])
@pytest.mark.parametrize("better", ["partial", "passed"])
def test_fixing_a_failed_item_raises_the_area_and_the_site_score(area: str, better: str) -> None:
    failed = [check("x", "failed", area=area), check("y", "passed", area=area), check("z", "failed", area=area)]
    fixed = [check("x", better, area=area), *failed[1:]]
    before, after = score_site(site(failed)), score_site(site(fixed))
    assert after["area_scores"][area] > before["area_scores"][area]
    assert after["score"] > before["score"]


def test_partial_credit_and_weights_come_from_the_outcomes() -> None:
    detail = score_site(site(BASE_CHECKS))["score_detail"]["content"]
    # c1 passed ×2, c2 failed ×2, c3 partial ×3 → (2 + 0 + 1.5) / 7
    assert (detail["earned"], detail["possible"]) == (3.5, 7.0)
    assert detail["score"] == 50.0
    assert (detail["counted"], detail["passed"], detail["partial"], detail["failed"]) == (3, 1, 1, 1)


def test_a_heavier_failed_item_costs_more() -> None:
    light = score_site(site([check("a", "passed", weight=3), check("b", "failed", weight=1)]))
    heavy = score_site(site([check("a", "passed", weight=1), check("b", "failed", weight=3)]))
    assert heavy["area_scores"]["content"] < light["area_scores"]["content"]


def test_not_checked_changes_nothing_and_is_listed() -> None:
    before = score_site(site(BASE_CHECKS))
    after = score_site(site([*BASE_CHECKS, check("unseen", "not_checked", weight=10),
                             check("t-unseen", "not_checked", area="technical", checklist="technical")]))
    assert after["area_scores"] == before["area_scores"] and after["score"] == before["score"]
    assert after["score_detail"]["content"]["not_checked"] == ["unseen"]
    assert after["score_detail"]["technical"]["not_checked"] == ["t-unseen"]
    assert after["score_detail"]["content"]["counted"] == before["score_detail"]["content"]["counted"]


def test_not_applicable_is_excluded_and_counted_apart() -> None:
    before = score_site(site(BASE_CHECKS))
    after = score_site(site([*BASE_CHECKS, check("na", "not_applicable", weight=10)]))
    assert after["area_scores"] == before["area_scores"]
    assert after["score_detail"]["content"]["not_applicable"] == 1
    assert "na" not in after["score_detail"]["content"]["not_checked"]


def test_an_area_with_nothing_judged_is_none_never_zero_or_hundred() -> None:
    result = score_site(site([check("na", "not_applicable"), check("nc", "not_checked"),
                              check("t1", "failed", area="technical", checklist="technical")]))
    assert result["area_scores"]["content"] is None
    assert result["area_scores"]["services"] is None
    assert result["area_scores"]["technical"] == 0.0
    assert result["score"] is not None  # the areas that exist still make a site score


def test_out_of_force_baseline_items_are_not_scored_but_the_technical_checklist_is() -> None:
    before = score_site(site(BASE_CHECKS))
    baseline = [check("nd43.x", "failed", weight=10, in_force=False, checklist="decree-43-2011"),
                check("nd43.y", "passed", area="services", weight=10, in_force=False, checklist="decree-43-2011")]
    assert score_site(site([*BASE_CHECKS, *baseline]))["area_scores"] == before["area_scores"]
    # The technical checklist counts even where its in_force flag is false (a crawl dated before 2018).
    old_tech = [check("t3", "passed", area="technical", checklist="technical", in_force=False, weight=5)]
    assert score_site(site([*BASE_CHECKS, *old_tech]))["area_scores"]["technical"] > \
        before["area_scores"]["technical"]


def test_unreachable_site_is_not_scored_even_with_judged_host_facts() -> None:
    checks = [check("tech.tls-certificate", "passed", area="technical", checklist="technical"),
              check("c1", "not_checked"), check("c2", "not_applicable")]
    result = score_site(site(checks, crawl="unreachable", pages=0, templates=0, static="not_checked",
                             rendered="not_checked"))
    assert result["score"] is None and result["grade"] is None
    assert all(value is None for value in result["area_scores"].values())
    assert result["score_detail"]["technical"]["not_checked"] == ["tech.tls-certificate"]
    assert result["score_detail"]["content"]["not_applicable"] == 1


# --- accessibility ------------------------------------------------------------------------------------------------

def test_no_violation_on_a_checked_site_is_100_and_nothing_checked_is_none() -> None:
    assert a11y([]) == 100.0
    result = score_site(site([], [], static="not_checked", rendered="not_checked", pages=0))
    assert result["area_scores"]["accessibility"] is None
    assert "image-alt" in result["score_detail"]["accessibility"]["not_checked"]


def test_one_template_bug_costs_the_same_on_30_and_3000_pages() -> None:
    # Same site structure (three templates: 20/5/5 pages), one hundred times larger; the bug is in template b.
    small = a11y([group("image-alt", "b", 5, 5)], pages=30, templates=3)
    large = a11y([group("image-alt", "b", 500, 500)], pages=3000, templates=3)
    assert small == large < 100
    # The same when only axe saw it, on 2 rendered pages of the template: the sample is extrapolated.
    small_axe = a11y([group("color-contrast", "b", 2, 5, source="axe", rendered=2)], pages=30, templates=3)
    large_axe = a11y([group("color-contrast", "b", 2, 500, source="axe", rendered=2)], pages=3000, templates=3)
    assert small_axe == large_axe < 100


def test_more_templates_affected_gives_a_lower_score() -> None:
    one = a11y([group("image-alt", "a", 4, 10)], pages=40, templates=4)
    two = a11y([group("image-alt", "a", 4, 10), group("image-alt", "b", 4, 10)], pages=40, templates=4)
    three = a11y([group("image-alt", t, 4, 10) for t in "abc"], pages=40, templates=4)
    assert 100 > one > two > three


def test_more_pages_affected_in_the_same_template_gives_a_lower_score() -> None:
    few = a11y([group("image-alt", "a", 2, 20)], pages=40, templates=4)
    many = a11y([group("image-alt", "a", 20, 20)], pages=40, templates=4)
    assert few > many


def test_impact_orders_the_deduction() -> None:
    scores = [a11y([group("link-name", "a", 10, 10, impact=impact)]) for impact in
              ("critical", "serious", "moderate", "minor")]
    assert scores == sorted(scores) and len(set(scores)) == 4


def test_rule_deduction_is_capped_and_the_area_floored() -> None:
    config = load_scoring()
    cap = config["accessibility"]["impact_weights"]["critical"] * config["accessibility"]["caps"]["points_per_weight"]
    everywhere = [group("image-alt", t, 10, 10) for t in "abc"]
    detail = score_site(site([], everywhere))["score_detail"]["accessibility"]
    assert detail["deductions"][0]["spread"] == 1.0
    assert detail["deductions"][0]["points"] == cap
    assert detail["score"] == 100 - cap
    # Many violated rules everywhere: the area stops at the floor, never below.
    rules = ["image-alt", "label", "button-name", "select-name", "td-has-header", "meta-refresh", "input-image-alt",
             "area-alt", "video-caption", "aria-roles", "aria-valid-attr"]
    crushed = score_site(site([], [group(r, t, 10, 10) for r in rules for t in "abc"]))
    assert crushed["area_scores"]["accessibility"] == config["accessibility"]["caps"]["floor"] == 0
    assert sum(d["points"] for d in crushed["score_detail"]["accessibility"]["deductions"]) > 100


def test_per_rule_cap_override_comes_from_the_data() -> None:
    config = copy.deepcopy(load_scoring())
    config["accessibility"]["caps"]["rules"] = {"image-alt": 4}
    result = score_site(site([], [group("image-alt", "a", 10, 10)], templates=1, pages=10), config)
    assert result["score_detail"]["accessibility"]["deductions"][0]["points"] == 4
    assert result["area_scores"]["accessibility"] == 96.0


def test_one_page_bug_costs_at_least_the_floor_share_of_its_cap() -> None:
    config = load_scoring()["accessibility"]
    detail = score_site(site([], [group("image-alt", "a", 1, 1000)], pages=3000, templates=300))
    deduction = detail["score_detail"]["accessibility"]["deductions"][0]
    assert deduction["points"] >= config["spread"]["floor"] * deduction["cap"] > 0


def test_best_practice_rules_are_shown_not_scored() -> None:
    groups = [group("heading-order", "a", 30, 30, level="best-practice"),
              group("identical-links-same-purpose", "a", 30, 30)]  # level from the rule table: best-practice
    result = score_site(site([], groups))
    assert result["area_scores"]["accessibility"] == 100.0
    assert result["score_detail"]["accessibility"]["deductions"] == []


def test_groups_of_one_rule_merge_into_one_deduction() -> None:
    detail = score_site(site([], [group("image-alt", "a", 5, 10), group("image-alt", "b", 5, 10)],
                             pages=30, templates=3))["score_detail"]["accessibility"]
    assert [d["rule"] for d in detail["deductions"]] == ["image-alt"]
    assert detail["deductions"][0]["templates"] == 2 and detail["deductions"][0]["pages"] == 10
    assert detail["failed"] == 1 and detail["passed"] == detail["counted"] - 1


def test_without_a_browser_only_static_rules_score_and_the_rest_is_listed() -> None:
    groups = [group("image-alt", "a", 10, 10), group("color-contrast", "a", 10, 10, source="axe", rendered=2)]
    full = score_site(site([], groups))["score_detail"]["accessibility"]
    static_only = score_site(site([], groups[:1], rendered="not_checked"))["score_detail"]["accessibility"]
    assert static_only["score"] is not None and static_only["score"] > full["score"]
    assert "color-contrast" in static_only["not_checked"] and "image-alt" not in static_only["not_checked"]
    assert full["not_checked"] == []
    assert static_only["counted"] < full["counted"]


# --- site, grades, province ---------------------------------------------------------------------------------------

def test_site_score_is_the_weighted_mean_of_the_areas_that_exist() -> None:
    weights = load_scoring()["area_weights"]
    result = score_site(site(BASE_CHECKS, [group("image-alt", "a", 10, 10)]))
    areas = result["area_scores"]
    expected = sum(areas[a] * weights[a] for a in AREAS) / sum(weights.values())
    assert result["score"] == round(expected, 1)
    no_services = score_site(site([c for c in BASE_CHECKS if c["area"] != "services"]))
    present = {a: s for a, s in no_services["area_scores"].items() if s is not None}
    assert "services" not in present
    assert no_services["score"] == round(sum(s * weights[a] for a, s in present.items())
                                         / sum(weights[a] for a in present), 1)


def test_grade_bands_come_from_the_data() -> None:
    bands = load_scoring()["grades"]
    for band in bands:
        assert grade_for(band["min"]) == band["grade"]
    assert grade_for(bands[0]["min"] - 0.1) == bands[1]["grade"]
    assert grade_for(100) == bands[0]["grade"] and grade_for(0) == bands[-1]["grade"]
    assert grade_for(None) is None
    assert grade_label(bands[0]["grade"]) == bands[0]["vi"] and grade_label(bands[0]["grade"], "en") == bands[0]["en"]
    shifted = copy.deepcopy(load_scoring())
    shifted["grades"] = [{"grade": "P", "min": 50, "vi": "Đạt", "en": "Pass"},
                         {"grade": "F", "min": 0, "vi": "Không đạt", "en": "Fail"}]
    assert grade_for(60, shifted) == "P" and grade_for(49.9, shifted) == "F"


def test_a_malformed_config_is_refused() -> None:
    config = copy.deepcopy(load_scoring())
    config["grades"] = list(reversed(config["grades"]))
    with pytest.raises(ScoringConfigError):
        score_site(site(BASE_CHECKS), config)
    config = copy.deepcopy(load_scoring())
    config["accessibility"]["spread"]["page_weight"] = 0.9
    with pytest.raises(ScoringConfigError):
        score_site(site(BASE_CHECKS), config)
    assert load_scoring() is load_scoring()


def test_province_aggregate_ignores_unscored_sites() -> None:
    good = site([check("a", "passed")], site_id="good")
    poor = site([check("a", "failed"), check("b", "passed")], site_id="poor")
    gone = site([check("a", "not_checked")], crawl="unreachable", static="not_checked", rendered="not_checked",
                pages=0, site_id="gone")
    scores = [score_site(s)["score"] for s in (good, poor)]
    province = score_province([good, poor, gone])
    assert province["score"] == round(sum(scores) / 2, 1)
    assert province["median"] == round(sum(scores) / 2, 1)
    assert province["sites_scored"] == 2 and province["sites_not_scored"] == ["gone"]
    assert sum(province["grades"].values()) == 2
    assert province["area_scores"]["content"] == round((100 + 50) / 2, 1)
    assert province["area_scores"]["services"] is None
    empty = score_province([gone])
    assert empty["score"] is None and empty["median"] is None and empty["sites_scored"] == 0
