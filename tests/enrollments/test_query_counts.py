"""Learner pages keep a constant number of queries as a learner's data grows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from enrollments.services import learner_get_or_create
from tests.factories import AttemptFactory, CourseFactory, EnrollmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def fill(user, courses: int, attempts: int):
    learner = learner_get_or_create(user=user)
    enrollments = [EnrollmentFactory(learner=learner) for _ in range(courses)]
    for enrollment in enrollments:
        for number in range(1, attempts + 1):
            AttemptFactory(enrollment=enrollment, number=number, is_open=number == attempts)
    CourseFactory.create_batch(courses, self_enrollment=True)  # joinable ones
    return enrollments


@pytest.mark.parametrize(("courses", "attempts"), [(1, 1), (30, 5)])
def test_my_courses(client, django_assert_max_num_queries, courses, attempts):
    user = UserFactory(username="lea")
    fill(user, courses, attempts)
    client.force_login(user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("enrollments:my_courses"))
    assert response.status_code == 200
    assert response.content.decode().count("<article") == 2 * courses


@pytest.mark.parametrize("attempts", [1, 40])
def test_course_page(client, django_assert_max_num_queries, attempts):
    user = UserFactory(username="lea")
    (enrollment,) = fill(user, 1, attempts)
    client.force_login(user)
    with django_assert_max_num_queries(9):
        response = client.get(enrollment.course.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["attempts"]) == attempts
