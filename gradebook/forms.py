from __future__ import annotations

from django import forms

from enrollments.status import AttemptStatus

from .queries import GradebookFilters
from .rows import DEFAULT_SORT, GRADEBOOK_COLUMNS


class GradebookFilterForm(forms.Form):
    """The gradebook's query string. Unknown values fall back to the defaults, never to an
    error page: these URLs get bookmarked and shared."""

    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search learners",
        widget=forms.SearchInput(attrs={"placeholder": "Name, username or email"}),
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *AttemptStatus.choices], label="Status"
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[(c.key, c.label) for c in GRADEBOOK_COLUMNS],
        widget=forms.HiddenInput,
    )
    dir = forms.ChoiceField(
        required=False,
        choices=[("asc", "Ascending"), ("desc", "Descending")],
        widget=forms.HiddenInput,
    )

    def to_filters(self) -> GradebookFilters:
        self.is_valid()
        data = self.cleaned_data  # holds only the fields that validated
        return GradebookFilters(
            q=(data.get("q") or "").strip(),
            status=data.get("status") or "",
            sort=data.get("sort") or DEFAULT_SORT,
            descending=data.get("dir") == "desc",
        )
