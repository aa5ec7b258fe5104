"""The progress poll while 5 learners stream a 100 MB video at 2 MB/s, against its latency with
no download running, in six setups: sync workers or the Procfile's gthread workers, the app
sending the bytes (``app``, the embedded default: reported for information) or nginx in front
of it (``x-accel-redirect``, or ``auth-request``, production's own configuration
deploy/nginx-content.conf on the content origin: both held to the goal).

Each viewer asks for the video as a media element does (``Range: bytes=0-``) and reads it at
2 MB/s through a small receive buffer, so the server is held for the whole transfer (50 s)
unless something other than an app worker sends it. Polls are sequential, one every 50 ms, as
the learner whose panel is open; a poll unanswered within 4 s counts as such.
"""

from __future__ import annotations

import statistics
import time
from contextlib import ExitStack

from . import fixtures
from .content_delivery import (
    ASSET,
    NO_NGINX,
    POLL_TIMEOUT,
    RATE,
    VIEWERS,
    _asset,
    _content_headers,
    _delivery,
)
from .front import Nginx, nginx_binary
from .registry import Figure, Options, benchmark, ratio
from .scenarios import _poll_path, lab
from .timing import SlowDownloads, percentile, request_bytes, timed

SETUPS = (  # (label, gunicorn workers, threads, delivery)
    ("sync workers (4), app delivery", 4, 1, "app"),
    ("sync workers (4) behind nginx, x-accel-redirect", 4, 1, "x-accel-redirect"),
    ("gthread workers (2 x 4 threads, the Procfile's), app delivery", 2, 4, "app"),
    ("gthread workers (2 x 4 threads) behind nginx, x-accel-redirect", 2, 4, "x-accel-redirect"),
    ("sync workers (4) behind nginx, auth-request", 4, 1, "auth-request"),
    ("gthread workers (2 x 4 threads) behind nginx, auth-request", 2, 4, "auth-request"),
)
PAUSE = 0.05  # between polls


def _polls(port: int, request: bytes, seconds: float) -> list[float]:
    latencies = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, ms = timed(port, request, timeout=POLL_TIMEOUT)
        latencies.append(ms if status == 200 else float("inf"))
        time.sleep(PAUSE)
    return latencies


@benchmark("poll_during_downloads")
def poll_during_downloads(options: Options) -> list[Figure]:
    """The progress poll while 5 learners stream a 100 MB video at 2 MB/s, against unloaded."""
    rounds = 1 if options.quick else 3
    figures = []
    with lab(options) as env:
        course = fixtures.local_course()
        package = course.packages.get()
        _asset(env.media_root, package)
        (learner,) = fixtures.learners(course, 1)
        fixtures.large_cmi(learner.attempt_id)
        for label, workers, threads, delivery in SETUPS:
            front = delivery != "app"
            if front and not nginx_binary():
                figures.append(Figure(label, "skipped", NO_NGINX, "", None))
                continue
            with ExitStack() as stack:
                server = stack.enter_context(
                    env.server(workers=workers, threads=threads, environment=_delivery(delivery))
                )
                port = video_port = server.port
                if front:
                    nginx = stack.enter_context(
                        Nginx(
                            env.media_root,
                            upstream=server.port,
                            # auth-request: the content origin is production's own server block
                            grant_upstream=server.port if delivery == "auth-request" else None,
                        )
                    )
                    port = video_port = nginx.port
                    if delivery == "auth-request":
                        video_port = nginx.grant_port
                poll = request_bytes(
                    "GET",
                    _poll_path(learner.attempt_id),
                    host=f"127.0.0.1:{port}",
                    headers={"Cookie": f"sessionid={learner.cookie}", "HX-Request": "true"},
                )
                content = _content_headers(video_port, package)
                video = request_bytes(
                    "GET",
                    f"/content/p/{package.pk}/{ASSET}",
                    host=content.pop("Host"),
                    headers={**content, "Range": "bytes=0-"},
                )
                figures.append(
                    _measure(label, port, video_port, poll, video, options, rounds, front)
                )
    return figures


def _measure(
    label: str,
    port: int,
    video_port: int,
    poll: bytes,
    video: bytes,
    options: Options,
    rounds: int,
    held: bool,
) -> Figure:
    _polls(port, poll, 1.0)  # every worker warm
    unloaded, loaded, rates = [], [], []
    for _ in range(rounds):  # interleaved
        unloaded.append(_polls(port, poll, options.seconds))
        with SlowDownloads([(video_port, video)] * VIEWERS, RATE) as downloads:
            time.sleep(1.5)  # the viewers are streaming
            # Long enough for a few polls even when each waits out its timeout.
            loaded.append(_polls(port, poll, max(options.seconds, 3 * POLL_TIMEOUT)))
        rates += [count / downloads.seconds / 1024**2 for count in downloads.received]
        time.sleep(2)  # the server notices the viewers left, and answers any poll still queued
    # Pooled, not the rounds' medians: a round whose polls wait out their timeout has few of them.
    quiet = [ms for latencies in unloaded for ms in latencies]
    busy = [ms for latencies in loaded for ms in latencies]
    unanswered = sum(ms == float("inf") for ms in busy)
    value = ratio(statistics.median(busy), statistics.median(quiet))
    streaming = [rate for rate in rates if rate > 0]
    shown = (
        f"{value:.2f}x its unloaded median latency"
        if value != float("inf")
        else f"the median poll unanswered within {POLL_TIMEOUT:.0f} s"
    )
    return Figure(
        path=f"a poll while {VIEWERS} learners stream a 100 MB video at 2 MB/s: {label}",
        value=(
            f"{shown}; {unanswered} of {len(busy)} polls unanswered within {POLL_TIMEOUT:.0f} s"
        ),
        detail=(
            f"median {statistics.median(busy):.1f} vs {statistics.median(quiet):.1f} ms, p95 "
            f"{percentile(busy, 95):.1f} vs {percentile(quiet, 95):.1f} ms; viewers read "
            f"{statistics.median(streaming or [0]):.1f} MiB/s each, {len(rates) - len(streaming)}"
            f" of {len(rates)} got no byte (queued); {rounds} rounds, polls pooled"
        ),
        goal="<= 2x, every poll answered" if held else "none (information: the embedded default)",
        ok=value <= 2 and not unanswered if held else None,
    )
