"""Staff preview a package on the local player: nothing is recorded anywhere."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from courses.models import Package
from enrollments.models import Attempt
from playback.models import ActivityState, AttemptRuntime, LearnerGlobalState
from tests.factories import UserFactory
from tests.playback.test_views import CONTENT, lms_client, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def package(make_demo_course) -> Package:
    return make_demo_course("spotting-phishing").packages.get()  # SCORM 2004


@pytest.fixture
def staff_client():
    client = lms_client()
    client.force_login(UserFactory(username="ada", is_staff=True, is_superuser=True))
    return client


def _token(client, package) -> str:
    response = client.get(reverse("playback:package_preview", args=[package.pk]))
    assert response.status_code == 200
    src = response.content.decode().split('id="player-frame" src="', 1)[1].split('"', 1)[0]
    url = urlsplit(src.replace("&amp;", "&"))
    assert (f"{url.scheme}://{url.netloc}", url.path, url.query) == (
        CONTENT,
        "/content/launch/",
        "",
    )
    return url.fragment


def test_the_preview_page_frames_the_local_player_and_says_nothing_is_recorded(
    staff_client, package
):
    response = staff_client.get(reverse("playback:package_preview", args=[package.pk]))
    page = response.content.decode()
    assert "Nothing you do here is recorded" in page
    assert 'sandbox="allow-scripts' in page
    assert "allow-top-navigation" not in page
    assert "no-store" in response["Cache-Control"]


def test_a_preview_session_starts_from_nothing_in_browse_mode(staff_client, package):
    token = _token(staff_client, package)
    config = post(lms_client(), "local_session", {"token": token}).json()
    assert (config["review"], config["notice"]) == (True, "")  # the preview page says it
    assert (config["state"], config["current"]) == ("", "")
    assert config["globals"]["objectives"] == {}
    activity = next(iter(config["activities"]))
    data = post(lms_client(), "local_activity", {"token": token, "activity": activity}).json()
    assert (data["data"]["cmi.mode"], data["data"]["cmi.credit"]) == ("browse", "no-credit")
    assert data["data"]["cmi.entry"] == "ab-initio"


def test_a_preview_records_nothing(staff_client, package):
    token = _token(staff_client, package)
    activity = next(
        iter(post(lms_client(), "local_session", {"token": token}).json()["activities"])
    )
    response = post(
        lms_client(),
        "local_commit",
        {
            "token": token,
            "activity": activity,
            "sequence": 1,
            "changes": {"cmi.completion_status": "completed", "cmi.score.scaled": "1"},
            "result": {"completion": "completed", "success": "passed", "score": 1},
        },
    )
    assert response.status_code == 403
    for model in (Attempt, ActivityState, AttemptRuntime, LearnerGlobalState):
        assert not model.objects.exists(), model


def test_a_preview_token_cannot_be_turned_into_another_package(staff_client, package):
    token = _token(staff_client, package)
    forged = token.replace(token[5], "A" if token[5] != "A" else "B", 1)
    assert post(lms_client(), "local_session", {"token": forged}).status_code == 401


def test_only_staff_with_the_view_permission_preview(package):
    url = reverse("playback:package_preview", args=[package.pk])
    assert lms_client().get(url).status_code == 302  # to the admin's login
    learner = lms_client()
    learner.force_login(UserFactory(username="lea"))
    assert learner.get(url).status_code == 302
    staff = lms_client()
    user = UserFactory(username="sam", is_staff=True)
    staff.force_login(user)
    assert staff.get(url).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_package"))
    assert staff.get(url).status_code == 200
    assert staff.get(reverse("playback:package_preview", args=[package.pk + 99])).status_code == 404


def test_a_package_that_is_not_ready_is_not_previewed(staff_client, package):
    Package.objects.filter(pk=package.pk).update(status=Package.Status.PROCESSING)
    response = staff_client.get(reverse("playback:package_preview", args=[package.pk]))
    assert response.status_code == 409
    assert "Only a package that is ready can be previewed." in response.content.decode()


def test_the_package_page_links_to_its_preview(staff_client, package):
    page = staff_client.get(reverse("admin:courses_package_change", args=[package.pk]))
    assert reverse("playback:package_preview", args=[package.pk]) in page.content.decode()


def test_the_preview_ended_page_is_public_and_frameable_by_the_lms():
    response = lms_client().get(reverse("playback:preview_ended"))
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "The preview has ended" in response.content.decode()
