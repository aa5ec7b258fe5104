"""Read queries about courses and who teaches them."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from .models import Course


def course_list_taught_by(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Course]:
    """The courses ``user`` teaches: every course for staff, their own for instructors."""
    if not user.is_authenticated:
        return Course.objects.none()
    if user.is_staff:
        return Course.objects.all()
    return Course.objects.filter(instructors=user)


def course_is_taught_by(*, course: Course, user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_staff or course.instructors.filter(pk=user.pk).exists()
