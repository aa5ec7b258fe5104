"""SCORM Cloud v2 (Rustici): packages become SCORM Cloud courses, attempts become registrations."""

from __future__ import annotations

import logging
import posixpath
import uuid
from functools import cached_property
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from ..base import ScormProvider
from ..exceptions import (
    LaunchUnavailable,
    ProviderAPIError,
    ProviderAuthError,
    ProviderConflict,
    ProviderConnectionError,
    ProviderError,
    ProviderNotConfigured,
    ProviderNotFound,
)
from ..normalise import normalise_progress
from ..types import ConnectionCheck, ImportResult, ImportState, Launch, Progress
from .client import ImportJob, Learner, PostBack, ScormCloudClient
from .progress import registration_progress

if TYPE_CHECKING:
    from courses.models import Package
    from enrollments.models import Attempt

logger = logging.getLogger(__name__)

#: Our SCORM Cloud course ids start with this, so an earlier package's id is only reused when it
#: was made here (a course may have switched providers).
COURSE_ID_PREFIX = "lms-"
#: ``get_urls`` names the receiver ``postback``; lms/urls.py mounts it in this namespace.
POSTBACK_URL_NAME = "scorm_cloud:postback"


def postbacks_configured() -> bool:
    return bool(settings.SCORM_CLOUD_POSTBACK_USER and settings.SCORM_CLOUD_POSTBACK_PASSWORD)


