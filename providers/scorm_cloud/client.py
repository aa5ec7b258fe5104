"""A thin client for the part of the SCORM Cloud REST API v2 this LMS uses.

Paths, parameters, field names and enums follow Rustici's official client
(``rustici_software_cloud_v2`` 5.0.0), which the contract tests check every request against.
Answers come back as frozen dataclasses; raw JSON leaves this module only as their ``raw``
mapping. Deliberately absent: ``DELETE /registrations/{id}/progress``, which resets a learner's
registration; this client has no method that can reach it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, Self

from django.conf import settings

from ..exceptions import ProviderAPIError, ProviderNotConfigured
from ..http import ApiClient
from ..normalise import to_number
from ..parsing import (
    MalformedResponse,
    datetime_field,
    int_field,
    json_object,
    path_segment,
    text_field,
)

logger = logging.getLogger(__name__)

SERVICE = "SCORM Cloud"

#: ``LaunchLinkRequestSchema.expiry``: "Defaults to 120s. Range 10s:300s".
LAUNCH_LINK_EXPIRY_RANGE = range(10, 301)


def _bool(value: bool) -> str:
    # The API wants lowercase strings; requests would send "True".
    return "true" if value else "false"


@dataclass(frozen=True)
class Ping:
    api_message: str
    current_time: str

    @classmethod
    def from_api(cls, data: object) -> Self:
        data = json_object(data, "ping answer", service=SERVICE)
        return cls(
            api_message=text_field(data, "apiMessage"), current_time=text_field(data, "currentTime")
        )


@dataclass(frozen=True)
class Course:
    """``CourseSchema``: one course and its latest version."""

    id: str
    title: str
    version: int | None
    raw: Mapping[str, Any] = field(repr=False)

    @classmethod
    def from_api(cls, data: object) -> Self:
        data = json_object(data, "course", service=SERVICE)
        return cls(
            id=text_field(data, "id"),
            title=text_field(data, "title"),
            version=int_field(data, "version"),
            raw=data,
        )


@dataclass(frozen=True)
class ImportJob:
    """``ImportJobResultSchema``. ``status`` is RUNNING, COMPLETE or ERROR."""

    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    ERROR = "ERROR"

    job_id: str
    status: str
    message: str
    course_id: str
    course_version: int | None
    raw: Mapping[str, Any] = field(repr=False)

    @classmethod
    def from_api(cls, data: object) -> Self:
        data = json_object(data, "import job", service=SERVICE)
        status = text_field(data, "status")
        if status not in (cls.RUNNING, cls.COMPLETE, cls.ERROR):
            raise MalformedResponse(
                f"SCORM Cloud sent an unknown import job status {status[:40]!r}."
            )
        result = data.get("importResult")
        course = result.get("course") if isinstance(result, Mapping) else None
        course = course if isinstance(course, Mapping) else {}
        return cls(
            job_id=text_field(data, "jobId"),
            status=status,
            message=text_field(data, "message"),
            course_id=text_field(course, "id"),
            course_version=int_field(course, "version"),
            raw=data,
        )


@dataclass(frozen=True)
class Learner:
    """``LearnerSchema``. Only ``id`` is required; blank names and email are left out."""

    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""

    def to_api(self) -> dict[str, str]:
        body = {
            "id": self.id,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "email": self.email,
        }
        return {key: value for key, value in body.items() if value}


@dataclass(frozen=True)
class PostBack:
    """``PostBackSchema`` for one registration: SCORM Cloud POSTs the registration's JSON to
    ``url`` with HTTP Basic credentials whenever its completion, success, score or time change."""

    url: str
    user_name: str
    password: str = field(repr=False)

    def to_api(self) -> dict[str, str]:
        # Enum spellings are the contract's allowed_values (upper case).
        return {
            "url": self.url,
            "authType": "HTTPBASIC",
            "userName": self.user_name,
            "password": self.password,
            "resultsFormat": "COURSE",
        }


@dataclass(frozen=True)
class Registration:
    """``RegistrationSchema``: what GET /registrations/{id} answers and postbacks carry.

    ``completion`` is UNKNOWN, INCOMPLETE or COMPLETED; ``success`` UNKNOWN, PASSED or FAILED;
    ``score_scaled`` is SCORM Cloud's percentage (0..100), None when it has no score.
    """

    id: str
    instance: int | None
    course_id: str
    course_version: int | None
    learner_id: str
    completion: str
    success: str
    score_scaled: float | None
    total_seconds_tracked: float | None
    updated: datetime | None
    completed_date: datetime | None
    raw: Mapping[str, Any] = field(repr=False)

    @classmethod
    def from_api(cls, data: object) -> Self:
        data = json_object(data, "registration", service=SERVICE)
        registration_id = data.get("id")
        if not isinstance(registration_id, str) or not registration_id:
            raise MalformedResponse("SCORM Cloud sent a registration without an id.")
        course = data.get("course") if isinstance(data.get("course"), Mapping) else {}
        learner = data.get("learner") if isinstance(data.get("learner"), Mapping) else {}
        score = data.get("score") if isinstance(data.get("score"), Mapping) else {}
        return cls(
            id=registration_id,
            instance=int_field(data, "instance"),
            course_id=text_field(course, "id"),
            course_version=int_field(course, "version"),
            learner_id=text_field(learner, "id"),
            completion=text_field(data, "registrationCompletion") or "UNKNOWN",
            success=text_field(data, "registrationSuccess") or "UNKNOWN",
            score_scaled=to_number(score.get("scaled")),
            total_seconds_tracked=to_number(data.get("totalSecondsTracked")),
            updated=datetime_field(data, "updated", service=SERVICE, strict=True),
            completed_date=datetime_field(data, "completedDate", service=SERVICE, strict=True),
            raw=data,
        )


class ScormCloudClient(ApiClient):
    """SCORM Cloud REST API v2, authenticated with HTTP Basic (app id, secret key)."""

    service_name = "SCORM Cloud"

    def __init__(self, base_url: str, *, app_id: str, secret_key: str, **kwargs: Any) -> None:
        if not (app_id and secret_key):
            raise ProviderNotConfigured(
                "SCORM Cloud is not configured: set SCORM_CLOUD_APP_ID and SCORM_CLOUD_SECRET_KEY."
            )
        super().__init__(base_url, auth=(app_id, secret_key), **kwargs)

    @classmethod
    def from_settings(cls, **kwargs: Any) -> Self:
        return cls(
            settings.SCORM_CLOUD_BASE_URL,
            app_id=settings.SCORM_CLOUD_APP_ID,
            secret_key=settings.SCORM_CLOUD_SECRET_KEY,
            **kwargs,
        )

    def _parse(self, factory: Any, response: Any) -> Any:
        try:
            return factory(self.json(response))
        except MalformedResponse as err:
            raise ProviderAPIError(str(err), status=response.status_code) from err

    # Ping ------------------------------------------------------------------------------------

    def ping(self) -> Ping:
        """``GET /ping``: the cheapest authenticated call."""
        return self._parse(Ping.from_api, self.request("GET", "ping"))

    # Courses ---------------------------------------------------------------------------------

    def get_course(self, course_id: str) -> Course | None:
        """``GET /courses/{courseId}``; None when SCORM Cloud has no such course."""
        response = self.request("GET", f"courses/{path_segment(course_id)}", ok_statuses=(404,))
        if response.status_code == 404:
            return None
        return self._parse(Course.from_api, response)

    def upload_course(
        self, course_id: str, fileobj: IO[bytes], *, filename: str, may_create_new_version: bool
    ) -> str:
        """``POST /courses/importJobs/upload``: start importing a zip; returns the import job id.

        Without ``may_create_new_version`` an existing ``course_id`` makes SCORM Cloud answer
        409 (:class:`~providers.exceptions.ProviderConflict`). Not retried: a repeat would
        import twice.
        """
        response = self.request(
            "POST",
            "courses/importJobs/upload",
            params={"courseId": course_id, "mayCreateNewVersion": _bool(may_create_new_version)},
            files={"file": (filename, fileobj, "application/zip")},
        )
        data = self.json(response)
        job_id = data.get("result") if isinstance(data, Mapping) else None
        if not isinstance(job_id, str) or not job_id:
            raise ProviderAPIError(
                "SCORM Cloud did not return an import job id.", status=response.status_code
            )
        return job_id

    def get_import_job(self, job_id: str) -> ImportJob:
        """``GET /courses/importJobs/{importJobId}`` (job ids live one week after finishing)."""
        return self._parse(
            ImportJob.from_api, self.request("GET", f"courses/importJobs/{path_segment(job_id)}")
        )

    # Registrations ---------------------------------------------------------------------------

    def create_registration(
        self,
        registration_id: str,
        *,
        course_id: str,
        learner: Learner,
        post_back: PostBack | None = None,
        course_version: int | None = None,
    ) -> None:
        """``POST /registrations``. An existing ``registration_id`` is refused with 400
        "Registration with id [X] already exists" (it is never reset), which makes the call safe
        to retry: the caller confirms a duplicate with :meth:`get_registration`."""
        body: dict[str, Any] = {
            "courseId": course_id,
            "registrationId": registration_id,
            "learner": learner.to_api(),
        }
        if post_back is not None:
            body["postBack"] = post_back.to_api()
        params = {"courseVersion": str(course_version)} if course_version is not None else None
        self.request("POST", "registrations", params=params, json=body, idempotent=True)

    def get_registration(
        self,
        registration_id: str,
        *,
        include_runtime: bool = True,
        include_child_results: bool = False,
        include_interactions_and_objectives: bool = False,
    ) -> Registration:
        """``GET /registrations/{registrationId}``: the registration's progress (there is no
        ``/results`` endpoint and no ``GET .../progress``)."""
        response = self.request(
            "GET",
            f"registrations/{path_segment(registration_id)}",
            params={
                "includeRuntime": _bool(include_runtime),
                "includeChildResults": _bool(include_child_results),
                "includeInteractionsAndObjectives": _bool(include_interactions_and_objectives),
            },
        )
        return self._parse(Registration.from_api, response)

    def launch_link(
        self, registration_id: str, *, redirect_on_exit_url: str, expiry: int = 120
    ) -> str:
        """``POST /registrations/{registrationId}/launchLink``: a player URL valid for ``expiry``
        seconds (10..300), returned exactly as SCORM Cloud sent it. Minting a link changes
        nothing at SCORM Cloud, so a 429 or 5xx is retried with backoff like a read."""
        if expiry not in LAUNCH_LINK_EXPIRY_RANGE:
            raise ValueError("SCORM Cloud launch links expire after 10 to 300 seconds.")
        response = self.request(
            "POST",
            f"registrations/{path_segment(registration_id)}/launchLink",
            json={"redirectOnExitUrl": redirect_on_exit_url, "expiry": expiry},
            idempotent=True,
        )
        data = self.json(response)
        link = data.get("launchLink") if isinstance(data, Mapping) else None
        if not isinstance(link, str) or not link:
            raise ProviderAPIError(
                "SCORM Cloud did not return a launch link.", status=response.status_code
            )
        return link

    def preview_link(self, course_id: str, *, redirect_on_exit_url: str, expiry: int = 120) -> str:
        """``POST /courses/{courseId}/preview``: a player URL that plays the course with no
        registration, so nothing is tracked (the client's ``build_course_preview_launch_link``,
        PreviewLaunchLinkRequestSchema). Changes nothing at SCORM Cloud: retried like a read."""
        if expiry not in LAUNCH_LINK_EXPIRY_RANGE:
            raise ValueError("SCORM Cloud launch links expire after 10 to 300 seconds.")
        response = self.request(
            "POST",
            f"courses/{path_segment(course_id)}/preview",
            json={"redirectOnExitUrl": redirect_on_exit_url, "expiry": expiry},
            idempotent=True,
        )
        data = self.json(response)
        link = data.get("launchLink") if isinstance(data, Mapping) else None
        if not isinstance(link, str) or not link:
            raise ProviderAPIError(
                "SCORM Cloud did not return a preview link.", status=response.status_code
            )
        return link


__all__ = [
    "Course",
    "ImportJob",
    "Learner",
    "MalformedResponse",
    "Ping",
    "PostBack",
    "Registration",
    "ScormCloudClient",
]
