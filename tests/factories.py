"""factory_boy factories for the domain model."""

from __future__ import annotations

import hashlib

import factory
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from courses.models import Course, Package
from enrollments.models import Attempt, Enrollment, Learner


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pass-for-tests")


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    title = factory.Sequence(lambda n: f"Course {n}")
    slug = factory.Sequence(lambda n: f"course-{n}")
    is_published = True
    provider = "local"


class PackageFactory(factory.django.DjangoModelFactory):
    """A package row with a placeholder zip; real zips come from the intake tests' builders."""

    class Meta:
        model = Package

    course = factory.SubFactory(CourseFactory)
    version = factory.Sequence(lambda n: n + 1)
    file = factory.LazyFunction(lambda: ContentFile(b"PK\x05\x06" + b"\0" * 18, name="package.zip"))
    sha256 = factory.LazyAttribute(
        lambda p: hashlib.sha256(f"{p.course.slug}-{p.version}".encode()).hexdigest()
    )
    size = 22
    standard = Package.Standard.SCORM_2004_4
    title = factory.LazyAttribute(lambda p: p.course.title)
    status = Package.Status.READY
    provider = factory.LazyAttribute(lambda p: p.course.provider)


class LearnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Learner

    user = factory.SubFactory(UserFactory)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    learner = factory.SubFactory(LearnerFactory)
    course = factory.SubFactory(CourseFactory)


class AttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attempt

    enrollment = factory.SubFactory(EnrollmentFactory)
    package = factory.LazyAttribute(
        lambda a: (
            a.enrollment.course.packages.order_by("-version").first()
            or PackageFactory(course=a.enrollment.course)
        )
    )
    number = factory.Sequence(lambda n: n + 1)
    provider = factory.LazyAttribute(lambda a: a.package.provider)
