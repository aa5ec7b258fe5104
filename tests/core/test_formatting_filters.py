"""The template filters pages print with."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from core.templatetags.formatting import ago, duration, percent


def test_ago_says_just_now_under_a_minute_then_counts_minutes():
    now = timezone.now()
    assert ago(None) == "—"
    assert ago(now - timedelta(seconds=5)) == "just now"
    assert ago(now - timedelta(seconds=59)) == "just now"
    assert ago(now - timedelta(minutes=3, seconds=10)) == "3\xa0minutes ago"


def test_scores_and_durations_print_as_people_read_them():
    assert percent(0.85) == "85%"
    assert percent(None) == "—"
    assert duration(3661) == "1:01:01"
