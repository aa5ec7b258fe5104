from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_delete, post_save


class EnrollmentsConfig(AppConfig):
    name = "enrollments"

    def ready(self) -> None:
        from courses.signals import grading_method_changed

        from . import checks, signals  # noqa: F401  (checks registers itself)
        from .models import Attempt, Enrollment

        grading_method_changed.connect(
            signals.course_grading_method_changed, dispatch_uid="enrollments-grading"
        )
        post_save.connect(
            signals.user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="enrollments-names"
        )
        post_delete.connect(
            signals.attempt_deleted, sender=Attempt, dispatch_uid="enrollments-attempt-deleted"
        )
        post_save.connect(
            signals.enrollment_saved, sender=Enrollment, dispatch_uid="enrollments-course-results"
        )
        post_delete.connect(
            signals.enrollment_deleted, sender=Enrollment, dispatch_uid="enrollments-left-course"
        )
