from __future__ import annotations

import re

from django import forms

from courses.models import Package

_DOMAIN = re.compile(r"^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class DispatchCreateForm(forms.Form):
    """What an administrator chooses for a new dispatch (A.5's request fields)."""

    package = forms.ModelChoiceField(
        queryset=Package.objects.filter(
            course__provider="allure_connect", status=Package.Status.READY
        )
        .exclude(remote_id="")
        .select_related("course"),
        help_text="Packages that are ready on AllureConnect.",
    )
    label = forms.CharField(
        max_length=200, help_text="Shown in AllureConnect, e.g. “Acme LMS – Onboarding”."
    )
    destination = forms.CharField(
        max_length=200, help_text="The LMS it is for, e.g. “acme-moodle”."
    )
    registration_limit = forms.IntegerField(
        min_value=1, required=False, help_text="Most learners it may register; empty for no limit."
    )
    expires_in_hours = forms.IntegerField(
        min_value=1, required=False, help_text="Empty: it does not expire."
    )
    allowed_domains = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Domains allowed to launch it, one per line; empty for any.",
    )

    def clean_allowed_domains(self) -> list[str]:
        domains = [
            d.strip().lower()
            for d in re.split(r"[\s,]+", self.cleaned_data["allowed_domains"])
            if d.strip()
        ]
        if invalid := [d for d in domains if not _DOMAIN.match(d)]:
            raise forms.ValidationError(f"Not a domain name: {', '.join(invalid)}")
        return domains
