"""Who may read which gradebook: staff every course, instructors the courses they teach.

Learners never see a gradebook, so no learner can read another learner's results here.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from courses.models import Course
from courses.selectors import course_is_taught_by, course_list_taught_by

User = AbstractBaseUser | AnonymousUser


def gradebook_courses_for(*, user: User) -> QuerySet[Course]:
    """The courses whose gradebook ``user`` may read: the ones they teach."""
    return course_list_taught_by(user=user)


def gradebook_can_view_any(*, user: User) -> bool:
    return user.is_authenticated and (user.is_staff or user.taught_courses.exists())


def gradebook_can_view(*, user: User, course: Course) -> bool:
    return course_is_taught_by(course=course, user=user)


def gradebook_can_view_raw_cmi(*, user: User) -> bool:
    """Raw CMI data may hold anything the content stored (suspend_data, free text): staff only."""
    return user.is_authenticated and user.is_staff
