"""The exit page a player goes to when the learner leaves: its token travels in the URL's
fragment and a POST's body, never in a URL a server sees, and records that attempt's exit only."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from enrollments.models import Attempt
from enrollments.selectors import attempt_exit_token
from enrollments.views import _launch_context
from tests.factories import AttemptFactory

pytestmark = pytest.mark.django_db


def _exit_path(attempt: Attempt) -> str:
    return reverse("enrollments:attempt_exit", kwargs={"attempt_id": attempt.pk})


def _exited(attempt: Attempt) -> bool:
    attempt.refresh_from_db()
    return attempt.exited_at is not None


def test_the_exit_url_carries_its_token_in_its_fragment_only():
    attempt = AttemptFactory()
    url = urlsplit(_launch_context(RequestFactory().get("/"), attempt).exit_url)
    assert url.path == _exit_path(attempt)
    assert url.query == ""
    assert url.fragment == attempt_exit_token(attempt=attempt)


def test_the_page_records_nothing_and_its_post_records_the_exit_without_a_session():
    attempt = AttemptFactory()
    client = Client(
        enforce_csrf_checks=True
    )  # no session: a remote player's cross-site redirect carries none
    page = client.get(_exit_path(attempt))
    assert page.status_code == 200
    assert f'data-attempt="{attempt.pk}"' in page.content.decode()
    assert not _exited(attempt)
    sent = client.post(
        _exit_path(attempt), attempt_exit_token(attempt=attempt), content_type="text/plain"
    )
    assert sent.status_code == 204
    assert _exited(attempt)


@pytest.mark.parametrize("token", ["", "forged", "other attempt's"])
def test_a_wrong_token_is_a_404_and_records_nothing(token):
    attempt, other = AttemptFactory(), AttemptFactory()
    if token == "other attempt's":
        token = attempt_exit_token(attempt=other)
    elif token == "forged":
        token = attempt_exit_token(attempt=attempt)[:-4] + "AAAA"
    sent = Client(enforce_csrf_checks=True).post(
        _exit_path(attempt), token, content_type="text/plain"
    )
    assert sent.status_code == 404
    assert not _exited(attempt)
    assert not _exited(other)


def test_a_token_in_the_path_is_no_route():
    attempt = AttemptFactory()
    path = _exit_path(attempt) + attempt_exit_token(attempt=attempt) + "/"
    assert Client().get(path).status_code == 404
    assert not _exited(attempt)
