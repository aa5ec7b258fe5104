"""Every gradebook view for every role: instructor and staff read, everyone else is refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import AttemptFactory, CourseFactory

ROLES = ("instructor", "staff", "other_instructor", "learner", "anonymous")


@pytest.fixture
def scene(course, instructor, other_instructor, staff, enrollment, fake_remote):
    attempt = AttemptFactory(
        enrollment=enrollment, number=1, provider="fake_remote", score_scaled=0.5
    )
    users = {
        "instructor": instructor,
        "staff": staff,
        "other_instructor": other_instructor,
        "learner": enrollment.learner.user,
        "anonymous": None,
    }
    return course, enrollment, attempt, users


def request(client, view, course, enrollment, attempt):
    slug = course.slug
    match view:
        case "course_list":
            return client.get(reverse("gradebook:course_list"))
        case "course":
            return client.get(reverse("gradebook:course", args=[slug]))
        case "learner":
            return client.get(
                reverse("gradebook:learner", args=[slug, enrollment.learner.external_id])
            )
        case "export_gradebook":
            return client.get(reverse("gradebook:export_gradebook", args=[slug]))
        case "export_attempts":
            return client.get(reverse("gradebook:export_attempts", args=[slug]))
        case "refresh_attempt":
            return client.post(
                reverse("gradebook:refresh_attempt", args=[attempt.pk]),
                headers={"HX-Request": "true"},
            )
    raise AssertionError(view)


COURSE_VIEWS = ("course", "learner", "export_gradebook", "export_attempts", "refresh_attempt")


@pytest.mark.parametrize("view", COURSE_VIEWS)
@pytest.mark.parametrize("role", ROLES)
def test_course_views(client_for, scene, fake_remote, view, role):
    course, enrollment, attempt, users = scene
    response = request(client_for(users[role]), view, course, enrollment, attempt)

    if role in ("instructor", "staff"):
        assert response.status_code == 200
        if view.startswith("export"):
            assert response["Content-Type"].startswith("text/csv")
            assert b"learner" in b"".join(response.streaming_content)
        if view == "refresh_attempt":
            assert fake_remote.calls == [str(attempt.pk)]
        return
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
    else:
        assert response.status_code == 403
    assert fake_remote.calls == []  # nothing was asked of the provider


@pytest.mark.parametrize("role", ROLES)
def test_course_list(client_for, scene, role):
    course, _, _, users = scene
    response = request(client_for(users[role]), "course_list", course, None, None)

    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif role == "learner":
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        listed = course.title in response.content.decode()
        assert listed is (role in ("instructor", "staff"))


def test_a_learner_who_also_teaches_sees_only_the_taught_course(client_for, scene):
    course, enrollment, attempt, users = scene
    learner = users["learner"]
    taught = CourseFactory(title="Taught by the learner")
    taught.instructors.add(learner)
    client = client_for(learner)

    assert client.get(reverse("gradebook:course", args=[taught.slug])).status_code == 200
    assert request(client, "course", course, enrollment, attempt).status_code == 403
    assert request(client, "learner", course, enrollment, attempt).status_code == 403
