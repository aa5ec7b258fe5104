"""How the gradebook presents what its queries read: the columns, one learner's row (the same
text on the page and in the CSV), and one attempt's details."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString

from core.formatting import format_percent, format_seconds, format_timestamp
from enrollments.grading import COMPLETION_ORDER, STATUS_ORDER, SUCCESS_ORDER
from enrollments.models import Attempt
from enrollments.status import AttemptStatus

from . import cmi


@dataclass(frozen=True)
class Column:
    key: str
    label: str


# The page's columns, in order; the gradebook CSV has exactly these.
GRADEBOOK_COLUMNS = (
    Column("learner", "Learner"),
    Column("username", "Username"),
    Column("status", "Status"),
    Column("completion", "Completion"),
    Column("success", "Success"),
    Column("score", "Score (%)"),
    Column("time", "Time spent"),
    Column("attempts", "Attempts"),
    Column("first_access", "First access"),
    Column("last_access", "Last access"),
)
DEFAULT_SORT = "learner"

#: The stored columns a row is built from (``learner__external_id`` is added for pages only:
#: exports do not need the join).
ROW_FIELDS = (
    "pk",
    "learner_first_name",
    "learner_last_name",
    "learner_username",
    "graded_attempt_id",
    "status_rank",
    "completion_rank",
    "success_rank",
    "score",
    "seconds_total",
    "attempt_count",
    "first_access_at",
    "last_access_at",
)


def _at(values: list[str], rank: int) -> str:
    return values[rank] if 0 <= rank < len(values) else ""


@dataclass(frozen=True, slots=True)
class GradebookRow:
    """One learner's line, with the text both the page and the CSV show."""

    enrollment_id: int
    external_id: str
    first_name: str
    last_name: str
    username: str
    graded_attempt_id: Any
    status: AttemptStatus
    completion: str
    success: str
    score_scaled: float | None
    seconds: float
    attempts: int
    first_access: datetime | None
    last_access: datetime | None

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> GradebookRow:
        return cls(
            enrollment_id=values["pk"],
            external_id=values.get("learner__external_id", ""),
            first_name=values["learner_first_name"],
            last_name=values["learner_last_name"],
            username=values["learner_username"],
            graded_attempt_id=values["graded_attempt_id"],
            status=AttemptStatus(_at(STATUS_ORDER, values["status_rank"])),
            completion=_at(COMPLETION_ORDER, values["completion_rank"]),
            success=_at(SUCCESS_ORDER, values["success_rank"]),
            score_scaled=values["score"],
            seconds=values["seconds_total"],
            attempts=values["attempt_count"],
            first_access=values["first_access_at"],
            last_access=values["last_access_at"],
        )

    @property
    def name(self) -> str:
        # As Learner.display_name: the full name, or the username when there is none.
        return f"{self.first_name} {self.last_name}".strip() or self.username

    @property
    def started(self) -> bool:
        return self.attempts > 0

    @property
    def score_display(self) -> str:
        return format_percent(self.score_scaled)

    @property
    def time_display(self) -> str:
        return format_seconds(self.seconds) if self.started else ""

    @property
    def first_access_display(self) -> str:
        return format_timestamp(self.first_access)

    @property
    def last_access_display(self) -> str:
        return format_timestamp(self.last_access)

    def cells(self, *, tz: tzinfo | None = None) -> list[str]:
        """The row as text, in ``GRADEBOOK_COLUMNS`` order."""
        return [
            self.name,
            self.username,
            self.status.label,
            self.completion,
            self.success,
            self.score_display,
            self.time_display,
            str(self.attempts),
            format_timestamp(self.first_access, tz=tz),
            format_timestamp(self.last_access, tz=tz),
        ]


_TABLE_ROW = (
    '<tr><th scope="row"><a href="{url}">{name}</a></th><td>{username}</td>'
    '<td><span class="badge {badge}">{status}</span></td><td>{completion}</td><td>{success}</td>'
    '<td class="num">{score}</td><td class="num">{time}</td><td class="num">{attempts}</td>'
    "<td>{first}</td><td>{last}</td></tr>"
)


def table_row_html(row: GradebookRow, *, learner_url_prefix: str, tz: tzinfo) -> SafeString:
    """One row of the gradebook table (its cells in ``GRADEBOOK_COLUMNS`` order), "—" for
    nothing. Built here rather than in the template: a page of 50 rows costs a fifth of it."""
    dash = "—"
    return format_html(
        _TABLE_ROW,
        url=f"{learner_url_prefix}{row.external_id}/",
        name=row.name,
        username=row.username,
        badge=row.status.badge_class,
        status=row.status.label,
        completion=row.completion or dash,
        success=row.success or dash,
        score=row.score_display or dash,
        time=row.time_display or dash,
        attempts=row.attempts,
        first=format_timestamp(row.first_access, tz=tz) or dash,
        last=format_timestamp(row.last_access, tz=tz) or dash,
    )


@dataclass
class AttemptDetail:
    """One attempt as the learner page shows it."""

    attempt: Attempt
    status: AttemptStatus
    provider_name: str
    is_remote: bool
    is_graded: bool
    scos: list[cmi.ScoReport] = field(default_factory=list)
    sco_titles: dict[str, str] = field(default_factory=dict)
    raw_cmi: dict[str, Any] = field(default_factory=dict)  # by activity, as stored

    @property
    def sco_reports(self) -> list[tuple[str, cmi.ScoReport]]:
        """(title, report) for SCOs that reported interactions or objectives."""
        return [
            (self.sco_titles.get(report.identifier) or report.identifier, report)
            for report in self.scos
            if not report.is_empty
        ]
