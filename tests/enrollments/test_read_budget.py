"""Each remote provider's read budget is shared by every attempt and process: polls never
exceed it, notifications get through first, attempts take fair turns, and one attempt's poll
storm reads once per SCORM_REFRESH_MIN_INTERVAL_SECONDS. On the in-process cache with a
simulated clock, and on Redis in real time when one is configured."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from enrollments import read_budget
from enrollments.read_budget import ReadBudgetExhausted, ReadKind, read_acquire
from enrollments.services import attempt_refresh, attempt_request_refresh
from providers.types import Progress
from tests.factories import AttemptFactory, CourseFactory
from tests.gradebook.fakes import FakeRemoteProvider

pytestmark = pytest.mark.django_db

PROVIDER = "fake_remote"


class Clock:
    """Stands in for ``time`` in the budget and in the in-process cache's expiry."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch, settings) -> Clock:
    # The simulated clock drives the in-process cache's expiry; Redis keeps its own time (the
    # tests at the end of this module run on it).
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sim"}
    }
    from django.core.cache import cache

    cache.clear()
    clock = Clock()
    monkeypatch.setattr(read_budget, "_now", clock.time)
    monkeypatch.setattr("django.core.cache.backends.locmem.time", clock)
    monkeypatch.setattr("django.core.cache.backends.base.time", clock)
    return clock


@pytest.fixture
def budget(settings):
    settings.SCORM_READ_BUDGETS = {PROVIDER: 20, "default": 1000}
    settings.SCORM_READ_BUDGET_WINDOW_SECONDS = 60
    settings.SCORM_READ_NOTIFICATION_RESERVE = 0.25  # 15 for refreshes, 5 kept
    settings.SCORM_REFRESH_MIN_INTERVAL_SECONDS = 10
    return 20


@pytest.fixture
def remote(settings):
    settings.SCORM_PROVIDERS = {
        **settings.SCORM_PROVIDERS,
        PROVIDER: "tests.gradebook.fakes.FakeRemoteProvider",
    }
    from providers.registry import reset_registry

    reset_registry()
    FakeRemoteProvider.answer = Progress()
    FakeRemoteProvider.calls = []
    yield FakeRemoteProvider
    FakeRemoteProvider.calls = []


def most_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_many_attempts_polling_never_exceed_the_budget_and_share_it_fairly(clock, budget, remote):
    course = CourseFactory(provider=PROVIDER)
    attempts = [str(AttemptFactory(enrollment__course=course).pk) for _ in range(40)]
    reads: list[tuple[float, str]] = []
    remote.calls = []
    start = clock.now
    while clock.now < start + 600:  # ten minutes of every panel polling every 3 s
        for index, attempt_id in enumerate(attempts):
            clock.now = start + (clock.now - start) // 3 * 3 + index * 3 / len(attempts)
            before = len(remote.calls)
            attempt_request_refresh(attempt_id=attempt_id, provider=PROVIDER)
            if len(remote.calls) > before:
                reads.append((clock.now, attempt_id))
        clock.now = start + ((clock.now - start) // 3 + 1) * 3

    times = [moment for moment, _ in reads]
    assert most_in_any_window(times, 60) <= 15  # the refresh share of 20
    # ...and used (counting over the window plus one slot keeps a little of it unused).
    assert len(reads) >= 0.8 * 15 * 10
    per_attempt = Counter(attempt_id for _, attempt_id in reads)
    assert set(per_attempt) == set(attempts)  # nobody starves
    assert max(per_attempt.values()) - min(per_attempt.values()) <= 2


def test_notifications_get_through_when_polls_have_used_the_refresh_share(clock, budget, remote):
    course = CourseFactory(provider=PROVIDER)
    polled = [AttemptFactory(enrollment__course=course) for _ in range(30)]
    for attempt in polled:  # more panels than the share serves in a minute
        attempt_request_refresh(attempt_id=attempt.pk, provider=PROVIDER)
        clock.now += 0.5
    assert len(remote.calls) == 15

    notified = [AttemptFactory(enrollment__course=course) for _ in range(6)]
    applied = [attempt_refresh(attempt=a, force=True, quick=True) for a in notified[:5]]
    assert applied == ["applied"] * 5
    with pytest.raises(ReadBudgetExhausted) as refused:  # the whole budget is used now
        attempt_refresh(attempt=notified[5], force=True, quick=True)
    assert 0 < refused.value.retry_after <= 60
    assert len(remote.calls) == 20

    clock.now += 65  # the window has moved on
    assert attempt_refresh(attempt=notified[5], force=True, quick=True) == "applied"


def test_one_attempts_poll_storm_gets_one_read_per_interval(clock, budget, remote):
    attempt = AttemptFactory(enrollment__course=CourseFactory(provider=PROVIDER))
    start = clock.now
    reads = []
    while clock.now < start + 60:
        before = len(remote.calls)
        attempt_request_refresh(attempt_id=attempt.pk, provider=PROVIDER)  # many panels
        if len(remote.calls) > before:
            reads.append(clock.now - start)
        clock.now += 0.1
    assert len(reads) == 6
    assert all(b - a >= 10 for a, b in zip(reads, reads[1:], strict=False))


def test_budgets_are_looked_up_by_identifier_with_a_default(settings):
    settings.SCORM_READ_BUDGETS = {"allure_connect": 20, "default": 60}
    assert read_budget.budget_for("allure_connect") == 20
    assert read_budget.budget_for("someone_new") == 60
    settings.SCORM_READ_BUDGETS = {}
    assert read_budget.budget_for("someone_new") == read_budget.DEFAULT_BUDGET


def test_a_refused_read_is_not_counted(clock, budget):
    for n in range(20):
        assert read_acquire(
            provider=PROVIDER, attempt_id=f"n{n}", kind=ReadKind.NOTIFICATION
        ).granted
    assert not read_acquire(provider=PROVIDER, attempt_id="x", kind=ReadKind.NOTIFICATION).granted
    assert not read_acquire(provider=PROVIDER, attempt_id="y", kind=ReadKind.NOTIFICATION).granted
    clock.now += 65  # the window, and the slot it began in, have gone by
    granted = [
        read_acquire(provider=PROVIDER, attempt_id=f"m{n}", kind=ReadKind.NOTIFICATION).granted
        for n in range(21)
    ]
    assert granted.count(True) == 20  # the refusals above used nothing


# --- Redis: the production cache, shared by processes, in real time -------------------------

# redis_cache: tests/conftest.py.


def test_on_redis_polls_and_notifications_keep_within_the_budget(settings, redis_cache):
    settings.SCORM_READ_BUDGETS = {PROVIDER: 8}
    settings.SCORM_READ_BUDGET_WINDOW_SECONDS = 2
    settings.SCORM_READ_NOTIFICATION_RESERVE = 0.25  # 6 for refreshes
    settings.SCORM_REFRESH_MIN_INTERVAL_SECONDS = 1
    refreshes, notifications = [], []
    deadline = time.time() + 5
    while time.time() < deadline:
        for n in range(12):
            if read_acquire(provider=PROVIDER, attempt_id=f"a{n}", kind=ReadKind.REFRESH).granted:
                refreshes.append(time.time())
        if read_acquire(provider=PROVIDER, attempt_id="hook", kind=ReadKind.NOTIFICATION).granted:
            notifications.append(time.time())
        time.sleep(0.05)

    assert most_in_any_window(refreshes + notifications, 2) <= 8
    assert most_in_any_window(refreshes, 2) <= 6
    assert notifications  # the reserve kept room for them
    assert len(refreshes) >= 6
