from __future__ import annotations

from django import forms


class EnrolLearnersForm(forms.Form):
    learners = forms.CharField(
        label="Usernames or e-mail addresses",
        help_text="One per line, or separated by commas.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_learners(self) -> list[str]:
        raw = self.cleaned_data["learners"].replace(",", "\n")
        names = [line.strip() for line in raw.splitlines() if line.strip()]
        if len(names) > 500:
            raise forms.ValidationError("Enrol at most 500 learners at a time.")
        return names
