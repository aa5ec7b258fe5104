"""Package content: a 100 MB asset through the content origin against nginx alone, and the
progress poll while learners stream that asset slowly.

The asset is a package's file in MEDIA_ROOT (local storage). The content routes need the grant
cookie: the benchmark mints the capability the session answer would carry
(``capability_create``) and posts it to ``/content/authorize/``, as the launcher does. The app
runs with ``SCORM_CONTENT_DELIVERY=app`` (gunicorn hands the file to ``sendfile``), behind
nginx with ``x-accel-redirect`` (the app authorises each request, nginx sends the bytes and
applies Range), or behind nginx configured by deploy/nginx-content.conf with ``auth-request``
(nginx asks the app about the grant and keeps its yes for a few seconds, then sends the files
itself). Without nginx these figures are skipped, saying why.
"""

from __future__ import annotations

import os
import statistics
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from django.conf import settings

from . import fixtures
from .front import ACCEL_PREFIX, Nginx, nginx_binary
from .load import wrk
from .registry import Figure, Options, benchmark, ratio
from .scenarios import lab
from .timing import exchange, request_bytes

SIZE = 100 * 1024**2
ASSET = "video.mp4"
SPAN = 1024**2  # one Range request
CONNECTIONS = 4  # as many as the app's sync workers
VIEWERS, RATE = 5, 2 * 1024**2  # slow video viewers, bytes a second each
POLL_TIMEOUT = 4.0
MODES = ("app", "x-accel-redirect", "auth-request")
NO_NGINX = "nginx is not installed (apt-get install -y nginx): skipped"
RANGES_LUA = """
local size, span = %d, %d
function init(args) math.randomseed(os.time() + math.floor(os.clock() * 1e6)) end
function request()
  local first = math.random(0, size - span)
  wrk.headers["Range"] = string.format("bytes=%%d-%%d", first, first + span - 1)
  return wrk.format()
end
"""


def _delivery(mode: str) -> dict[str, str]:
    return {"SCORM_CONTENT_DELIVERY": mode, "SCORM_CONTENT_ACCEL_PREFIX": ACCEL_PREFIX}


