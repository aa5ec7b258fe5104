"""When an attempt's result is final enough to stop asking for it: the one rule the progress
panel (stop polling), the poll's refreshes and the worker's settling (stop reading) share.

Remote results lag. SCORM Cloud may report COMPLETED before the score, so after the LMS
learns of a completion it keeps reading until a score and a pass or fail are both known, or
``SCORM_COMPLETION_SETTLE_SECONDS`` have passed since it learned of it (the provider's own
``completedDate`` may be older than that, and would cut the window short). After the learner
leaves the player, an attempt not completed yet is read for the provider's exit window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from providers.types import Completion, Success


@dataclass(frozen=True)
class SettleFacts:
    """What the rule reads of an attempt (and of its provider)."""

    remote: bool
    exit_window_seconds: float
    completion: str
    success: str
    score_scaled: float | None
    completion_seen_at: datetime | None
    exited_at: datetime | None


def completion_deadline(facts: SettleFacts) -> datetime | None:
    """Until when a completed attempt's score and success may still change (None: they will
    not, or it is not completed)."""
    if facts.completion != Completion.COMPLETED or not facts.remote:
        return None
    if facts.score_scaled is not None and facts.success != Success.UNKNOWN:
        return None  # nothing left to arrive
    if facts.completion_seen_at is None:
        return None  # completed before the LMS recorded when it learned of it
    return facts.completion_seen_at + timedelta(seconds=settings.SCORM_COMPLETION_SETTLE_SECONDS)


def exit_deadline(facts: SettleFacts) -> datetime | None:
    """Until when an attempt left before it completed is still expected to report."""
    if facts.exited_at is None or facts.completion == Completion.COMPLETED:
        return None
    return facts.exited_at + timedelta(seconds=facts.exit_window_seconds)


def settled(facts: SettleFacts, *, now: datetime) -> bool:
    """Completed, with nothing more to wait for."""
    if facts.completion != Completion.COMPLETED:
        return False
    if not facts.remote:
        # The local run-time reports as the learner goes: a success and a score may follow the
        # completion in the same session (a quiz completed when shown, passed when submitted),
        # and the last commit lands as the learner leaves.
        return exited_for(facts, now=now)
    deadline = completion_deadline(facts)
    return deadline is None or now >= deadline


def exited_for(facts: SettleFacts, *, now: datetime) -> bool:
    """The learner has left and the provider's exit window has passed since."""
    return facts.exited_at is not None and now >= facts.exited_at + timedelta(
        seconds=facts.exit_window_seconds
    )


def gave_up(facts: SettleFacts, *, now: datetime) -> bool:
    """Left before completing, and the provider's exit window has passed."""
    deadline = exit_deadline(facts)
    return deadline is not None and now >= deadline


def next_change(facts: SettleFacts, *, now: datetime) -> datetime | None:
    """The next moment the rule's answer changes with no new result (a window closing)."""
    local_exit = (
        facts.exited_at + timedelta(seconds=facts.exit_window_seconds)
        if not facts.remote and facts.exited_at is not None
        else None
    )
    deadlines = (completion_deadline(facts), exit_deadline(facts), local_exit)
    moments = [d for d in deadlines if d and d > now]
    return min(moments, default=None)
