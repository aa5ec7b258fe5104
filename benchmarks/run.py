"""Issue 13's figures, each as a ratio against a baseline measured in the same run.

    .venv/bin/python benchmarks/run.py [--only poll,gradebook,commit_poll,cadence] [--quick]

Server figures run the project under gunicorn (sync workers, ``BENCH_WORKERS``, default 4) on
loopback, on PostgreSQL when ``DATABASE_URL`` names it (in a throwaway database beside it)
and otherwise SQLite, with Redis as the cache when ``BENCH_REDIS_URL`` (default
redis://127.0.0.1:6379/7) answers; their baseline is a login-required no-op view that only the
benchmark's own URLconf serves (``benchmarks/urls.py``). Load comes from another process: wrk
for raw throughput, an asyncio client for learners with sessions and commits of their own.
The gradebook runs in-process on SQLite and, when configured, on PostgreSQL.

Each benchmark runs in a child process of its own; ``--list`` names them all.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import (  # noqa: E402,F401  (registers the benchmarks)
    commit_latency,
    content_delivery,
    scenarios,
    slow_viewers,
)
from benchmarks.environment import postgres_url, production_database, redis_url  # noqa: E402
from benchmarks.registry import BENCHMARKS, Figure, Options  # noqa: E402

MARK = "BENCHMARK-FIGURES "


def _options(args: argparse.Namespace, database: str) -> Options:
    return Options(
        database=database,
        quick=args.quick,
        seconds=args.seconds or (4 if args.quick else 8),
        learners=tuple(int(n) for n in args.learners.split(",")),
    )


def _child(args: argparse.Namespace) -> None:
    figures = BENCHMARKS[args.child].run(_options(args, args.database))
    print(MARK + json.dumps([figure.as_dict() for figure in figures]), flush=True)


def _run(name: str, database: str, args: argparse.Namespace) -> list[Figure]:
    command = [sys.executable, __file__, "--child", name, "--database", database]
    command += ["--learners", args.learners] + (["--quick"] if args.quick else [])
    if args.seconds:
        command += ["--seconds", str(args.seconds)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    took = time.perf_counter() - started
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    if done.returncode or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-6:]
        print(f"  {name} ({database}) failed after {took:.0f} s:\n    " + "\n    ".join(tail))
        return [Figure(f"{name} ({database})", "failed", " / ".join(tail[-2:]), "", False)]
    print(f"  {name} ({database}) done in {took:.0f} s", flush=True)
    return [Figure(**row) for row in json.loads(lines[-1].removeprefix(MARK))]


def _print(figures: list[Figure]) -> None:
    print()
    for figure in figures:
        verdict = {True: "MEETS", False: "MISSES", None: "--"}[figure.ok]
        print(f"{verdict:<7}{figure.path}")
        print(f"       {figure.value}   (goal {figure.goal or 'none'})")
        print(f"       {figure.detail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated benchmark names (default: the table's)")
    parser.add_argument("--quick", action="store_true", help="shorter rounds, for a smoke run")
    parser.add_argument("--seconds", type=float, help="length of one throughput round")
    parser.add_argument(
        "--learners", default="500,1000,1500,2000", help="cadence: learner counts to try"
    )
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    if args.list:
        for bench in BENCHMARKS.values():
            print(f"{bench.name:<22} {'(default) ' if bench.default else ''}{bench.about}")
        return
    names = (
        args.only.split(",") if args.only else [b.name for b in BENCHMARKS.values() if b.default]
    )
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)} (see --list)")
    databases = ["sqlite", "postgresql"] if postgres_url() else ["sqlite"]
    print(
        f"{os.cpu_count()} CPUs; database: {production_database()}"
        f"{' (gradebook: ' + ' and '.join(databases) + ')' if 'gradebook' in names else ''}; "
        f"cache: {redis_url() or 'in-process (no Redis answered)'}"
    )
    figures = []
    for name in names:
        bench = BENCHMARKS[name]
        for database in databases if bench.databases == "each" else [production_database()]:
            figures += _run(name, database, args)
    _print(figures)


if __name__ == "__main__":
    main()
