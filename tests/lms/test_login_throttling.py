"""Sign-in throttling (django-axes) on the site's and the admin's login pages."""

import io
import logging

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.9"
LEARNER_ADDRESS = "198.51.100.20"


@pytest.fixture
def learner():
    return get_user_model().objects.create_user("lea", password="right-password")


@pytest.fixture
def admin_user():
    return get_user_model().objects.create_superuser("root", password="root-password")


def _sign_in(url, username, password, address):
    client = Client(REMOTE_ADDR=address)
    return client, client.post(url, {"username": username, "password": password})


def _fail(url, username, address, times):
    for _ in range(times):
        _, response = _sign_in(url, username, "wrong", address)
        assert response.status_code == 200  # the form again, with its error


@override_settings(AXES_FAILURE_LIMIT=3)
@pytest.mark.parametrize("url_name", ["login", "admin:login"])
def test_repeated_failures_lock_the_username_out_from_that_address(url_name, learner, admin_user):
    user, password = (
        ("root", "root-password") if url_name == "admin:login" else ("lea", "right-password")
    )
    url = reverse(url_name)
    _fail(url, user, ATTACKER, 2)

    _, response = _sign_in(url, user, "wrong", ATTACKER)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()

    # Even the right password is refused from there now, and no session is made.
    client, response = _sign_in(url, user, password, ATTACKER)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_owner_still_signs_in_from_elsewhere(learner):
    """Locking by username and address together: an attacker cannot lock a learner out."""
    url = reverse("login")
    _fail(url, "lea", ATTACKER, 2)
    assert _sign_in(url, "lea", "wrong", ATTACKER)[1].status_code == 429
    client, response = _sign_in(url, "lea", "right-password", LEARNER_ADDRESS)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(learner.pk)


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_success_before_the_limit_resets_the_count(learner):
    url = reverse("login")
    _fail(url, "lea", LEARNER_ADDRESS, 2)
    _, response = _sign_in(url, "lea", "right-password", LEARNER_ADDRESS)
    assert response.status_code == 302
    _fail(url, "lea", LEARNER_ADDRESS, 2)  # two more are fine again
    _, response = _sign_in(url, "lea", "right-password", LEARNER_ADDRESS)
    assert response.status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_lockout_is_logged_without_the_password(learner, caplog):
    url = reverse("login")
    with caplog.at_level(logging.WARNING, logger="lms.security"):
        _fail(url, "lea", ATTACKER, 2)
        _sign_in(url, "lea", "hunter2-secret", ATTACKER)
    [record] = [r for r in caplog.records if r.name == "lms.security"]
    assert record.event == "signin.locked_out"
    assert record.username == "lea"
    assert record.ip_address == ATTACKER
    assert "hunter2-secret" not in record.getMessage()


def test_the_demo_accounts_sign_in(settings):
    """The README's demo accounts work under the throttling backend."""
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo", url="http://testserver/", stdout=io.StringIO())
    for username, password in [("learner", "learner-demo"), ("instructor", "instructor-demo")]:
        client, response = _sign_in(reverse("login"), username, password, LEARNER_ADDRESS)
        assert response.status_code == 302, username
    client, response = _sign_in(reverse("admin:login"), "admin", "admin-demo", LEARNER_ADDRESS)
    assert response.status_code == 302