def _asset(media_root: str, package: Any) -> str:
    """The package's 100 MB file on disk (random bytes); its storage name."""
    folder = Path(media_root) / package.content_root
    folder.mkdir(parents=True, exist_ok=True)
    block = os.urandom(1024**2)
    with open(folder / ASSET, "wb") as file:
        for _ in range(SIZE // len(block)):
            file.write(block)
    return f"{package.content_root}/{ASSET}"


def _content_headers(port: int, package: Any) -> dict[str, str]:
    """Host and grant cookie of the content origin reached on ``port`` (``localhost``: the LMS
    at 127.0.0.1 derives it), as the launcher obtains the cookie."""
    from playback.content_access import capability_create

    host = f"localhost:{port}"
    capability = capability_create(
        package_id=package.pk, content_root=package.content_root, origin=f"http://{host}"
    )
    answer = exchange(
        port,
        request_bytes(
            "POST",
            "/content/authorize/",
            host=host,
            headers={"Content-Type": "text/plain"},
            body=capability.encode(),
        ),
    )
    if answer.status != 204:
        raise RuntimeError(f"/content/authorize/ answered {answer.status}")
    return {"Host": host, "Cookie": answer.headers["set-cookie"].split(";", 1)[0]}


def _check(port: int, path: str, headers: dict[str, str], expected: bytes) -> None:
    """One range at an odd offset must come back as a 206 with exactly the file's bytes."""
    first = 12_345
    answer = exchange(
        port,
        request_bytes(
            "GET",
            path,
            host=headers.get("Host", f"127.0.0.1:{port}"),
            headers={
                **{k: v for k, v in headers.items() if k != "Host"},
                "Range": f"bytes={first}-{first + SPAN - 1}",
            },
        ),
    )
    if answer.status != 206 or answer.body != expected[first : first + SPAN]:
        raise RuntimeError(f"{path} on {port}: {answer.status}, {len(answer.body)} bytes")


# --- Content: our app against nginx alone ----------------------------------------------------


@benchmark("content")
def content(options: Options) -> list[Figure]:
    """A 100 MB asset, 1 MiB ranges at random offsets and whole reads, against nginx alone."""
    path = "content, 100 MB asset with Range ({}), against nginx serving the file"
    if not nginx_binary():
        return [Figure(path.format(mode), "skipped", NO_NGINX, ">= 0.8x", None) for mode in MODES]
    rounds = 1 if options.quick else 3
    with lab(options) as env, ExitStack() as stack:
        package = fixtures.local_course().packages.get()
        name = _asset(env.media_root, package)
        app = stack.enter_context(env.server(environment=_delivery("app")))
        upstream = stack.enter_context(env.server(environment=_delivery("x-accel-redirect")))
        asked = stack.enter_context(env.server(environment=_delivery("auth-request")))
        front = stack.enter_context(
            Nginx(env.media_root, upstream=upstream.port, grant_upstream=asked.port)
        )
        url = f"/content/p/{package.pk}/{ASSET}"
        targets = {
            "nginx": (front.port, f"/direct/{name}", {}),
            "app": (app.port, url, _content_headers(app.port, package)),
            "x-accel-redirect": (front.port, url, _content_headers(front.port, package)),
            "auth-request": (front.grant_port, url, _content_headers(front.grant_port, package)),
        }
        expected = (Path(env.media_root) / name).read_bytes()
        for port, target, headers in targets.values():
            _check(port, target, headers, expected)
        script = Path(env.media_root) / "ranges.lua"
        script.write_text(RANGES_LUA % (SIZE, SPAN))
        workloads = {"1 MiB ranges at random offsets": str(script), "whole file": None}
        found = {(w, t): [] for w in workloads for t in targets}
        for _ in range(rounds):  # interleaved
            for (workload, target), results in found.items():
                port, target_path, headers = targets[target]
                results.append(
                    wrk(
                        f"http://127.0.0.1:{port}{target_path}",
                        connections=CONNECTIONS,
                        seconds=options.seconds,
                        headers=headers,
                        script=workloads[workload],
                    )
                )
    return [_content_figure(path.format(mode), mode, found, workloads) for mode in MODES]


def _content_figure(path: str, mode: str, found: dict, workloads: dict) -> Figure:
    values, details, errors = [], [], 0
    for workload in workloads:
        ours = statistics.median(r.bytes_per_second for r in found[workload, mode])
        nginx = statistics.median(r.bytes_per_second for r in found[workload, "nginx"])
        errors += sum(r.errors for r in found[workload, mode])
        values.append(ratio(ours, nginx))
        details.append(
            f"{workload}: {ours / 1024**2:.0f} vs {nginx / 1024**2:.0f} MiB/s ("
            f"{statistics.median(r.requests_per_second for r in found[workload, mode]):.1f} vs "
            f"{statistics.median(r.requests_per_second for r in found[workload, 'nginx']):.1f} "
            "req/s)"
        )
    where = {
        "app": "gunicorn alone, sendfile",
        "x-accel-redirect": "nginx in front of gunicorn, which answers every request",
        "auth-request": "nginx in front of gunicorn, which it asks about the grant "
        f"(kept {settings.SCORM_CONTENT_GRANT_CACHE_SECONDS} s)",
    }[mode]
    return Figure(
        path=path,
        value=" / ".join(f"{v:.2f}x" for v in values) + " nginx's throughput (ranges / whole)",
        detail=f"{'; '.join(details)}; {errors} errors; {where}, {CONNECTIONS} connections",
        goal=">= 0.8x" if mode != "app" else "none (information: the embedded default)",
        ok=min(values) >= 0.8 and not errors if mode != "app" else None,
    )
