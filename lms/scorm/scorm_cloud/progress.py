"""SCORM Cloud registration JSON to a normalised :class:`~lms.scorm.types.Progress`.

The one translation shared by ``fetch_progress`` (GET /registrations/{id}) and the postback
receiver, which both carry a ``RegistrationSchema`` document.
"""

from __future__ import annotations

import json

from ..normalise import normalise_progress
from ..parsing import MalformedResponse
from ..types import Progress
from .client import Registration


def registration_progress(registration: Registration) -> Progress:
    """``score.scaled`` is a percentage in SCORM Cloud, hence ``score_scale=100``."""
    return normalise_progress(
        completion_status=registration.completion,
        success_status=registration.success,
        score_scaled=registration.score_scaled,
        score_scale=100,
        seconds=registration.total_seconds_tracked,
        updated_at=registration.updated,
        completed_at=registration.completed_date,
        raw=registration.raw,
    )


def parse_registration(body: bytes | str) -> Registration:
    """A registration from a JSON document; :class:`MalformedResponse` when it is not one."""
    try:
        data = json.loads(body)
    except ValueError as err:  # includes JSONDecodeError and UnicodeDecodeError
        raise MalformedResponse("The registration is not valid JSON.") from err
    return Registration.from_api(data)
