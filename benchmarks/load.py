"""Load generators, run in processes of their own beside the server.

* ``wrk`` (Debian's package) for raw throughput of one URL: a C load generator takes far
  less of this 2-core machine's CPU than any Python client, so the ratio compares the views,
  not the client.
* :func:`run_learners`, a small asyncio HTTP/1.1 client in a child process, for scenarios
  where every learner has a session, a launch token and a sequence of commits of their own,
  and where each answer must be checked (errors, lost commits, per-request latency).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# --- wrk ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    bytes_per_second: float = 0.0  # bodies included (what wrk calls Transfer/sec)


_BYTES = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk(
    url: str,
    *,
    connections: int,
    seconds: float,
    headers: dict[str, str],
    script: str | None = None,
) -> WrkResult:
    """wrk's figures for ``url`` (``script``: a Lua file that shapes each request)."""
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (apt-get install -y wrk)")
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", script]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.M))
    if "99" not in percentiles:
        raise RuntimeError(f"wrk gave no latencies for {url}:\n{output}")
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)([KMG]?B)", output)
    return WrkResult(
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=_ms(percentiles["50"]),
        p99_ms=_ms(percentiles["99"]),
        errors=errors + (int(non_2xx.group(1)) if non_2xx else 0),
        bytes_per_second=float(transfer.group(1)) * _BYTES[transfer.group(2)] if transfer else 0.0,
    )


# --- Learners: an asyncio client in a process of its own --------------------------------------


@dataclass(frozen=True)
class Learner:
    """What a simulated learner needs: its session cookie, its attempt's poll path, and the
    commit requests it will send (bodies are made by the scenario, see ``fixtures``)."""

    cookie: str
    poll_path: str
    commit_path: str
    commit_token: str
    activity: str


@dataclass
class LearnerRun:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    acknowledged: dict[int, int] = field(default_factory=dict)  # learner index -> last sequence
    requests: int = 0
    late_ms: list[float] = field(default_factory=list)  # how late the client sent (its own lag)
    methods: list[str] = field(default_factory=list)  # GET (polls), POST (commits), per latency
    started_at: list[float] = field(default_factory=list)  # seconds into the run, per latency

    def split(self, second: float = 0.0) -> str:
        """The p50 and p99 of polls and of commits apart (sent ``second`` s or more in)."""
        names = {"GET": "polls", "POST": "commits"}
        found: dict[str, list[float]] = {}
        for method, at, ms in zip(self.methods, self.started_at, self.latencies_ms, strict=True):
            if at >= second:
                found.setdefault(method, []).append(ms)
        return ", ".join(
            f"{names.get(method, method)} p50 {_percentile(values, 50):.0f} / p99 "
            f"{_percentile(values, 99):.0f} ms"
            for method, values in sorted(found.items())
        )

    def p99_from(self, second: float) -> float:
        """The p99 of requests sent ``second`` seconds or more into the run."""
        return _percentile(
            [ms for at, ms in zip(self.started_at, self.latencies_ms, strict=True) if at >= second],
            99,
        )

    def p99_before(self, second: float) -> float:
        """The p99 of requests sent in the first ``second`` seconds of the run."""
        return _percentile(
            [ms for at, ms in zip(self.started_at, self.latencies_ms, strict=True) if at < second],
            99,
        )

    def p99(self) -> float:
        return _percentile(self.latencies_ms, 99)

    def p50(self) -> float:
        return _percentile(self.latencies_ms, 50)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))]


async def _http(
    port: int, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        if body:
            head.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    status_line, _, rest = data.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


async def _learners(
    port: int,
    learners: list[Learner],
    *,
    seconds: float,
    poll_every: float,
    commit_every: float | None,
    make_commit: Callable[[str, str, int], dict[str, Any]],
    sequence_base: int = 0,
) -> LearnerRun:
    """Each learner polls every ``poll_every`` s and commits every ``commit_every`` s, at a
    random phase (``poll_every`` 0: commit then poll, back to back, no think time;
    ``commit_every`` None: no commits). Commit numbers start after ``sequence_base``."""
    import random

    run = LearnerRun()
    begun = time.monotonic()
    deadline = begun + seconds

    async def timed(index: int, method: str, path: str, headers: dict, body: bytes) -> int:
        started = time.monotonic()
        try:
            status, _ = await asyncio.wait_for(_http(port, method, path, headers, body), 30)
        except (OSError, TimeoutError, ValueError, IndexError) as err:
            run.errors.append(f"{method} {type(err).__name__}")
            return 0
        run.latencies_ms.append((time.monotonic() - started) * 1000)
        run.methods.append(method)
        run.started_at.append(started - begun)
        run.requests += 1
        if not 200 <= status < 300:
            run.errors.append(f"{method} {status}")
        return status

    async def commit(index: int, who: Learner, sequence: int) -> None:
        body = json.dumps(make_commit(who.commit_token, who.activity, sequence)).encode()
        headers = {"Content-Type": "text/plain;charset=UTF-8"}
        if os.environ.get("BENCH_COMMIT_FORMAT") == "legacy":
            # The player before issue 12/13 sent the learner's session; the launcher, on
            # another site, sends no cookie of the LMS.
            headers["Cookie"] = f"sessionid={who.cookie}"
        if await timed(index, "POST", who.commit_path, headers, body) == 200:
            run.acknowledged[index] = sequence

    async def poll(index: int, who: Learner) -> None:
        headers = {"Cookie": f"sessionid={who.cookie}", "HX-Request": "true"}
        await timed(index, "GET", who.poll_path, headers, b"")

    async def every(seconds_apart: float, phase: float, action: Callable) -> None:
        due = time.monotonic() + phase
        while due < deadline:
            now = time.monotonic()
            if due > now:
                await asyncio.sleep(due - now)
            else:
                run.late_ms.append((now - due) * 1000)
            await action()
            due += seconds_apart

    async def learner(index: int, who: Learner) -> None:
        rng = random.Random(index)  # noqa: S311 (phases, not secrets)
        sequence = sequence_base

        async def next_commit() -> None:
            nonlocal sequence
            sequence += 1
            await commit(index, who, sequence)

        if not poll_every:  # no think time: commit, then poll, back to back
            while time.monotonic() < deadline:
                if commit_every is not None:
                    await next_commit()
                await poll(index, who)
            return
        tasks = [every(poll_every, rng.random() * poll_every, lambda: poll(index, who))]
        if commit_every:
            tasks.append(every(commit_every, rng.random() * commit_every, next_commit))
        await asyncio.gather(*tasks)

    await asyncio.gather(*(learner(i, who) for i, who in enumerate(learners)))
    return run


def _child(conn: Any, args: tuple, kwargs: dict) -> None:
    run = asyncio.run(_learners(*args, **kwargs))
    conn.send(run)
    conn.close()


def run_learners(
    port: int,
    learners: list[Learner],
    *,
    seconds: float,
    poll_every: float,
    commit_every: float | None,
    make_commit: Callable[[str, str, int], dict[str, Any]],
    sequence_base: int = 0,
) -> LearnerRun:
    """Run the learners in a child process (``make_commit`` must be a module-level function)."""
    parent, child = multiprocessing.Pipe()
    kwargs = {
        "seconds": seconds,
        "poll_every": poll_every,
        "commit_every": commit_every,
        "make_commit": make_commit,
        "sequence_base": sequence_base,
    }
    process = multiprocessing.get_context("fork").Process(
        target=_child, args=(child, (port, learners), kwargs)
    )
    process.start()
    run = parent.recv()
    process.join()
    return run


def median(values: list[float]) -> float:
    return statistics.median(values)
