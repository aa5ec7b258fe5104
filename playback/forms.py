from __future__ import annotations

import re

from django import forms

from courses.models import Package
from providers import all_providers
from providers.types import DispatchRequest

_DOMAIN = re.compile(r"^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class DispatchCreateForm(forms.Form):
    """What an administrator chooses for a new dispatch (AllureConnect's A.5 request fields)."""

    package = forms.ModelChoiceField(
        queryset=Package.objects.none(),
        help_text="Packages that are ready on a provider with dispatches.",
    )
    label = forms.CharField(
        max_length=200, help_text="Shown in the provider, e.g. “Acme LMS – Onboarding”."
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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        dispatching = [p.identifier for p in all_providers() if p.supports_dispatches]
        self.fields["package"].queryset = (
            Package.objects.filter(provider__in=dispatching, status=Package.Status.READY)
            .exclude(remote_id="")
            .select_related("course")
        )

    def dispatch_request(self) -> DispatchRequest:
        data = self.cleaned_data
        return DispatchRequest(
            label=data["label"],
            destination=data["destination"],
            registration_limit=data["registration_limit"],
            expires_in_hours=data["expires_in_hours"],
            allowed_domains=tuple(data["allowed_domains"]),
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
