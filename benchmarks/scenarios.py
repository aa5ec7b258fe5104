"""Issue 13's figures: each a benchmark registered by name (see ``registry``)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from . import fixtures
from .environment import ROOT, Server, django_setup, redis_url, throwaway_database
from .load import Learner, LearnerRun, run_learners, wrk
from .registry import Figure, Options, benchmark, ratio

CLIENTS = 64


@dataclass(frozen=True)
class Lab:
    database_url: str
    cache_url: str
    media_root: str

    def server(self, **options: Any) -> Server:
        """The project under gunicorn (``options``: see :class:`Server`)."""
        return Server(self.database_url, self.cache_url, self.media_root, **options)


@contextmanager
def lab(options: Options) -> Iterator[Lab]:
    """A throwaway database and media folder, the cache, and Django set up on them here."""
    with throwaway_database(options.database) as url, tempfile.TemporaryDirectory() as media:
        cache_url = redis_url()
        django_setup(url, cache_url, media)
        yield Lab(url, cache_url, media)
        from django.db import connections

        connections.close_all()  # before the database is dropped


def _cache_note(lab: Lab) -> str:
    return "Redis cache" if lab.cache_url else "no shared cache: panel fragments not kept"


def _check(server: Server, path: str, cookie: str, expected: int = 200) -> None:
    request = urllib.request.Request(  # noqa: S310 (our own server on loopback)
        server.url + path, headers={"Cookie": f"sessionid={cookie}", "HX-Request": "true"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        if response.status != expected:
            raise RuntimeError(f"GET {path} answered {response.status}")


def _poll_path(attempt_id: str) -> str:
    return f"/learn/attempts/{attempt_id}/progress/"


# --- The progress poll against the no-op view -------------------------------------------------


@benchmark("poll")
def poll(options: Options) -> list[Figure]:
    """Progress poll throughput against the no-op view: 64 clients, attempt with 64 KB of CMI."""
    with lab(options) as env:
        (learner,) = fixtures.learners(fixtures.local_course(), 1)
        fixtures.large_cmi(learner.attempt_id)
        headers = {"Cookie": f"sessionid={learner.cookie}", "HX-Request": "true"}
        with env.server() as server:
            paths = {"noop": "/bench/noop/", "poll": _poll_path(learner.attempt_id)}
            for path in paths.values():
                _check(server, path, learner.cookie)
                wrk(server.url + path, connections=CLIENTS, seconds=2, headers=headers)  # warm
            results = {name: [] for name in paths}
            for _ in range(1 if options.quick else 3):  # interleaved rounds
                for name, path in paths.items():
                    results[name].append(
                        wrk(
                            server.url + path,
                            connections=CLIENTS,
                            seconds=options.seconds,
                            headers=headers,
                        )
                    )
    rps = {
        name: statistics.median(r.requests_per_second for r in rounds)
        for name, rounds in results.items()
    }
    p99 = {name: statistics.median(r.p99_ms for r in rounds) for name, rounds in results.items()}
    errors = sum(r.errors for rounds in results.values() for r in rounds)
    value = ratio(rps["poll"], rps["noop"])
    return [
        Figure(
            path="progress poll (attempt with 64 KB of CMI), 64 clients",
            value=f"{value:.2f}x the no-op's throughput",
            detail=(
                f"{rps['poll']:.0f} vs {rps['noop']:.0f} req/s, p99 {p99['poll']:.1f} vs "
                f"{p99['noop']:.1f} ms, {errors} errors; {_cache_note(env)}"
            ),
            goal=">= 0.8x",
            ok=value >= 0.8 and errors == 0,
        )
    ]


# --- The gradebook at 10 and at 10,000 learners -----------------------------------------------


@benchmark("gradebook", databases="each")
def gradebook(options: Options) -> list[Figure]:
    """Course gradebook page at 10 and at 10,000 learners (100,000 attempts)."""
    with lab(options) as env:
        figures = _gradebook(options, env)
    return figures


def _gradebook(options: Options, env: Lab) -> list[Figure]:
    """Two courses in one database, 10 learners and 10,000 (10 attempts each), their pages
    timed in interleaved rounds (medians) as their instructor, through Django's test client."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tests.gradebook.bulk import course_fill

    instructor = get_user_model().objects.create(username="bench-instructor")
    courses = {}
    started = time.perf_counter()
    for slug, learners in (("small", 10), ("large", 10_000)):
        course = courses[slug] = fixtures.local_course(slug)
        course.instructors.add(instructor)
        course_fill(
            course=course,
            package=course.packages.get(),
            learners=learners,
            attempts_per_learner=10,
            prefix=slug,
            idle_every=0,
        )
    filled = time.perf_counter() - started
    _analyze(connection)  # as autovacuum would have by the time anyone reads the page
    client = Client()
    client.force_login(instructor)
    views = {
        "default sort": "",
        "score desc, passed, page 3": "?sort=score&dir=desc&status=passed&page=3",
    }
    timings = {(slug, label): [] for slug in courses for label in views}
    queries = {}
    for slug, label in timings:
        url = f"/gradebook/{slug}/{views[label]}"
        if client.get(url).status_code != 200:  # and warm up
            raise RuntimeError(f"GET {url} failed")
        connection.queries_log.clear()  # each request clears it: count from empty
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        queries[slug, label] = len(captured)
    for _ in range(5 if options.quick else 15):  # interleaved rounds
        for (slug, label), found in timings.items():
            started = time.perf_counter()
            client.get(f"/gradebook/{slug}/{views[label]}")
            found.append((time.perf_counter() - started) * 1000)
    figures = []
    for label in views:
        small = statistics.median(timings["small", label])
        large = statistics.median(timings["large", label])
        value = ratio(large, small)
        same_queries = queries["small", label] == queries["large", label]
        figures.append(
            Figure(
                path=f"course gradebook page, 10 -> 10,000 learners ({label}), {connection.vendor}",
                value=f"{value:.2f}x its time at 10 learners",
                detail=(
                    f"{small:.1f} -> {large:.1f} ms, queries {queries['small', label]} -> "
                    f"{queries['large', label]}; 100,010 attempts filled in {filled:.0f} s; "
                    f"{_cache_note(env)}"
                ),
                goal="<= 1.5x, constant queries",
                ok=value <= 1.5 and same_queries,
            )
        )
    return figures