class ScormCloudProvider(ScormProvider):
    identifier = "scorm_cloud"
    verbose_name = "SCORM Cloud"
    # Rollup may land after the learner is redirected to the exit page (Rustici support).
    results_lag_seconds = 30
    remote = True
    #: Launch links are minted at click time and used at once: keep them short-lived.
    launch_link_expiry = 120

    @cached_property
    def client(self) -> ScormCloudClient:
        """Built on first use (raises ProviderNotConfigured without credentials)."""
        return ScormCloudClient.from_settings()

    # Import ----------------------------------------------------------------------------------

    def course_id_for(self, package: Package) -> str:
        """The SCORM Cloud course id: every version of a course is a version of one remote
        course. A random part keeps ids unique across databases sharing one SCORM Cloud app."""
        if package.remote_id:
            return package.remote_id
        earlier = (
            package.course.packages.exclude(pk=package.pk)
            .filter(remote_id__startswith=COURSE_ID_PREFIX)
            .order_by("-version")
            .values_list("remote_id", flat=True)
            .first()
        )
        return earlier or f"{COURSE_ID_PREFIX}{package.course.slug}-{uuid.uuid4().hex[:12]}"

    def import_package(self, package: Package) -> ImportResult:
        course_id = self.course_id_for(package)
        new_version = self.client.get_course(course_id) is not None
        with package.file.open("rb") as zip_file:
            job_id = self.client.upload_course(
                course_id,
                zip_file,
                filename=posixpath.basename(package.file.name),
                may_create_new_version=new_version,
            )
        package.remote_id, package.remote_job_id = course_id, job_id
        package.save(update_fields=["remote_id", "remote_job_id"])
        logger.info(
            "Package %s is importing into SCORM Cloud course %s (job %s)",
            package.pk,
            course_id,
            job_id,
        )
        return ImportResult(state=ImportState.PROCESSING, remote_id=course_id)

    def import_status(self, package: Package) -> ImportResult:
        if not package.remote_job_id:
            return super().import_status(package)
        job = self.client.get_import_job(package.remote_job_id)
        if job.status == ImportJob.RUNNING:
            return ImportResult(state=ImportState.PROCESSING, remote_id=package.remote_id)
        if job.status == ImportJob.ERROR:
            return ImportResult(
                state=ImportState.FAILED,
                remote_id=package.remote_id,
                message=job.message or "SCORM Cloud could not import this package.",
            )
        return ImportResult(
            state=ImportState.READY,
            remote_id=job.course_id or package.remote_id,
            remote_version="" if job.course_version is None else str(job.course_version),
        )

    # Launch ----------------------------------------------------------------------------------

    def launch(self, attempt: Attempt, *, exit_url: str) -> Launch:
        package = attempt.package
        if not package.remote_id or not package.is_ready:
            raise LaunchUnavailable("This course is not ready on SCORM Cloud yet.")
        registration_id = str(attempt.id)
        if attempt.registered_at is None:
            self._register(attempt)
            attempt.registered_at = timezone.now()
            attempt.save(update_fields=["registered_at"])
        try:
            url = self.client.launch_link(
                registration_id, redirect_on_exit_url=exit_url, expiry=self.launch_link_expiry
            )
        except ProviderNotFound as err:
            raise LaunchUnavailable(
                "SCORM Cloud no longer has this attempt's registration."
            ) from err
        # The link's expiry bounds only the start of the launch; the player session then
        # lives on, so there is nothing for the page to renew.
        return Launch(url=url, expires_at=None)

    def _register(self, attempt: Attempt) -> None:
        """Create the attempt's registration; a duplicate is accepted only if it is ours."""
        package = attempt.package
        user = attempt.enrollment.learner.user
        learner = Learner(
            id=attempt.enrollment.learner.external_id,
            first_name=user.first_name,
            last_name=user.last_name,
            email=user.email,
        )
        registration_id = str(attempt.id)
        try:
            self.client.create_registration(
                registration_id,
                course_id=package.remote_id,
                learner=learner,
                post_back=self.post_back(),
                # Pin the package version the attempt belongs to, not whatever is newest.
                course_version=int(package.remote_version)
                if package.remote_version.isdigit()
                else None,
            )
        except ProviderNotFound as err:
            raise LaunchUnavailable(
                "SCORM Cloud does not have this course (any more). An administrator should re-import it."
            ) from err
        except ProviderAPIError as err:
            if err.status != 400 or "already exists" not in err.message.lower():
                raise
            # A retried POST, or a second click, after the first one got through.
            existing = self.client.get_registration(registration_id, include_runtime=False)
            if existing.course_id != package.remote_id or existing.learner_id != learner.id:
                raise ProviderConflict(
                    f"SCORM Cloud already has a registration {registration_id} for another course "
                    "or learner; it was left unchanged and this attempt cannot be launched.",
                    status=err.status,
                ) from err
            logger.info("SCORM Cloud registration %s already existed and matches", registration_id)

    def post_back(self) -> PostBack | None:
        """Where SCORM Cloud should send this registration's results; None (poll only) when
        the receiver's credentials are not set, since it would refuse every postback."""
        if not postbacks_configured():
            logger.warning(
                "SCORM Cloud postbacks are off: set SCORM_CLOUD_POSTBACK_USER and SCORM_CLOUD_POSTBACK_PASSWORD"
            )
            return None
        return PostBack(
            url=settings.SITE_URL.rstrip("/") + reverse(POSTBACK_URL_NAME),
            user_name=settings.SCORM_CLOUD_POSTBACK_USER,
            password=settings.SCORM_CLOUD_POSTBACK_PASSWORD,
        )

    # Results ---------------------------------------------------------------------------------

    def fetch_progress(self, attempt: Attempt) -> Progress:
        if attempt.registered_at is None:
            return normalise_progress()  # never launched: SCORM Cloud has nothing yet
        return registration_progress(
            self.client.get_registration(str(attempt.id), include_runtime=True)
        )

    # Admin -----------------------------------------------------------------------------------

    def check_connection(self) -> ConnectionCheck:
        try:
            client = self.client
        except ProviderNotConfigured as err:
            return ConnectionCheck(ok=False, message=err.message)
        try:
            ping = client.ping()
        except ProviderAuthError:
            return ConnectionCheck(
                ok=False,
                message="SCORM Cloud rejected the app ID or secret key: check SCORM_CLOUD_APP_ID and "
                "SCORM_CLOUD_SECRET_KEY.",
            )
        except ProviderConnectionError:
            return ConnectionCheck(
                ok=False,
                message=f"SCORM Cloud could not be reached at {client.base_url}: check the network "
                "and SCORM_CLOUD_BASE_URL.",
            )
        except ProviderError as err:
            return ConnectionCheck(ok=False, message=f"SCORM Cloud answered with an error: {err}")
        message = (
            f"Connected to SCORM Cloud at {client.base_url} ({ping.api_message or 'no message'})."
        )
        if not postbacks_configured():
            message += (
                " Postbacks are off (set SCORM_CLOUD_POSTBACK_USER and SCORM_CLOUD_POSTBACK_PASSWORD):"
                " results arrive only when the LMS asks for them."
            )
        return ConnectionCheck(ok=True, message=message)

    def get_urls(self) -> list[URLPattern]:
        from .postback import postback  # imports the domain services: only once URLs load

        return [path("hooks/postback/", postback, name="postback")]
