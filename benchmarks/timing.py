"""Latency of one request at a time, and slow downloads running beside it.

Sequential latency is timed over a plain socket (connect, send, read to the server's close), so
the client adds as little as it can to both sides of a ratio. Slow downloads run in a child
process, so their reading never holds this process's GIL while it times a request.
"""

from __future__ import annotations

import multiprocessing
import socket
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # lower-cased names; the last of repeated ones
    body: bytes


def request_bytes(
    method: str, path: str, *, host: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> bytes:
    """An HTTP/1.1 request that asks the server to close the connection after answering."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def exchange(port: int, request: bytes, *, timeout: float = 10.0) -> Answer:
    """Send ``request`` to 127.0.0.1:``port`` and read the answer to the server's close.
    Raises TimeoutError when the server says nothing for ``timeout`` seconds."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(request)
        chunks = []
        while data := connection.recv(256 * 1024):
            chunks.append(data)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(int(status_line.split()[1]), headers, body)


def timed(port: int, request: bytes, *, timeout: float = 10.0) -> tuple[int, float]:
    """(status, milliseconds) of one request; (0, timeout in ms) when unanswered in time."""
    started = time.perf_counter()
    try:
        status = exchange(port, request, timeout=timeout).status
    except (TimeoutError, OSError):
        return 0, timeout * 1000
    return status, (time.perf_counter() - started) * 1000


def rounds_median(rounds: list[list[float]]) -> float:
    """The median of the rounds' medians."""
    return statistics.median(statistics.median(found) for found in rounds if found)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))] if ordered else 0.0


def interleaved(
    kinds: dict[str, Callable[[], tuple[int, float]]], *, rounds: int, per_round: int
) -> tuple[dict[str, list[list[float]]], dict[str, int]]:
    """Each kind's latencies per round (``per_round`` requests of one kind, then the next), and
    each kind's count of answers that were not 200."""
    found: dict[str, list[list[float]]] = {name: [] for name in kinds}
    failed = dict.fromkeys(kinds, 0)
    for _ in range(rounds):
        for name, send in kinds.items():
            latencies = []
            for _ in range(per_round):
                status, ms = send()
                latencies.append(ms)
                failed[name] += status != 200
            found[name].append(latencies)
    return found, failed


# --- Slow downloads ------------------------------------------------------------------------


def _download(port: int, request: bytes, rate: float, stop: object, received: list[int]) -> None:
    """Read one answer at ``rate`` bytes a second until it ends or ``stop`` is set, through a
    small receive buffer, as a viewer's player on a slow link would."""
    with socket.socket() as connection:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 128 * 1024)
        connection.settimeout(1.0)
        connection.connect(("127.0.0.1", port))
        connection.sendall(request)
        started = time.monotonic()
        while not stop.is_set():
            ahead = received[0] / rate - (time.monotonic() - started)
            if ahead > 0:
                stop.wait(min(ahead, 0.2))
                continue
            try:
                data = connection.recv(64 * 1024)
            except TimeoutError:
                continue  # queued behind a busy server: keep waiting
            if not data:
                return
            received[0] += len(data)


def _downloads(requests: list[tuple[int, bytes]], rate: float, stop: object, pipe: object) -> None:
    received = [[0] for _ in requests]
    threads = [
        threading.Thread(target=_download, args=(port, request, rate, stop, count), daemon=True)
        for (port, request), count in zip(requests, received, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pipe.send([count[0] for count in received])


class SlowDownloads:
    """``requests`` (port, bytes) read at ``rate`` bytes a second each, in a child process, from
    entering the block until leaving it; ``received`` then holds each one's byte count."""

    def __init__(self, requests: list[tuple[int, bytes]], rate: float) -> None:
        self.requests, self.rate = requests, rate
        self.received: list[int] = []
        self.seconds = 0.0

    def __enter__(self) -> SlowDownloads:
        context = multiprocessing.get_context("fork")
        self._stop = context.Event()
        self._parent, child = context.Pipe()
        self._process = context.Process(
            target=_downloads, args=(self.requests, self.rate, self._stop, child), daemon=True
        )
        self._started = time.monotonic()
        self._process.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.seconds = time.monotonic() - self._started
        if self._parent.poll(10):
            self.received = self._parent.recv()
        self._process.join(5)
        if self._process.is_alive():
            self._process.kill()
