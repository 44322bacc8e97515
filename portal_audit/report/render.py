"""Rendering the report: Jinja2 templates (autoescaped, gettext labels) into static files, replaced atomically.

Layout of ``out_dir``: ``index.html`` (province summary), ``sites/<id>.html`` (one scorecard per site),
``method.html`` (how scores are computed, every number read from ``data/scoring.yaml`` at render time),
``data/summary.json``, ``data/sites/<id>.json`` (the site's export entry), ``data/findings.csv``,
``static/report.css``. Everything is written to a staging directory first and moved into place file by
file (``os.replace``), ``index.html`` last, so a reader never sees a half-written page.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from datetime import date, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from babel.dates import format_datetime, get_timezone
from babel.numbers import format_decimal, format_percent
from markupsafe import Markup, escape

from portal_audit import scoring
from portal_audit.audit.contacts import tel_href
from portal_audit.report import model
from portal_audit.report.crawl_reasons import a11y_reason, crawl_reason, kind_label
from portal_audit.report.i18n import LANGS, PACKAGE, translations
from portal_audit.report.legal_texts import run_day
from portal_audit.report.svg import trend_svg

REPORT_TIMEZONE = "Asia/Ho_Chi_Minh"


def web_url(value: Any) -> bool:
    """Whether a URL from a crawled site may become a link: http and https only (never javascript:, data:)."""
    if not isinstance(value, str) or not value or any(ch in value for ch in "\r\n\t\x00"):
        return False
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _number(lang: str) -> Any:
    def number(value: Any, digits: int = 1) -> str:
        if not isinstance(value, int | float):
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=lang)
    return number


def _percent(lang: str) -> Any:
    def percent(value: Any, digits: int = 1) -> str:
        if not isinstance(value, int | float):
            return "–"
        return format_percent(value, format="#,##0" + ("." + "0" * digits if digits else "") + "%", locale=lang)
    return percent


def _day(lang: str) -> Any:
    """A calendar day as the language writes it: 15/08/2022 (vi), 2022-08-15 (en)."""
    def day(value: Any) -> str:
        if not isinstance(value, date):
            return str(value or "–")
        return value.strftime("%d/%m/%Y" if lang == "vi" else "%Y-%m-%d")
    return day


def _decimal(lang: str) -> Any:
    """A configured number as written in the configuration, at most two decimals: 0.25 → "0,25", 90 → "90"."""
    def decimal(value: Any) -> str:
        return format_decimal(value, format="#,##0.##", locale=lang) if isinstance(value, int | float) else "–"
    return decimal


def _share(lang: str) -> Any:
    """A share as a percentage with a decimal only when it has one: 0.35 → "35%", 0.125 → "12,5%"."""
    def share(value: Any) -> str:
        return format_percent(value, format="#,##0.#%", locale=lang) if isinstance(value, int | float) else "–"
    return share


def _when(lang: str) -> Any:
    """ISO timestamps in Vietnam's time (UTC+7, where the audited sites and their webmasters are), zone shown."""
    try:
        zone: Any = get_timezone(REPORT_TIMEZONE)
    except LookupError:  # no time zone database: keep the timestamp's own offset
        zone = None

    def when(value: Any) -> str:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value or "–")
        pattern = "dd/MM/yyyy HH:mm ZZZZ" if lang == "vi" else "yyyy-MM-dd HH:mm ZZZZ"
        return format_datetime(moment, format=pattern, locale=lang, tzinfo=zone or moment.tzinfo)
    return when


_CODE_MARK = re.compile(r"`([^`\n]+)`")


# An address a mail client opens as it reads: the common local@domain.tld shape (anything else is shown as text).
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}")


def mail_address(value: Any) -> bool:
    """Whether a registry e-mail may become a ``mailto:`` link (no spaces, no ``?``/``#`` parameters)."""
    return isinstance(value, str) and bool(_EMAIL.fullmatch(value.strip()))


