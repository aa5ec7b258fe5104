"""The local run-time's commit of 64 KB, one request at a time, against the no-op view.

Three learners of one SCORM 2004 course, each with an activity holding 64 KB of CMI: one sends
commits that change the attempt's result (a new score, 64 KB of suspend data, a longer session),
one commits that save 64 KB of suspend data and the bookmark (the result as stored), the third
bookmark commits (``cmi.location`` only, the result as stored), as the launcher sends them: text/plain, no cookie, the content origin's ``Origin`` (``BENCH_COMMIT_FORMAT=legacy``:
the player before issue 12/13, which sent the whole CMI and the learner's session). Sequential requests, the no-op
view and the two commits interleaved in rounds; the figure is the median of the rounds' medians.
The queries of each are counted in-process (Django's test client) before the server starts.

On PostgreSQL two more figures, for information, bound a result-changing commit from below:
the statements one such commit ran (captured in-process, values inlined), replayed from psycopg
as it ran them (two on their own: its read, and its writes guarded by the rows' versions, that
guard made to hold), each prepared, nothing in Python between them, on an attempt of their own;
and the same 64 KB body sent with a forged launch token, refused with a 401 once read, parsed
and its token checked (the request's way through gunicorn and the middleware, no query). Their
sum is what such a commit costs before any Python of its own. Timed in the same rounds as the
no-op view.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from . import fixtures
from .registry import Figure, Options, benchmark, ratio
from .scenarios import lab
from .timing import interleaved, percentile, request_bytes, rounds_median, timed

COMMIT_PATH = "/play/local/commit/"
SIZE = 64_000
NOOP, SCORED, SUSPEND, BOOKMARK = (
    "no-op",
    "result changed",
    "suspend data, result as stored",
    "bookmark only",
)
REPLAYED = "result changed: its statements alone"
REFUSED = "the same 64 KB refused at its token"
LEGACY = os.environ.get("BENCH_COMMIT_FORMAT") == "legacy"  # see fixtures


def _scored(token: str, activity: str, sequence: int) -> dict[str, Any]:
    """A 64 KB commit with a new score each time (consecutive sequences never share one)."""
    score = (sequence % 97 + 1) / 100
    return fixtures.commit_payload(token, activity, sequence, size=SIZE, score=score)


PAYLOADS = {
    SCORED: _scored,
    SUSPEND: fixtures.suspend_payload,
    BOOKMARK: fixtures.bookmark_payload,
}


def _bodies(
    seeded: fixtures.Seeded, payload: Callable, sequences: Iterator[int]
) -> Iterator[bytes]:
    for sequence in sequences:
        yield json.dumps(payload(seeded.token, fixtures.ACTIVITY, sequence)).encode()


def _queries(
    learners: dict[str, fixtures.Seeded], sequences: dict[str, Iterator[int]]
) -> dict[str, list[str]]:
    """Each request's queries (as sent, values inlined), captured in-process on its second
    run (the first fills the process's caches, as any worker's first request does)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1:8000", HTTP_ORIGIN="http://localhost:8000")
    statements = {}
    for name in (NOOP, *learners):
        client.cookies["sessionid"] = learners.get(name, learners[SCORED]).cookie
        for _ in range(2):
            with CaptureQueriesContext(connection) as captured:
                if name == NOOP:
                    status = client.get("/bench/noop/").status_code
                else:
                    body = next(_bodies(learners[name], PAYLOADS[name], sequences[name]))
                    status = client.post(COMMIT_PATH, body, content_type="text/plain").status_code
            if status != 200:
                raise RuntimeError(f"{name} answered {status} in-process")
        statements[name] = [query["sql"] for query in captured.captured_queries]
    return statements


@contextmanager
def _replayer(
    database_url: str, statements: list[str]
) -> Iterator[Callable[[], tuple[int, float]]]:
    """A sender that runs ``statements`` as the commit ran them, each prepared (see the
    module): in one transaction if it had one; otherwise each on its own, the guard of the
    commit's optimistic writes (the rows' versions as read) made to hold on every run."""
    import psycopg

    in_transaction = "BEGIN" in statements
    statements = [
        re.sub(r"\w+\.xmin = '\d+'::xid", "TRUE", sql)
        for sql in statements
        if sql not in ("BEGIN", "COMMIT")
    ]
    with psycopg.connect(database_url, autocommit=True) as connection:

        def replay() -> tuple[int, float]:
            started = time.perf_counter()
            with connection.transaction() if in_transaction else nullcontext():
                for sql in statements:
                    connection.execute(sql, prepare=True)
            return 200, (time.perf_counter() - started) * 1000

        yield replay


