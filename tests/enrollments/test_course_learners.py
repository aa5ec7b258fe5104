"""Instructors enrol learners; nobody else may."""

from __future__ import annotations

import pytest
from django.urls import reverse

from enrollments.models import Enrollment
from tests.factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    course = CourseFactory(is_published=False)
    course.instructors.add(UserFactory(username="ines"))
    return course


def url(course):
    return reverse("enrollments:course_learners", kwargs={"slug": course.slug})


def test_an_instructor_enrols_learners_by_username_or_email(client, course):
    UserFactory(username="lea")
    UserFactory(username="max", email="max@example.com")
    client.force_login(course.instructors.get())
    response = client.post(url(course), {"learners": "lea, MAX@example.com\nnobody"}, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Enrolled 2 learners." in text
    assert "No account for: nobody." in text
    enrolled = Enrollment.objects.filter(course=course).values_list(
        "learner__user__username", "enrolled_by__username"
    )
    assert sorted(enrolled) == [("lea", "ines"), ("max", "ines")]


@pytest.mark.parametrize(
    ("who", "status"), [("other-instructor", 403), ("learner", 403), ("anonymous", 302)]
)
def test_others_may_not(client, course, who, status):
    if who != "anonymous":
        user = UserFactory(username=who)
        if who == "other-instructor":
            CourseFactory().instructors.add(user)
        client.force_login(user)
    assert client.get(url(course)).status_code == status
    assert client.post(url(course), {"learners": "ines"}).status_code == status
    assert not Enrollment.objects.exists()


def test_staff_may(client, course):
    client.force_login(UserFactory(username="root", is_staff=True))
    assert client.get(url(course)).status_code == 200


@pytest.mark.parametrize(("who", "shown"), [("ines", True), ("staff", True), ("lea", False)])
def test_the_course_page_links_to_its_learners_for_those_who_teach_it(client, who, shown):
    course = CourseFactory(is_published=True, self_enrollment=True)
    course.instructors.add(UserFactory(username="ines"))
    teacher = course.instructors.get()
    client.force_login(
        teacher if who == "ines" else UserFactory(username=who, is_staff=who == "staff")
    )
    page = client.get(reverse("enrollments:course_detail", kwargs={"slug": course.slug}))
    assert page.status_code == 200
    assert ('href="' + url(course) + '"' in page.content.decode()) is shown
