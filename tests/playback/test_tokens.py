from __future__ import annotations

import time

import pytest

from providers.local.tokens import InvalidLaunchToken, launch_token_create, launch_token_read


def _token(**overrides):
    fields = {
        "attempt_id": "a1",
        "learner_id": "lrn_1",
        "launch": 3,
        "exit_url": "https://x/exit/",
        "review": False,
    }
    return launch_token_create(**{**fields, **overrides})


def test_token_round_trip():
    claims = launch_token_read(_token())
    assert (
        claims.attempt_id,
        claims.learner_id,
        claims.launch,
        claims.exit_url,
        claims.review,
    ) == (
        "a1",
        "lrn_1",
        3,
        "https://x/exit/",
        False,
    )


@pytest.mark.parametrize(
    "tamper", [lambda t: t[:-2] + "xx", lambda t: "x" + t, lambda t: "", lambda t: "abc:def"]
)
def test_forged_tokens_are_refused(tamper):
    with pytest.raises(InvalidLaunchToken):
        launch_token_read(tamper(_token()))


def test_a_token_signed_with_another_key_is_refused(settings):
    token = _token()
    settings.SECRET_KEY = "another-secret-key-entirely-different-from-the-first"
    with pytest.raises(InvalidLaunchToken):
        launch_token_read(token)


def test_tokens_expire(settings):
    token = _token()
    settings.SCORM_LAUNCH_TOKEN_MAX_AGE = 1
    launch_token_read(token)
    time.sleep(2.1)
    with pytest.raises(InvalidLaunchToken):
        launch_token_read(token)
