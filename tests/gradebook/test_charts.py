"""Server-side SVG charts."""

from __future__ import annotations

import re
from datetime import date
from xml.etree import ElementTree

from gradebook.charts import bucket_labels, completions_over_time_svg, score_histogram_svg

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # noqa: S314 - our own output


def test_bucket_labels():
    assert bucket_labels(10) == [
        "0–9",
        "10–19",
        "20–29",
        "30–39",
        "40–49",
        "50–59",
        "60–69",
        "70–79",
        "80–89",
        "90–100",
    ]


def test_histogram_is_valid_accessible_svg():
    root = parse(score_histogram_svg(buckets=[0, 1, 0, 0, 2, 0, 0, 0, 0, 4]))

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "score-histogram-title score-histogram-desc"
    assert root.find(f"{SVG}title").text == "Score distribution"
    description = root.find(f"{SVG}desc").text
    assert description.startswith("7 learners with a score.")
    assert "90–100 %: 4" in description
    bars = root.findall(f".//{SVG}rect")
    assert len(bars) == 10
    heights = [float(bar.get("height")) for bar in bars]
    # The tallest bar is the fullest bucket; empty buckets draw nothing.
    assert heights[9] == max(heights)
    assert heights[0] == 0
    assert heights[4] == heights[9] / 2
    assert bars[1].find(f"{SVG}title").text == "10–19 %: 1 learner"


def test_histogram_of_nobody():
    root = parse(score_histogram_svg(buckets=[0] * 10))

    assert {float(bar.get("height")) for bar in root.findall(f".//{SVG}rect")} == {0.0}


def test_completions_step_line():
    points = [(date(2025, 3, 1), 2), (date(2025, 3, 3), 5), (date(2025, 3, 11), 6)]

    root = parse(completions_over_time_svg(points=points))

    assert root.find(f"{SVG}title").text == "Completions over time"
    assert "6 learners completed between 2025-03-01 and 2025-03-11" in root.find(f"{SVG}desc").text
    circles = root.findall(f".//{SVG}circle")
    assert [c.find(f"{SVG}title").text for c in circles] == [
        "2025-03-01: 2 completed",
        "2025-03-03: 5 completed",
        "2025-03-11: 6 completed",
    ]
    xs = [float(c.get("cx")) for c in circles]
    ys = [float(c.get("cy")) for c in circles]
    assert xs == sorted(xs)
    assert (xs[1] - xs[0]) * 4 == xs[2] - xs[1]
    assert ys == sorted(ys, reverse=True)  # higher totals sit higher
    path = root.find(f".//{SVG}path").get("d")
    assert re.fullmatch(r"M[\d.]+,[\d.]+(H[\d.]+V[\d.]+)+H[\d.]+", path)


def test_completions_on_a_single_day_and_none():
    assert parse(completions_over_time_svg(points=[(date(2025, 3, 1), 3)])).findall(
        f".//{SVG}circle"
    )
    empty = parse(completions_over_time_svg(points=[]))
    assert empty.find(f"{SVG}desc").text == "No learner has completed the course yet."
    assert empty.find(f"{SVG}circle") is None


def test_chart_ids_are_escaped():
    svg = score_histogram_svg(buckets=[0] * 10, chart_id='x"><script>')

    assert "<script>" not in svg