def scoring_method() -> dict[str, Any]:
    """What method.html states, from the configuration ``score_site`` reads (portal_audit/data/scoring.yaml):
    area weights as shares of their total, credit per outcome, grade bands with their upper bounds, the
    accessibility deductions, and the province's targets (checklists/targets-*.yaml)."""
    from portal_audit.audit.targets import load_targets

    config = scoring.load_scoring()
    weights = config["area_weights"]
    total = sum(float(w) for w in weights.values())
    a11y = config["accessibility"]
    caps = a11y["caps"]
    bands = []
    for position, band in enumerate(config["grades"]):
        upper = config["grades"][position - 1]["min"] if position else None
        bands.append({"grade": band["grade"], "min": band["min"], "below": upper, "vi": band["vi"], "en": band["en"]})
    impacts = [{"impact": impact, "weight": a11y["impact_weights"][impact],
                "cap": a11y["impact_weights"][impact] * caps["points_per_weight"]} for impact in scoring.IMPACT_ORDER]
    return {
        "version": config["version"],
        "weights": [{"area": area, "weight": float(weights[area]), "share": float(weights[area]) / total}
                    for area in sorted(weights, key=lambda a: (-float(weights[a]), model.AREAS.index(a)))],
        "credit": config["items"]["credit"], "default_weight": config["items"]["default_weight"],
        "always_scored": list(config["items"]["always_scored_checklists"]),
        "unscored_crawl_statuses": list(config["unscored_crawl_statuses"]),
        "grades": bands, "a11y": {
            "start": a11y["start"], "levels": list(a11y["scored_levels"]), "impacts": impacts,
            "points_per_weight": caps["points_per_weight"], "rule_caps": dict(caps["rules"] or {}),
            "floor": caps["floor"], "spread_floor": a11y["spread"]["floor"],
            "spread_rest": 1 - a11y["spread"]["floor"], "template_weight": a11y["spread"]["template_weight"],
            "page_weight": a11y["spread"]["page_weight"]},
        "targets": load_targets(),
    }


def with_target_definitions(targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The run's measured targets, each with what its definition counts (``measure``, ``level``, ``counting``,
    ``level_basis``) when the export entry does not say it: "level 3" is "level 3 or higher" when so counted."""
    from portal_audit.audit.targets import load_targets

    definitions = {t["id"]: t for t in load_targets()}
    keys = ("measure", "level", "counting", "level_basis", "unit_types")
    return [{**{k: definitions.get(t.get("id"), {}).get(k) for k in keys}, **t} for t in targets]


def code_marks(text: str | None) -> Markup:
    """Help and fix texts are written with Markdown's `code` marks (axe-core's own help is too): shown as code,
    the rest escaped, so no backtick reaches the reader."""
    if not text:
        return Markup("")
    escaped = str(escape(text))
    return Markup(_CODE_MARK.sub(lambda m: f"<code>{m.group(1)}</code>", escaped))


@cache
def environment(lang: str) -> jinja2.Environment:
    """The Jinja2 environment of one language: autoescape everywhere, i18n extension with the catalogue."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(PACKAGE, "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"], undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(number=_number(lang), percent=_percent(lang), when=_when(lang), decimal=_decimal(lang),
                       share=_share(lang),
                       crawl_reason=lambda text: crawl_reason(text, lang),
                       a11y_reason=lambda text: a11y_reason(text, lang),
                       error_kind=lambda kind: kind_label(str(kind), lang), code_marks=code_marks,
                       day=_day(lang))
    env.tests["web_url"] = web_url
    env.tests["mail_address"] = mail_address
    env.filters["tel_href"] = tel_href
    env.globals.update(lang=lang, areas=model.AREAS)
    return env


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False, default=str) + "\n"


def _write(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding=encoding, newline="\n")


RUN_FIELDS = ("id", "started_at", "finished_at", "status", "regime", "province", "tool_version", "checklists",
              "as_of", "accessibility")


