"""Benchmark packages on S3: intake of a 200+ MB package into a bucket, and content delivery.

    .venv/bin/python benchmarks/s3_storage.py

Starts moto's S3 server on loopback (as CI does), then:

1. Intake, in a fresh interpreter so its peak RSS is the intake's own: the upload stored in the
   bucket (``storage.save`` of the uploaded file, a multipart upload), ``inspect_package``, and
   ``extract_package`` from the bucket into the bucket. The package is the one
   benchmarks/extract_package.py builds; the same intake on local disk runs beside it.
2. Content: a 100 MiB video fetched whole and by a 1 MiB Range at its end, through gunicorn
   calling ``serve_content`` with ``SCORM_CONTENT_DELIVERY`` = ``app`` (ranged GETs streamed
   through the app) and ``redirect`` (a 302 to a signed URL, then the bucket), next to the
   bucket read directly (the baseline) and to the code before this change (``storage.open`` +
   seek, which on S3 fetches the whole object first). Medians of 5 rounds, interleaved.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.extract_package import build_package, run_measured  # noqa: E402

MiB = 1024 * 1024
VIDEO = "packages/content/bench/media/video.mp4"
VIDEO_BYTES = 100 * MiB
ROUNDS = 5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"nothing listens on {port}") from None
            time.sleep(0.2)


def s3_environment(endpoint: str, bucket: str) -> dict[str, str]:
    return {
        "FILE_STORAGE_BACKEND": "storages.backends.s3.S3Storage",
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_S3_ADDRESSING_STYLE": "path",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench-secret",
    }


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
    import django

    django.setup()


# 1. Intake ------------------------------------------------------------------------------------


def intake_in_child(zip_path: str) -> None:
    """The child: store the upload, inspect it, extract it; print the figures as JSON."""
    import tracemalloc

    django_setup()
    from django.core.files import File
    from django.core.files.storage import default_storage

    from courses.intake import extract_package, inspect_package
    from courses.models import Package

    if os.environ.get("BENCH_STORAGE_DEFAULTS"):
        from django.conf import settings

        for option in ("max_memory_size", "transfer_config"):  # django-storages' defaults
            settings.STORAGES["default"]["OPTIONS"].pop(option)
    if os.environ.get("FILE_STORAGE_BACKEND", "").endswith("S3Storage"):
        default_storage.exists("x")
        default_storage._wrapped.connection.meta.client.create_bucket(
            Bucket=os.environ["AWS_STORAGE_BUCKET_NAME"]
        )
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    with open(zip_path, "rb") as upload:  # as Django leaves a big upload: a temporary file
        name = default_storage.save("packages/uploads/benchmark.zip", File(upload))
    stored = time.perf_counter()
    with default_storage.open(name, "rb") as upload:
        info = inspect_package(upload)
    inspected = time.perf_counter()
    package = Package(sha256=info.sha256, size=info.size, standard=info.standard, file=name)
    extract_package(package)
    extracted = time.perf_counter()
    _, traced_peak = tracemalloc.get_traced_memory()
    print(
        json.dumps(
            {
                "store_s": stored - started,
                "inspect_s": inspected - stored,
                "extract_s": extracted - inspected,
                "baseline_kib": baseline,
                "traced_peak": traced_peak,
            }
        )
    )


def intake(zip_path: Path, environment: dict[str, str], media: Path) -> tuple[dict, float, int]:
    env = {**os.environ, **environment, "MEDIA_ROOT": str(media), "LOG_LEVEL": "WARNING"}
    seconds, rss, output = run_measured([sys.executable, __file__, "--intake", str(zip_path)], env)
    return json.loads(output), seconds, rss


# 2. Content -----------------------------------------------------------------------------------


def _before(name: str, start: int, length: int):
    """The code before this change: storage.open + seek + read (S3 downloads it all first)."""
    from django.core.files.storage import default_storage

    with default_storage.open(name, "rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(64 * 1024, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def content_app():
    """A WSGI app: ``serve_content`` for the path, no middleware (the delivery alone)."""
    django_setup()
    from django.core.handlers.wsgi import WSGIRequest
    from django.http import StreamingHttpResponse

    from playback.content import serve_content

    def application(environ, start_response):
        request = WSGIRequest(environ)
        name = environ["PATH_INFO"].lstrip("/")
        if request.GET.get("before"):
            first, last = request.headers.get("Range", "bytes=0-").removeprefix("bytes=").split("-")
            from django.core.files.storage import default_storage

            size = default_storage.size(name)
            start, end = int(first), int(last) if last else size - 1
            response = StreamingHttpResponse(_before(name, start, end - start + 1))
            response["Content-Length"] = str(end - start + 1)
        else:
            response = serve_content(request, name, etag_seed="bench")
        start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
        stream = getattr(response, "file_to_stream", None)
        if stream is not None and environ.get("wsgi.file_wrapper"):
            return environ["wsgi.file_wrapper"](stream, response.block_size)
        return response

    return application


def curl(url: str, *headers: str, follow: bool = True) -> tuple[float, float, int]:
    """Seconds to the last byte, to the first byte, and bytes received."""
    command = [
        "curl",
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{time_total} %{time_starttransfer} %{size_download}",
    ]
    if follow:
        command.append("-L")
    for header in headers:
        command += ["-H", header]
    total, first, size = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(total), float(first), int(size)


def content(endpoint: str, bucket: str, environment: dict[str, str]) -> list[tuple[str, ...]]:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench-secret",  # noqa: S106 (moto's, on loopback)
    )
    client.create_bucket(Bucket=bucket)
    client.put_object(
        Bucket=bucket, Key=VIDEO, Body=os.urandom(VIDEO_BYTES), ContentType="video/mp4"
    )
    direct = client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": VIDEO})

    servers, urls = [], {}
    for delivery in ("app", "redirect"):
        port = free_port()
        env = {
            **os.environ,
            **environment,
            "SCORM_CONTENT_DELIVERY": delivery,
            "SCORM_CONTENT_REDIRECT_MIN_BYTES": "1048576",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        servers.append(
            subprocess.Popen(
                [
                    str(ROOT / ".venv" / "bin" / "gunicorn"),
                    "benchmarks.s3_storage:content_app()",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                    "--threads",
                    "4",
                ],
                cwd=ROOT,
                env=env,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_for(port)
        urls[delivery] = f"http://127.0.0.1:{port}/{VIDEO}"
    tail = f"Range: bytes={VIDEO_BYTES - MiB}-"
    cases = {
        "bucket directly (baseline)": (direct, ()),
        "app: ranged GET streamed": (urls["app"], ()),
        "redirect: 302 + bucket": (urls["redirect"], ()),
        "before: open + seek + read": (urls["app"] + "?before=1", ()),
        "tail MiB, bucket directly": (direct, (tail,)),
        "tail MiB, app": (urls["app"], (tail,)),
        "tail MiB, redirect": (urls["redirect"], (tail,)),
        "tail MiB, before": (urls["app"] + "?before=1", (tail,)),
    }
    results: dict[str, list[tuple[float, float, int]]] = {case: [] for case in cases}
    try:
        for url, headers in cases.values():
            curl(url, *headers)  # warm up (size caches, connections)
        for _ in range(ROUNDS):
            for case, (url, headers) in cases.items():
                results[case].append(curl(url, *headers))
        answers = [curl(urls["redirect"], follow=False)[0] for _ in range(20)]
    finally:
        for server in servers:
            server.terminate()
            server.wait()
    baseline = statistics.median(total for total, _, _ in results["bucket directly (baseline)"])
    tail_baseline = statistics.median(total for total, _, _ in results["tail MiB, bucket directly"])
    rows = []
    for case, runs in results.items():
        total = statistics.median(r[0] for r in runs)
        first = statistics.median(r[1] for r in runs)
        size = runs[0][2]
        reference = tail_baseline if case.startswith("tail") else baseline
        rows.append(
            (
                case,
                f"{size / MiB:.0f} MiB",
                f"{total * 1000:.0f} ms",
                f"{first * 1000:.0f} ms",
                f"{size / MiB / total:.0f} MiB/s",
                f"{reference / total:.2f}x",
            )
        )
    rows.append(
        (
            "redirect: the app's 302 alone",
            "",
            f"{statistics.median(answers) * 1000:.1f} ms",
            "",
            "",
            "",
        )
    )
    return rows


def main() -> None:
    moto_port = free_port()
    endpoint = f"http://127.0.0.1:{moto_port}"
    moto = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(moto_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(moto_port)
        with tempfile.TemporaryDirectory(prefix="s3-bench-") as temp:
            zip_path = Path(temp) / "package.zip"
            print("Building the package...", flush=True)
            entries = build_package(zip_path)
            print(f"Package: {zip_path.stat().st_size / MiB:.1f} MiB zip, {entries:,} entries\n")
            rows = []
            for label, environment in (
                ("local disk", {}),
                ("S3 (moto)", s3_environment(endpoint, f"intake-{uuid.uuid4().hex[:8]}")),
                (
                    "S3, django-storages defaults",
                    {
                        **s3_environment(endpoint, f"intake-{uuid.uuid4().hex[:8]}"),
                        "BENCH_STORAGE_DEFAULTS": "1",
                    },
                ),
            ):
                figures, total, rss = intake(zip_path, environment, Path(temp) / "media")
                rows.append(
                    (
                        label,
                        f"{figures['store_s']:.2f} s",
                        f"{figures['inspect_s']:.2f} s",
                        f"{figures['extract_s']:.2f} s",
                        f"{rss / 1024:.0f} MiB",
                        f"{figures['traced_peak'] / MiB:.1f} MiB",
                    )
                )
            print_table(
                ("intake", "store upload", "inspect", "extract", "peak RSS", "traced peak"), rows
            )
            print()
            bucket = f"content-{uuid.uuid4().hex[:8]}"
            rows = content(endpoint, bucket, s3_environment(endpoint, bucket))
            print_table(
                ("100 MiB video", "bytes", "total", "first byte", "throughput", "vs bucket"), rows
            )
    finally:
        moto.terminate()
        moto.wait()


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--intake":
        intake_in_child(sys.argv[2])
    else:
        main()
