"""The trend chart: inline SVG built from numbers only (scores 0–100 and dates), no script, no site text.

The only words in it are the caller's translated labels (title and description), escaped here; the page
shows the same numbers as a table next to it, which is the chart's text alternative.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from markupsafe import Markup, escape

VIETNAM = timezone(timedelta(hours=7))  # the report's time zone (no daylight saving time)
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 30, 14, 36


def _day(value: object) -> str | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(VIETNAM)
    return f"{moment.day:d}/{moment.month:d}"


def trend_svg(points: list[dict[str, object]], *, title: str, desc: str, chart_id: str) -> Markup:
    """A line chart of ``points`` [{"started_at", "score"}] (score 0–100 or None: a gap) with gridlines."""
    count = len(points)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(index: int) -> float:
        return LEFT + (inner_w / 2 if count == 1 else inner_w * index / (count - 1))

    def y(score: float) -> float:
        return TOP + inner_h * (1 - max(0.0, min(100.0, score)) / 100)

    parts = [f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
             f'aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d" focusable="false" '
             f'xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{escape(chart_id)}-t">{escape(title)}</title>',
             f'<desc id="{escape(chart_id)}-d">{escape(desc)}</desc>']
    for tick in (0, 25, 50, 75, 100):
        ty = y(tick)
        parts.append(f'<line class="grid" x1="{LEFT}" y1="{ty:.1f}" x2="{WIDTH - RIGHT}" y2="{ty:.1f}"/>')
        parts.append(f'<text class="axis" x="{LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end">{tick:d}</text>')
    step = max(1, count // 8)
    for index, point in enumerate(points):
        if index % step == 0 or index == count - 1:
            label = _day(point.get("started_at")) or f"{index + 1:d}"
            parts.append(f'<text class="axis" x="{x(index):.1f}" y="{HEIGHT - 12}" text-anchor="middle">'
                         f'{escape(label)}</text>')
    segment: list[str] = []
    segments: list[list[str]] = []
    for index, point in enumerate(points):
        score = point.get("score")
        if isinstance(score, int | float):
            segment.append(f"{x(index):.1f},{y(float(score)):.1f}")
        elif segment:
            segments.append(segment)
            segment = []
    if segment:
        segments.append(segment)
    for seg in segments:
        if len(seg) > 1:
            parts.append(f'<polyline class="line" points="{" ".join(seg)}"/>')
    for index, point in enumerate(points):
        score = point.get("score")
        if isinstance(score, int | float):
            parts.append(f'<circle class="dot" cx="{x(index):.1f}" cy="{y(float(score)):.1f}" r="4"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
