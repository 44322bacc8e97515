"""The trend chart: inline SVG built from numbers only (scores 0–100 and dates), no script, no site text.

The only words in it are the caller's translated labels (title and description), escaped here; the page
shows the same numbers as a table next to it, which is the chart's text alternative.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from markupsafe import Markup, escape

VIETNAM = timezone(timedelta(hours=7))  # the report's time zone (no daylight saving time)
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 40, 14, 36  # room for a date with its year under each end


def _moment(value: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment.astimezone(VIETNAM) if moment.tzinfo is not None else moment


def _day(moment: datetime, lang: str) -> str:
    """The date with its year (runs a year apart must not share a label): d/m/yyyy in Vietnamese, ISO in English,
    as the report's tables write dates."""
    if lang == "vi":
        return f"{moment.day:d}/{moment.month:d}/{moment.year:d}"
    return f"{moment.year:d}-{moment.month:02d}-{moment.day:02d}"


def _labelled(count: int, most: int = 6) -> list[int]:
    """Indexes of the points that get a date under the axis: at most ``most`` (a date is about 70 px wide), the
    first and the last always, the one before the last dropped when it would touch it."""
    step = max(1, -(-count // most))
    picked = list(range(0, count, step))
    if count and picked[-1] != count - 1:
        if count - 1 - picked[-1] < step / 2 and len(picked) > 1:
            picked.pop()
        picked.append(count - 1)
    return picked


def trend_svg(points: list[dict[str, object]], *, title: str, desc: str, chart_id: str, lang: str = "vi") -> Markup:
    """A line chart of ``points`` [{"started_at", "score"}] (score 0–100 or None: a gap) with gridlines.

    Dates under the axis carry the year; when two runs fall on one day, each date gets its time on a second line.
    """
    count = len(points)
    moments = [_moment(point.get("started_at")) for point in points]
    days = [_day(m, lang) for m in moments if m is not None]
    with_time = len(set(days)) < len(days)
    bottom = BOTTOM + (14 if with_time else 0)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - bottom

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
    for index in _labelled(count):
        moment = moments[index]
        label = _day(moment, lang) if moment is not None else f"{index + 1:d}"
        time_line = (f'<tspan x="{x(index):.1f}" dy="14">{moment.hour:02d}:{moment.minute:02d}</tspan>'
                     if with_time and moment is not None else "")
        parts.append(f'<text class="axis" x="{x(index):.1f}" y="{HEIGHT - (26 if with_time else 12)}" '
                     f'text-anchor="middle">{escape(label)}{time_line}</text>')
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
