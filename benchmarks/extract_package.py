"""Benchmark the package intake on a 200+ MB SCORM zip, next to Info-ZIP's ``unzip``.

    .venv/bin/python benchmarks/extract_package.py

Builds a SCORM 2004 package (incompressible media plus thousands of small pages) in a temporary
folder, then runs ``inspect_package`` and ``extract_package`` in a fresh interpreter so the peak
RSS it reports is the intake's own, and finally times ``unzip -q -o`` on the same file.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024

MEDIA_FILES = 11  # x 20 MiB of random bytes: video-like, incompressible
MEDIA_BYTES = 20 * MiB
SCOS = 30
PAGES_PER_SCO = 100
ZIP_NAME = "packages/uploads/benchmark.zip"  # inside MEDIA_ROOT, where uploads are stored


def page(sco: int, number: int) -> bytes:
    paragraphs = "".join(
        f"<p>Lesson {sco}, page {number}, paragraph {i}: workplace safety matters.</p>\n"
        for i in range(25)
    )
    return f"<!doctype html><html><body><h1>Page {number}</h1>\n{paragraphs}</body></html>".encode()


def manifest() -> str:
    items, resources = [], []
    for sco in range(SCOS):
        items.append(
            f'<item identifier="item-{sco}" identifierref="sco-{sco}"><title>Lesson {sco}</title></item>'
        )
        files = "".join(
            f'<file href="lessons/{sco:02}/page-{n:03}.html"/>' for n in range(PAGES_PER_SCO)
        )
        resources.append(
            f'<resource identifier="sco-{sco}" type="webcontent" adlcp:scormType="sco" '
            f'href="lessons/{sco:02}/page-000.html">{files}<dependency identifierref="media"/></resource>'
        )
    media = "".join(f'<file href="media/clip-{i:02}.mp4"/>' for i in range(MEDIA_FILES))
    resources.append(
        f'<resource identifier="media" type="webcontent" adlcp:scormType="asset">{media}</resource>'
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="benchmark" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>Benchmark</title>
    {"".join(items)}
  </organization></organizations>
  <resources>{"".join(resources)}</resources>
</manifest>"""


def build_package(path: Path) -> int:
    """Write the package to ``path`` a chunk at a time; return its entry count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("imsmanifest.xml", manifest())
        for sco in range(SCOS):
            for n in range(PAGES_PER_SCO):
                zf.writestr(f"lessons/{sco:02}/page-{n:03}.html", page(sco, n))
        for i in range(MEDIA_FILES):
            # Stored, as authoring tools store media that deflate cannot shrink.
            info = zipfile.ZipInfo(f"media/clip-{i:02}.mp4", date_time=(2025, 1, 1, 0, 0, 0))
            with zf.open(info, "w") as out:
                for _ in range(MEDIA_BYTES // MiB):
                    out.write(os.urandom(MiB))
    return 1 + SCOS * PAGES_PER_SCO + MEDIA_FILES


def run_measured(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Run ``command``; return wall seconds, its peak RSS in KiB, and its stdout."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, env=env)
    stdout = process.stdout.read().decode() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage, not all children's
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{command[0]} exited with {process.returncode}")
    return elapsed, usage.ru_maxrss, stdout


def intake_in_child() -> None:
    """The child: inspect and extract the package in MEDIA_ROOT, then print the figures as JSON."""
    import tracemalloc

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
    import django

    django.setup()
    from django.core.files.storage import default_storage

    from courses.intake import extract_package, inspect_package
    from courses.models import Package

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    with default_storage.open(ZIP_NAME, "rb") as upload:
        info = inspect_package(upload)
    inspected = time.perf_counter()
    # Unsaved: extraction needs only the stored file and the hash.
    package = Package(sha256=info.sha256, size=info.size, standard=info.standard, file=ZIP_NAME)
    extract_package(package)
    extracted = time.perf_counter()
    extract_package(package)  # everything present: checks, hash, one exists() per file
    again = time.perf_counter()
    _, traced_peak = tracemalloc.get_traced_memory()
    print(
        json.dumps(
            {
                "inspect_s": inspected - started,
                "extract_s": extracted - inspected,
                "reextract_s": again - extracted,
                "scos": len(info.scos),
                "baseline_kib": baseline,
                "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "traced_peak": traced_peak,
            }
        )
    )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="intake-bench-") as temp:
        media = Path(temp) / "media"
        zip_path = media / ZIP_NAME
        print("Building the package...", flush=True)
        entries = build_package(zip_path)
        size = zip_path.stat().st_size
        unpacked = sum(info.file_size for info in zipfile.ZipFile(zip_path).infolist())
        print(
            f"Package: {size / MiB:.1f} MiB zip, {unpacked / MiB:.1f} MiB unpacked, {entries:,} "
            f"entries ({MEDIA_FILES} x {MEDIA_BYTES // MiB} MiB random media, "
            f"{SCOS * PAGES_PER_SCO:,} HTML pages, {SCOS} SCOs)\n"
        )

        env = {**os.environ, "MEDIA_ROOT": str(media), "LOG_LEVEL": "WARNING"}
        total, child_rss, output = run_measured([sys.executable, __file__, "--child"], env)
        figures = json.loads(output)
        rows = [
            ("inspect_package (CRC + SHA-256)", f"{figures['inspect_s']:.2f} s", ""),
            ("extract_package", f"{figures['extract_s']:.2f} s", ""),
            ("extract_package, all present", f"{figures['reextract_s']:.2f} s", ""),
            (
                "intake child process, total",
                f"{total:.2f} s",
                f"{child_rss / 1024:.1f} MiB peak RSS",
            ),
            (
                "  of which Python + Django at start",
                "",
                f"{figures['baseline_kib'] / 1024:.1f} MiB",
            ),
            ("  tracemalloc peak during intake", "", f"{figures['traced_peak'] / MiB:.1f} MiB"),
        ]
        if shutil.which("unzip"):
            target = Path(temp) / "unzip"
            seconds, unzip_rss, _ = run_measured(
                ["unzip", "-q", "-o", str(zip_path), "-d", str(target)]
            )
            rows.append(("unzip -q -o", f"{seconds:.2f} s", f"{unzip_rss / 1024:.1f} MiB peak RSS"))
            ratio = figures["extract_s"] / seconds
            footer = f"extract_package takes {ratio:.1f}x unzip's time"
        else:
            footer = "unzip is not installed (apt-get install unzip): comparison skipped"
        width = max(len(label) for label, _, _ in rows)
        print(f"{'':{width}}  {'time':>8}  memory")
        for label, seconds_text, memory in rows:
            print(f"{label:{width}}  {seconds_text:>8}  {memory}")
        print(f"\n{footer}; {figures['scos']} SCOs read from the manifest.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    if parser.parse_args().child:
        intake_in_child()
    else:
        main()
