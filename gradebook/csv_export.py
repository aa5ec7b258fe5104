"""Streamed CSV exports: rows are written as the database cursor yields them, so memory stays
bounded however many attempts a course has."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from datetime import tzinfo
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone

from core.formatting import format_iso, format_percent, format_whole_seconds
from courses.models import Course

from .queries import GradebookFilters, attempts_export_queryset, gradebook_queryset, gradebook_rows
from .rows import GRADEBOOK_COLUMNS

# Spreadsheets run cells that start with these as formulas (CSV injection).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

ATTEMPT_COLUMNS = (
    "Learner",
    "Username",
    "Attempt",
    "Attempt ID",
    "Provider",
    "Package version",
    "Completion",
    "Success",
    "Score (%)",
    "Seconds",
    "First access",
    "Last access",
    "Completed at",
)


def csv_safe(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_PREFIXES) else text


class _Echo:
    """A file-like object whose write() hands the line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _stream(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([csv_safe(cell) for cell in row])


def _response(
    *, course: Course, kind: str, header: Sequence[str], rows: Iterable
) -> StreamingHttpResponse:
    filename = f"{course.slug}-{kind}-{timezone.localdate().isoformat()}.csv"
    response = StreamingHttpResponse(_stream(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def gradebook_csv_response(*, course: Course, filters: GradebookFilters) -> StreamingHttpResponse:
    """The gradebook as the page shows it (same columns, filters and order), unpaginated."""
    rows = (
        row.cells() for row in gradebook_rows(gradebook_queryset(course=course, filters=filters))
    )
    return _response(
        course=course,
        kind="gradebook",
        header=[column.label for column in GRADEBOOK_COLUMNS],
        rows=rows,
    )


def _attempt_cells(values: dict[str, Any], tz: tzinfo) -> list[Any]:
    first, last = values["learner_first_name"], values["learner_last_name"]
    username = values["learner_username"]
    return [
        f"{first} {last}".strip() or username,
        username,
        values["number"],
        values["id"],
        values["provider"],
        values["package__version"],
        values["completion"],
        values["success"],
        format_percent(values["score_scaled"]),
        format_whole_seconds(values["seconds_tracked"]),
        format_iso(values["first_accessed_at"], tz=tz),
        format_iso(values["last_accessed_at"], tz=tz),
        format_iso(values["completed_at"], tz=tz),
    ]


def attempts_csv_response(*, course: Course, filters: GradebookFilters) -> StreamingHttpResponse:
    """One row per attempt of the learners the gradebook lists with ``filters``."""
    queryset = attempts_export_queryset(course=course, filters=filters)
    tz = timezone.get_current_timezone()
    rows = (_attempt_cells(values, tz) for values in queryset.iterator(chunk_size=2000))
    return _response(course=course, kind="attempts", header=ATTEMPT_COLUMNS, rows=rows)