def _analyze(connection) -> None:
    """Fresh statistics (and, on PostgreSQL, a visibility map for index-only scans)."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        raw = connection.connection
        previous, raw.autocommit = raw.autocommit, True  # VACUUM runs outside a transaction
        raw.execute("VACUUM ANALYZE")
        raw.autocommit = previous
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# --- Learners committing and polling ----------------------------------------------------------


def _learners(seeded: list[fixtures.Seeded]) -> list[Learner]:
    return [
        Learner(
            cookie=s.cookie,
            poll_path=_poll_path(s.attempt_id),
            commit_path="/play/local/commit/",
            commit_token=s.token,
            activity=fixtures.ACTIVITY,
        )
        for s in seeded
    ]


def _lost(run: LearnerRun, seeded: list[fixtures.Seeded]) -> int:
    """Commits acknowledged but not in the database: the last acknowledged one of each learner
    must be what is stored (nothing later is, since each learner commits in sequence)."""
    return sum(
        1
        for index, sequence in run.acknowledged.items()
        if (fixtures.stored_sequence(seeded[index].attempt_id) or 0) < sequence
    )


@benchmark("commit_poll")
def commit_poll(options: Options) -> list[Figure]:
    """64 learners committing 16 KB and polling for 60 s, no think time."""
    seconds = 15 if options.quick else 60
    with lab(options) as env:
        seeded = fixtures.learners(fixtures.local_course(), CLIENTS)
        learners = _learners(seeded)
        with env.server() as server:
            _check(server, learners[0].poll_path, learners[0].cookie)
            noop = [
                Learner(s.cookie, "/bench/noop/", "", "", "") for s in seeded
            ]  # the baseline: the same client and concurrency, the no-op view
            baseline = run_learners(
                server.port,
                noop,
                seconds=min(seconds, 15),
                poll_every=0,
                commit_every=None,
                make_commit=fixtures.commit_16k,
            )
            run = run_learners(
                server.port,
                learners,
                seconds=seconds,
                poll_every=0,
                commit_every=0,
                make_commit=fixtures.commit_16k,
            )
            lost = _lost(run, seeded)
    errors = len(run.errors) + len(baseline.errors)
    p99 = run.p99()
    return [
        Figure(
            path=f"{CLIENTS} learners committing (16 KB) and polling for {seconds} s, no think time",
            value=f"p99 {p99:.0f} ms ({ratio(p99, baseline.p99()):.1f}x the no-op's p99)",
            detail=(
                f"{run.requests / seconds:.0f} req/s ({run.split()}), {len(run.errors)} errors "
                f"{sorted(set(run.errors))[:3]}, {lost} lost; no-op under the same load: p99 "
                f"{baseline.p99():.0f} ms, {baseline.requests / min(seconds, 15):.0f} req/s"
            ),
            goal="0 errors, 0 lost, p99 < 250 ms",
            ok=errors == 0 and lost == 0 and p99 < 250,
        )
    ]


@benchmark("cadence")
def cadence(options: Options) -> list[Figure]:
    """Learners held at a real cadence: a poll every 3 s, a 16 KB commit every 30 s."""
    # Held: the figure is the steady state. All the learners start within the first 3 s, each
    # first poll rendering its panel and each first commit creating its rows, a burst no real
    # course sees; the requests sent in the first WARMUP seconds (one commit cycle) are not
    # counted in the p99 (their own p99 is printed), though their errors and commits are.
    warmup = 15 if options.quick else 30
    seconds = 35 if options.quick else 65
    counts = sorted(options.learners)
    results: list[tuple[int, LearnerRun, int]] = []
    with lab(options) as env:
        seeded = fixtures.learners(fixtures.local_course(), counts[-1])
        learners = _learners(seeded)
        with env.server() as server:
            _check(server, learners[0].poll_path, learners[0].cookie)
            for round_number, count in enumerate(counts):
                run = run_learners(
                    server.port,
                    learners[:count],
                    seconds=warmup + seconds,
                    poll_every=3,
                    commit_every=30,
                    make_commit=fixtures.commit_16k,
                    sequence_base=round_number * 1000,
                )
                lost = _lost(run, seeded)
                results.append((count, run, lost))
                if run.errors or lost or run.p99_from(warmup) >= 250:
                    break
    held = max(
        (
            count
            for count, run, lost in results
            if not run.errors and not lost and run.p99_from(warmup) < 250
        ),
        default=0,
    )
    detail = "; ".join(
        f"{count}: p99 {run.p99_from(warmup):.0f} ms ({run.split(warmup)}), "
        f"{sum(at >= warmup for at in run.started_at) / seconds:.0f} req/s, "
        f"{len(run.errors)} errors, {lost} lost, client lag p99 {_late(run):.0f} ms, "
        f"the first {warmup} s (all arriving at once) p99 {run.p99_before(warmup):.0f} ms"
        for count, run, lost in results
    )
    return [
        Figure(
            path="learners held at a real cadence (poll every 3 s, 16 KB commit every 30 s)",
            value=f"{held:,} learners with p99 < 250 ms",
            detail=(
                f"{detail}; {seconds} s measured after {warmup} s of warm-up; "
                f"{options.database}, {_cache_note(env)}"
            ),
            goal=">= 1,000, 0 errors, 0 lost",
            ok=held >= 1000,
        )
    ]


def _late(run: LearnerRun) -> float:
    late = sorted(run.late_ms)
    return late[int(len(late) * 0.99)] if late else 0.0


# --- The earlier scripts, kept as they were ---------------------------------------------------


@benchmark("extract", default=False)
def extract(options: Options) -> list[Figure]:
    """Package intake of a 200 MB zip beside unzip (benchmarks/extract_package.py)."""
    output = (
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "extract_package.py")],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        .stdout.strip()
        .splitlines()
    )
    return [Figure("package intake, 200 MB zip", "see detail", " | ".join(output[-4:]), "", None)]