def render_report(document: dict[str, Any], out_dir: Path | str, lang: str = "vi", diff: dict[str, Any] | None = None,
                  trend: list[dict[str, Any]] | None = None, findings_csv: str | None = None, *,
                  timings: dict[str, float] | None = None) -> Path:
    """Render ``document`` (an export document) as a static report in ``out_dir``; returns its index.html.

    ``diff`` and ``trend`` (history stage) are optional: without them the report says it is the first run.
    ``timings``, when given, receives seconds per phase (benchmarks/report_scale.py).
    """
    if lang not in LANGS:
        raise ValueError(f"unknown report language {lang!r} (known: {', '.join(LANGS)})")
    clock = timings if timings is not None else {}
    started = time.perf_counter()

    def lap(phase: str) -> None:
        nonlocal started
        now = time.perf_counter()
        clock[phase] = clock.get(phase, 0.0) + now - started
        started = now

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    env = environment(lang)
    _ = translations(lang).gettext
    rows = model.ranking(document, diff, trend)
    compared = bool(diff) or bool(trend and len(trend) >= 2)
    run = {**dict.fromkeys(RUN_FIELDS), **(document.get("run") or {})}
    common = {"run": run, "compared": compared, "diff": diff, "accessibility_run": run["accessibility"]}
    has_trend = bool(trend and len(trend) >= 2)
    day = run_day(document)
    lap("prepare")

    staging = Path(tempfile.mkdtemp(prefix=".report-", dir=out))
    try:
        css = resources.files(PACKAGE).joinpath("static/report.css").read_text("utf-8")
        _write(staging / "static" / "report.css", css)
        _write(staging / "data" / "summary.json", _json(model.summary_json(document, rows)))
        # With a byte-order mark: Excel, which webmasters open it with, reads a CSV without one in the
        # machine's legacy code page and shows Vietnamese as mojibake.
        _write(staging / "data" / "findings.csv", findings_csv if findings_csv is not None else "", "utf-8-sig")
        lap("data")
        site_template = env.get_template("site.html.j2")
        by_id = {site["id"]: site for site in document.get("sites") or []}
        for row in rows:
            site = by_id[row["id"]]
            _write(staging / "data" / "sites" / f"{row['slug']}.json", _json(site))
            lap("data")
            points = model.site_trend(site["id"], trend)
            context = dict(
                common, rel="../", site=site, row=row, areas_summary=model.area_summary(site),
                fixes=model.fix_list(site, lang, _, day), a11y=model.accessibility_by_rule(site, lang, _),
                not_checked=model.not_checked_groups(model.not_checked(site, lang)), tech=model.technical(site, lang),
                since=model.site_diff(site["id"], diff, lang), site_points=points,
                chart=trend_svg(points, chart_id="trend-site", lang=lang, title=_("Score of this site over the runs"),
                                desc=_("Line chart of the site's score (0 to 100) at each run; "
                                       "the table below gives the same numbers.")) if has_trend else None)
            lap("scorecard model")
            html = site_template.render(**context)
            lap("scorecard templates")
            _write(staging / "sites" / f"{row['slug']}.html", html)
            lap("scorecard files")
        province_points = model.province_trend(trend)
        problems = model.common_problems(document, lang)
        lap("index model")
        index = env.get_template("index.html.j2").render(
            **common, rel="", rows=rows, targets=with_target_definitions(document.get("targets") or []),
            service_levels=document.get("service_levels") or {}, province=document.get("province_score"),
            problems=problems, province_points=province_points,
            chart=trend_svg(province_points, chart_id="trend-province", lang=lang,
                            title=_("Province score over the runs"),
                            desc=_("Line chart of the province score (0 to 100) at each run; "
                                   "the table below gives the same numbers.")) if has_trend else None)
        _write(staging / "index.html", index)
        lap("index")
        method = env.get_template("method.html.j2").render(**common, rel="", current="method",
                                                            method=scoring_method())
        _write(staging / "method.html", method)
        lap("method")
        _publish(staging, out, {r["slug"] for r in rows})
        lap("publish")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out / "index.html"


def _publish(staging: Path, out: Path, slugs: set[str]) -> None:
    """Move every staged file into ``out`` (atomic per file), index.html last; drop scorecards of old sites."""
    last = staging / "index.html"
    files = sorted(p for p in staging.rglob("*") if p.is_file() and p != last)
    for path in [*files, last]:
        target = out / path.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
    for folder, suffix in ((out / "sites", ".html"), (out / "data" / "sites", ".json")):
        for old in folder.glob(f"*{suffix}"):
            if old.stem not in slugs:
                old.unlink(missing_ok=True)


def report_context(store: Any, run_id: str | None = None) -> tuple[dict[str, Any], dict[str, Any] | None,
                                                                    list[dict[str, Any]]]:
    """The export document of ``run_id`` (newest by default), its diff against the previous finished run and
    the score trend up to it. Keeps the run's scores (portal_audit/trend.py) when the run was audited."""
    from portal_audit.export import build_export
    from portal_audit.history import diff_runs, previous_run
    from portal_audit.trend import run_scores, save_scores, score_trend

    document = build_export(store, run_id)
    run_id = document["run"]["id"]
    if document["run"]["status"] == "finished" and document["run"]["checklists"]:
        save_scores(store, document)
    before = previous_run(store, run_id)
    diff = None
    if before is not None:
        scores_before = run_scores(store, before)
        diff = diff_runs(store, before, run_id, scores_before["sites"] if scores_before else None,
                         {site["id"]: site.get("score") for site in document["sites"]})
    return document, diff, score_trend(store, run_id)


def publish_report(store: Any, out_dir: Path | str, lang: str = "vi", run_id: str | None = None) -> \
        tuple[Path, dict[str, Any], dict[str, Any] | None]:
    """Render the report of ``run_id`` (newest by default) from the store, with its diff and trend; returns
    (index.html, the export document, the diff) for callers that summarise the run too."""
    from portal_audit.export import export_csv

    document, diff, trend = report_context(store, run_id)
    index = render_report(document, Path(out_dir), lang=lang, diff=diff, trend=trend,
                          findings_csv=export_csv(document, store))
    return index, document, diff


def write_report(store: Any, out_dir: Path | str, lang: str = "vi", run_id: str | None = None) -> Path:
    """Render the report of ``run_id`` (newest by default) from the store, with its diff and trend."""
    return publish_report(store, out_dir, lang, run_id)[0]
