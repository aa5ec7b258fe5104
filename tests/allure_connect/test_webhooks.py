"""The webhook receiver: signature over the raw body, the API as the source of truth, idempotency,
and a real webhook sent by the fake to the live server."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid

import pytest
import requests
from django.test import Client
from django.urls import reverse

from enrollments.models import Attempt
from providers.allure_connect import provider as provider_module
from providers.allure_connect.notifications import session_id_from
from providers.types import Completion, Success

from .conftest import WEBHOOK_SECRET, launch

pytestmark = pytest.mark.django_db

SESSION = "/api/v1/sessions/*"


def _url() -> str:
    return reverse("playback:notification", kwargs={"provider": "allure_connect"})


def _sign(body: bytes, secret: str = WEBHOOK_SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _event(session_id: str, event: str = "session.completed", **data: object) -> bytes:
    # The body claims a perfect score: only the API's answer may be believed.
    claims = {
        "session_id": session_id,
        "completion_status": "completed",
        "score": {"scaled": 1.0},
        **data,
    }
    return json.dumps({"event": event, "data": claims}).encode()


def _post(body: bytes, signature: str | None, **headers: str):
    client = Client(enforce_csrf_checks=True)  # the receiver must not need a CSRF token
    if signature is not None:
        headers["HTTP_X_ALLURE_SIGNATURE"] = signature
    return client.post(_url(), data=body, content_type="application/json", **headers)


def _row(attempt: Attempt) -> dict:
    return Attempt.objects.values().get(pk=attempt.pk)


@pytest.fixture
def completed_attempt(allure, launched_attempt):
    """The learner completed the course at AllureConnect; our row does not know yet."""
    allure.complete(str(launched_attempt.id))
    return launched_attempt


def test_route():
    assert _url() == "/hooks/allure_connect/"


def test_signed_webhook_applies_the_session_as_re_read(allure, completed_attempt):
    response = _post(body := _event(str(completed_attempt.id)), _sign(body))

    assert (response.status_code, response.content) == (200, b"applied")
    assert len(allure.requests_to("GET", SESSION)) == 1
    row = _row(completed_attempt)
    assert (row["completion"], row["success"]) == (Completion.COMPLETED, Success.PASSED)
    assert row["score_scaled"] == 0.8  # the API's score, not the body's 1.0
    assert row["provider_result"]["version"] == 2
    assert row["is_open"] is False


@pytest.mark.parametrize(
    "sign",
    [
        pytest.param(lambda body: None, id="missing"),
        pytest.param(lambda body: "", id="empty"),
        pytest.param(lambda body: _sign(body, "not-the-secret"), id="forged"),
        pytest.param(lambda body: _sign(body + b" "), id="body-tampered-after-signing"),
        pytest.param(lambda body: "sha256=" + _sign(body), id="prefixed"),
        pytest.param(lambda body: _sign(body)[:-1], id="truncated"),
        pytest.param(
            lambda body: hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha1).hexdigest(),
            id="sha1",
        ),
    ],
)
def test_unsigned_or_wrongly_signed_is_refused_and_changes_nothing(allure, completed_attempt, sign):
    body = _event(str(completed_attempt.id))
    before = _row(completed_attempt)

    response = _post(body, sign(body))

    assert response.status_code == 401
    assert _row(completed_attempt) == before
    assert allure.requests_to("GET", SESSION) == []


def test_tampered_body_with_its_original_signature_is_refused(allure, completed_attempt):
    signed = _event(str(completed_attempt.id))
    tampered = signed.replace(b'"scaled": 1.0', b'"scaled": 0.1')
    before = _row(completed_attempt)

    assert _post(tampered, _sign(signed)).status_code == 401
    assert _row(completed_attempt) == before


def test_other_signature_algorithm_is_refused(allure, completed_attempt):
    body = _event(str(completed_attempt.id))

    refused = _post(body, _sign(body), HTTP_X_ALLURE_SIGNATURE_ALGORITHM="sha512")
    accepted = _post(body, _sign(body).upper(), HTTP_X_ALLURE_SIGNATURE_ALGORITHM="SHA256")

    assert (refused.status_code, accepted.status_code) == (401, 200)


def test_no_secret_configured_refuses_everything(settings, allure, completed_attempt):
    settings.ALLURE_CONNECT_WEBHOOK_SECRET = ""
    body = _event(str(completed_attempt.id))

    assert _post(body, _sign(body, "")).status_code == 401


def test_replay_changes_nothing(allure, completed_attempt):
    body = _event(str(completed_attempt.id))
    assert _post(body, _sign(body)).content == b"applied"
    after_first = _row(completed_attempt)

    replay = _post(body, _sign(body))

    assert (replay.status_code, replay.content) == (200, b"unchanged")
    assert _row(completed_attempt) == after_first  # last_synced_at and updated_at included


def test_an_older_version_than_stored_is_not_applied(allure, completed_attempt):
    Attempt.objects.filter(pk=completed_attempt.pk).update(remote_revision=9)
    before = _row(completed_attempt)
    body = _event(str(completed_attempt.id))

    assert _post(body, _sign(body)).content == b"stale"
    assert _row(completed_attempt) == before


@pytest.mark.parametrize("session_id", [str(uuid.uuid4()), "not-a-uuid", "../../etc"])
def test_unknown_session_is_ignored_with_200(allure, session_id):
    body = _event(session_id)

    response = _post(body, _sign(body))

    assert (response.status_code, response.content) == (200, b"ignored")
    assert allure.requests_to("GET", SESSION) == []


@pytest.mark.parametrize("event", ["usage.threshold", "package.updated"])
def test_other_events_are_ignored(allure, completed_attempt, event):
    body = _event(str(completed_attempt.id), event=event)

    assert _post(body, _sign(body)).content == b"ignored"
    assert allure.requests_to("GET", SESSION) == []


def test_session_of_another_learner_is_ignored(allure, completed_attempt):
    allure.sessions[str(completed_attempt.id)]["user_id"] = "lrn_intruder"
    before = _row(completed_attempt)
    body = _event(str(completed_attempt.id))

    assert _post(body, _sign(body)).content == b"ignored"
    assert _row(completed_attempt) == before


def test_session_gone_from_allure_connect_is_ignored(allure, completed_attempt):
    allure.sessions.clear()
    before = _row(completed_attempt)
    body = _event(str(completed_attempt.id))

    assert _post(body, _sign(body)).content == b"ignored"
    assert _row(completed_attempt) == before


def test_re_read_failure_asks_for_redelivery(allure, completed_attempt):
    allure.fail("GET", SESSION, 503, code="SERVICE_UNAVAILABLE", times=10)
    before = _row(completed_attempt)
    body = _event(str(completed_attempt.id))

    response = _post(body, _sign(body))

    assert response.status_code == 503
    assert _row(completed_attempt) == before
    assert len(allure.requests_to("GET", SESSION)) == 1  # one quick try, no retries


def test_slow_re_read_answers_503_quickly(allure, completed_attempt, monkeypatch):
    monkeypatch.setattr(provider_module, "QUICK_READ_TIMEOUT_SECONDS", 0.2)
    allure.slow("GET", SESSION, 2.0)
    body = _event(str(completed_attempt.id))

    started = time.monotonic()
    response = _post(body, _sign(body))

    assert response.status_code == 503
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("method", ["get", "put", "delete", "head"])
def test_only_post_and_never_a_redirect(allure, method):
    response = getattr(Client(), method)(_url())

    assert response.status_code == 405


def test_never_redirects_whatever_the_request(allure, completed_attempt):
    body = _event(str(completed_attempt.id))
    answers = [
        _post(body, _sign(body)),
        _post(body, "bad"),
        _post(b"not json", _sign(b"not json")),
        _post(b"[]", _sign(b"[]")),
        Client().get(_url()),
    ]

    assert [a.status_code for a in answers if 300 <= a.status_code < 400] == []


@pytest.mark.parametrize(
    "payload",
    [
        {"event": "session.completed", "session_id": "s1"},
        {"event_type": "session.scored", "data": {"session_id": "s1"}},
        {"type": "session.completed", "session": {"id": "s1"}},
        {"event": "session.completed", "data": {"session": {"id": "s1"}}},
        {"data": {"session_id": "s1"}},
    ],
)
def test_session_id_is_found_in_the_plausible_payload_shapes(payload):
    assert session_id_from(payload) == "s1"


@pytest.mark.parametrize(
    "body",
    [
        b"null",
        b"[1]",
        b'{"event": "session.completed"}',
        b'{"event": "usage.threshold", "session_id": "s1"}',
    ],
)
def test_no_session_id_in_other_bodies(body):
    assert session_id_from(json.loads(body)) is None


# A real webhook from the fake to the live server --------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_webhook_sent_by_allure_connect_reaches_the_live_server(
    live_server, allure, provider, allure_attempt
):
    allure.webhook_url = live_server.url + _url()
    minted = launch(allure_attempt)

    # The learner plays: the player page, then its Complete course button.
    page = requests.get(minted.url, timeout=5)
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    done = requests.post(
        f"{allure.url}/player/{allure_attempt.id}/complete", data={"token": token}, timeout=10
    )

    assert done.status_code == 200
    (delivery,) = allure.webhook_deliveries
    assert (delivery.get("status"), delivery.get("text")) == (200, "applied"), delivery
    row = _row(allure_attempt)
    assert (row["completion"], row["success"], row["score_scaled"]) == (
        Completion.COMPLETED,
        Success.PASSED,
        0.8,
    )


# --- Replays and out-of-order deliveries (issue 12) ---------------------------------------------


def test_an_early_webhook_delivered_after_the_final_one_changes_nothing(allure, launched_attempt):
    """The "started" event of a session arrives after its "completed" one (providers deliver
    in any order): it is only a hint, the re-read finds the final state, nothing moves back."""
    started = _event(
        str(launched_attempt.id), event="session.started", completion_status="incomplete"
    )
    allure.complete(str(launched_attempt.id))
    completed = _event(str(launched_attempt.id))

    assert _post(completed, _sign(completed)).content == b"applied"
    final = _row(launched_attempt)
    late = _post(started, _sign(started))

    assert (late.status_code, late.content) == (200, b"unchanged")
    assert _row(launched_attempt) == final
    assert (final["completion"], final["success"]) == (Completion.COMPLETED, Success.PASSED)


def test_a_replay_storm_is_held_by_the_read_budget_and_changes_nothing(
    settings, allure, completed_attempt
):
    """A genuine webhook delivered again and again costs reads only up to the provider's read
    budget; beyond it the receiver asks for a later delivery (503) and stores nothing."""
    settings.SCORM_READ_BUDGETS = {"allure_connect": 3}
    body = _event(str(completed_attempt.id))
    answers = [_post(body, _sign(body)) for _ in range(6)]

    assert [a.status_code for a in answers] == [200, 200, 200, 503, 503, 503]
    # When the budget has room again, as a whole number of seconds a sender can honour.
    window = settings.SCORM_READ_BUDGET_WINDOW_SECONDS
    assert all(1 <= int(a["Retry-After"]) <= 2 * window for a in answers[3:])
    assert [a.content for a in answers[:3]] == [b"applied", b"unchanged", b"unchanged"]
    assert len(allure.requests_to("GET", SESSION)) == 3
    row = _row(completed_attempt)
    assert (row["completion"], row["score_scaled"]) == (Completion.COMPLETED, 0.8)


@pytest.mark.parametrize(
    "body",
    [
        b'{"event": "session.completed", "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"event": "session.completed", "data": {"score": NaN}}',
        b"not json",
    ],
    ids=["nested-100000-deep", "nan", "not-json"],
)
def test_a_genuinely_signed_but_absurd_body_is_a_clear_400(allure, completed_attempt, body):
    before = _row(completed_attempt)
    response = _post(body, _sign(body))
    assert response.status_code == 400
    assert _row(completed_attempt) == before