@benchmark("commit")
def commit(options: Options) -> list[Figure]:
    """Run-time commit with 64 KB of CMI (result changed, suspend data, bookmark) against the
    no-op."""
    rounds, per_round = (3, 20) if options.quick else (7, 60)
    with lab(options) as env:
        scored, suspend, bookmark, replayed = fixtures.learners(fixtures.local_course(), 4)
        learners = {SCORED: scored, SUSPEND: suspend, BOOKMARK: bookmark}
        for seeded in (scored, suspend, bookmark, replayed):
            fixtures.large_cmi(seeded.attempt_id, SIZE)
        sequences = {name: itertools.count(1) for name in learners}
        queries = _queries(learners, sequences)
        postgresql = options.database == "postgresql"
        replayer = nullcontext()
        if postgresql:  # a commit of the fourth learner's, its statements replayed
            third = _queries({SCORED: replayed}, {SCORED: itertools.count(1)})[SCORED]
            replayer = _replayer(env.database_url, third)
        with env.server() as server, replayer as replay:
            host, origin = f"127.0.0.1:{server.port}", f"http://localhost:{server.port}"
            noop = request_bytes(
                "GET", "/bench/noop/", host=host, headers={"Cookie": f"sessionid={scored.cookie}"}
            )

            def committer(name: str) -> Callable[[], tuple[int, float]]:
                bodies = _bodies(learners[name], PAYLOADS[name], sequences[name])
                headers = {"Origin": origin, "Content-Type": "text/plain;charset=UTF-8"}
                if LEGACY:  # the player before issue 12/13 sent the learner's session
                    headers["Cookie"] = f"sessionid={learners[name].cookie}"

                def send() -> tuple[int, float]:  # the body is made before the clock starts
                    request = request_bytes(
                        "POST", COMMIT_PATH, host=host, headers=headers, body=next(bodies)
                    )
                    return timed(server.port, request)

                return send

            forged = json.dumps({**_scored(scored.token, fixtures.ACTIVITY, 1), "token": "x"})
            refused = request_bytes(
                "POST",
                COMMIT_PATH,
                host=host,
                headers={"Origin": origin, "Content-Type": "text/plain;charset=UTF-8"},
                body=forged.encode(),
            )

            def refuse() -> tuple[int, float]:
                status, ms = timed(server.port, refused)
                return (200 if status == 401 else status), ms  # refused, as it must be

            senders = {
                NOOP: lambda: timed(server.port, noop),
                SCORED: committer(SCORED),
                SUSPEND: committer(SUSPEND),
                BOOKMARK: committer(BOOKMARK),
                **({REPLAYED: replay, REFUSED: refuse} if postgresql else {}),
            }
            interleaved(senders, rounds=1, per_round=5)  # every worker warm
            found, failed = interleaved(senders, rounds=rounds, per_round=per_round)
        last = {name: next(sequences[name]) - 1 for name in learners}
        lost = {
            name: (fixtures.stored_sequence(seeded.attempt_id) or 0) != last[name]
            for name, seeded in learners.items()
        }
    noop_ms = rounds_median(found[NOOP])
    figures = []
    for name in (SCORED, SUSPEND, BOOKMARK):
        median = rounds_median(found[name])
        value = ratio(median, noop_ms)
        every = [ms for latencies in found[name] for ms in latencies]
        noops = [ms for latencies in found[NOOP] for ms in latencies]
        figures.append(
            Figure(
                path=f"run-time commit, 64 KB of CMI, {name}",
                value=f"{value:.2f}x the no-op's median latency",
                detail=(
                    f"{median:.1f} vs {noop_ms:.1f} ms (p90 {percentile(every, 90):.1f} vs "
                    f"{percentile(noops, 90):.1f}); queries {len(queries[name])} vs "
                    f"{len(queries[NOOP])}; {failed[name]} not 200, last commit "
                    f"{'NOT stored' if lost[name] else 'stored'}; {rounds} rounds of "
                    f"{per_round} sequential requests each, interleaved"
                ),
                goal="<= 2x",
                ok=value <= 2 and not failed[name] and not lost[name],
            )
        )
    if postgresql:
        median = rounds_median(found[REPLAYED])
        refused_ms = rounds_median(found[REFUSED])
        figures.append(
            Figure(
                path=f"run-time commit, 64 KB of CMI, {REPLAYED}",
                value=f"{ratio(median, noop_ms):.2f}x the no-op's median latency",
                detail=(
                    f"{median:.2f} vs {noop_ms:.1f} ms: the {len(queries[SCORED])} statements of "
                    "one such commit (a transaction's BEGIN and COMMIT included) replayed from "
                    "psycopg, prepared, nothing in Python between them: what PostgreSQL alone "
                    "takes"
                ),
                goal="none (information: the database's part of the commit)",
                ok=None,
            )
        )
        floor = median + refused_ms
        figures.append(
            Figure(
                path=f"run-time commit, 64 KB of CMI, {REFUSED}",
                value=f"{ratio(refused_ms, noop_ms):.2f}x the no-op's median latency",
                detail=(
                    f"{refused_ms:.2f} vs {noop_ms:.1f} ms ({failed[REFUSED]} not 401): the "
                    "request read, parsed and its token checked, no query. With the statements "
                    f"alone, a result-changing commit's floor: {floor:.2f} ms, "
                    f"{ratio(floor, noop_ms):.2f}x the no-op before any Python of its own"
                ),
                goal="none (information: the request's part of the commit)",
                ok=None,
            )
        )
    return figures
