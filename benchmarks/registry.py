"""The named benchmarks ``run.py`` knows, and the figures they print.

A benchmark is a function registered with :func:`benchmark`; it runs in a process of its own
(Django is set up once per database) and returns :class:`Figure` rows: each a value measured
against a baseline measured in the same run, and the goal it is held to. To add one (say the
content benchmarks), write the function in a module imported by ``run.py`` and register it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Figure:
    path: str  # what was measured, as issue 13's table names it
    value: str  # the figure ("0.93x", "1,250 learners")
    detail: str  # the raw numbers behind it, the baseline's included
    goal: str
    ok: bool | None  # None: no goal to hold

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Options:
    database: str  # "sqlite" or "postgresql"
    quick: bool
    seconds: float  # length of one measuring round
    learners: tuple[int, ...]  # cadence: learner counts to try, in order


@dataclass(frozen=True)
class Benchmark:
    name: str
    run: Callable[[Options], list[Figure]]
    databases: str  # "production" (PostgreSQL when configured, else SQLite) or "each"
    default: bool  # part of a run without --only
    about: str


BENCHMARKS: dict[str, Benchmark] = {}


def benchmark(
    name: str, *, databases: str = "production", default: bool = True
) -> Callable[[Callable[[Options], list[Figure]]], Callable[[Options], list[Figure]]]:
    def register(run: Callable[[Options], list[Figure]]) -> Callable[[Options], list[Figure]]:
        BENCHMARKS[name] = Benchmark(
            name, run, databases, default, (run.__doc__ or "").strip().splitlines()[0]
        )
        return run

    return register


def ratio(value: float, baseline: float) -> float:
    return value / baseline if baseline else float("inf")
