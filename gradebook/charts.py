"""Server-side SVG charts: readable without JavaScript, with a title and a description for
screen readers. The pages put each chart's figures in a data table beside it as well."""

from __future__ import annotations

from datetime import date

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 24, 44
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


def bucket_labels(count: int) -> list[str]:
    """ "0–9", "10–19", ... "90–100" for ten buckets of a percentage."""
    step = 100 // count
    return [f"{i * step}–{(i + 1) * step - 1 if i < count - 1 else 100}" for i in range(count)]


def _frame(*, chart_id: str, title: str, description: str, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-title {id}-desc"'
        ' xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        '<line class="axis" x1="{left}" y1="{base}" x2="{right}" y2="{base}"/>'
        '<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{base}"/>'
        "{body}</svg>",
        w=WIDTH,
        h=HEIGHT,
        id=chart_id,
        title=title,
        desc=description,
        left=LEFT,
        right=LEFT + PLOT_W,
        top=TOP,
        base=TOP + PLOT_H,
        body=body,
    )


def _y_axis(maximum: int) -> SafeString:
    return format_html(
        '<text class="tick" x="{x}" y="{base}" text-anchor="end" dy=".3em">0</text>'
        '<text class="tick" x="{x}" y="{top}" text-anchor="end" dy=".3em">{max}</text>',
        x=LEFT - 6,
        base=TOP + PLOT_H,
        top=TOP,
        max=maximum,
    )


def score_histogram_svg(*, buckets: list[int], chart_id: str = "score-histogram") -> SafeString:
    """Bars of learners per score band (graded scores, ten bands of 10 %)."""
    labels = bucket_labels(len(buckets))
    total = sum(buckets)
    peak = max(buckets, default=0) or 1
    slot = PLOT_W / len(buckets)
    bars = []
    for index, (label, count) in enumerate(zip(labels, buckets, strict=True)):
        height = PLOT_H * count / peak
        centre = LEFT + index * slot + slot / 2
        bars.append(
            {
                "x": round(centre - slot * 0.4, 1),
                "y": round(TOP + PLOT_H - height, 1),
                "w": round(slot * 0.8, 1),
                "h": round(height, 1),
                "tip": f"{label} %: {count} learner{'' if count == 1 else 's'}",
                "cx": round(centre, 1),
                "value_y": round(TOP + PLOT_H - height - 4, 1),
                "count": count,
                "label_y": TOP + PLOT_H + 16,
                "label": label,
            }
        )
    body = format_html_join(
        "",
        '<g><rect class="bar" x="{x}" y="{y}" width="{w}" height="{h}"><title>{tip}</title></rect>'
        '<text class="value" x="{cx}" y="{value_y}" text-anchor="middle">{count}</text>'
        '<text class="tick" x="{cx}" y="{label_y}" text-anchor="middle">{label}</text></g>',
        bars,
    )
    caption = format_html(
        '<text class="tick" x="{}" y="{}" text-anchor="middle">Score (%)</text>',
        LEFT + PLOT_W / 2,
        HEIGHT - 6,
    )
    description = (
        f"{total} learner{'' if total == 1 else 's'} with a score. "
        + "; ".join(f"{label} %: {count}" for label, count in zip(labels, buckets, strict=True))
        + "."
    )
    return _frame(
        chart_id=chart_id,
        title="Score distribution",
        description=description,
        body=format_html("{}{}{}", _y_axis(peak), body, caption),
    )


def completions_over_time_svg(
    *, points: list[tuple[date, int]], chart_id: str = "completions-over-time"
) -> SafeString:
    """A step line of cumulative completions by day. ``points`` are (day, running total)."""
    if not points:
        return _frame(
            chart_id=chart_id,
            title="Completions over time",
            description="No learner has completed the course yet.",
            body=format_html(
                '<text class="tick" x="{}" y="{}" text-anchor="middle">No completions yet</text>',
                LEFT + PLOT_W / 2,
                TOP + PLOT_H / 2,
            ),
        )
    first, last = points[0][0], points[-1][0]
    span = max((last - first).days, 1)
    peak = max(total for _, total in points) or 1

    def xy(day: date, total: int) -> tuple[float, float]:
        return (
            round(LEFT + PLOT_W * (day - first).days / span, 1),
            round(TOP + PLOT_H - PLOT_H * total / peak, 1),
        )

    # A step line: the total holds until the next day with completions.
    x, y = xy(first, 0)
    path = [f"M{x},{y}"]
    marks = []
    for day, total in points:
        x, y = xy(day, total)
        path.append(f"H{x}V{y}")
        marks.append((x, y, f"{day.isoformat()}: {total} completed"))
    path.append(f"H{LEFT + PLOT_W}")
    body = format_html(
        '{axis}<path class="line" d="{d}"/>{marks}'
        '<text class="tick" x="{left}" y="{below}" text-anchor="start">{first}</text>'
        '<text class="tick" x="{right}" y="{below}" text-anchor="end">{last}</text>',
        axis=_y_axis(peak),
        d="".join(path),
        marks=format_html_join(
            "", '<circle class="point" cx="{}" cy="{}" r="3"><title>{}</title></circle>', marks
        ),
        left=LEFT,
        right=LEFT + PLOT_W,
        below=TOP + PLOT_H + 16,
        first=first.isoformat(),
        last=last.isoformat(),
    )
    description = (
        f"{points[-1][1]} learners completed between {first.isoformat()} and {last.isoformat()}, "
        f"over {len(points)} day{'' if len(points) == 1 else 's'} with completions."
    )
    return _frame(
        chart_id=chart_id, title="Completions over time", description=description, body=body
    )
