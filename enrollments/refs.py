"""Attempts and learners as the provider layer sees them: frozen dataclasses, never models."""

from __future__ import annotations

from courses.refs import package_ref
from providers.types import AttemptRef, LearnerRef

from .models import Attempt, Learner


def learner_ref(learner: Learner) -> LearnerRef:
    user = learner.user
    return LearnerRef(
        id=learner.external_id,
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email,
        username=user.get_username(),
    )


def attempt_ref(attempt: Attempt) -> AttemptRef:
    """Needs the attempt's ``enrollment__learner__user`` and ``package`` (select_related)."""
    return AttemptRef(
        id=str(attempt.pk),
        learner=learner_ref(attempt.enrollment.learner),
        package=package_ref(attempt.package),
        registered=attempt.registered_at is not None,
        launch_number=attempt.launch_count,
        review=not attempt.is_open,
    )
