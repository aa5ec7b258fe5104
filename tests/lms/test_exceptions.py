"""Learners see our wording wherever a provider's failure is not theirs to fix."""

from __future__ import annotations

import pytest

from providers.exceptions import (
    LaunchUnavailable,
    ProviderAPIError,
    ProviderAuthError,
    ProviderConnectionError,
    ProviderNotConfigured,
    ProviderRateLimited,
    ProviderServerError,
)


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (ProviderAuthError("Authorization Required.", status=401), "tell your administrator"),
        (ProviderNotConfigured("Set SCORM_CLOUD_APP_ID"), "tell your administrator"),
        (ProviderAPIError("expiry is out of range", status=400), "refused to start this course"),
        (
            ProviderServerError("Injected failure 500", status=500),
            "internal error. Please try again shortly",
        ),
        (ProviderRateLimited("slow down", status=429), "busy"),
    ],
)
def test_the_providers_own_words_stay_out_of_the_learners_view(error, shown):
    assert shown in error.learner_message
    assert error.message not in error.learner_message
    assert error.message in str(error)  # staff and logs keep the detail


@pytest.mark.parametrize(
    "error",
    [
        LaunchUnavailable("This course has no playable package yet."),
        ProviderConnectionError("X could not be reached."),
    ],
)
def test_our_own_wording_is_shown_as_is(error):
    assert error.learner_message == error.message
