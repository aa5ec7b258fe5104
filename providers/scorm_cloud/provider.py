"""SCORM Cloud v2 (Rustici): packages become SCORM Cloud courses, attempts become registrations."""

from __future__ import annotations

import logging
import uuid
from functools import cached_property
from urllib.parse import urlsplit

from django.conf import settings

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
from ..types import (
    AttemptRef,
    ConnectionCheck,
    ImportResult,
    ImportState,
    Launch,
    LaunchContext,
    LearnerRef,
    Notification,
    PackageRef,
    Progress,
)
from .client import ImportJob, Learner, PostBack, ScormCloudClient
from .notifications import postback_registration_id
from .progress import registration_progress

logger = logging.getLogger(__name__)

#: Our SCORM Cloud course ids start with this, so an earlier package's id is only reused when it
#: was made here (a course may have switched providers).
COURSE_ID_PREFIX = "lms-"
#: A receiver's re-read of a registration is tried once, with this read timeout.
QUICK_READ_TIMEOUT_SECONDS = 5.0


def postbacks_configured() -> bool:
    return bool(settings.SCORM_CLOUD_POSTBACK_USER and settings.SCORM_CLOUD_POSTBACK_PASSWORD)


class ScormCloudProvider(ScormProvider):
    identifier = "scorm_cloud"
    verbose_name = "SCORM Cloud"
    remote = True
    sends_notifications = True
    # Rollup may land after the learner is redirected to the exit page (Rustici support).
    exit_settle_seconds = 30
    #: Launch links are minted at click time and used at once: keep them short-lived.
    launch_link_expiry = 120

    @cached_property
    def client(self) -> ScormCloudClient:
        """Built on first use (raises ProviderNotConfigured without credentials)."""
        return ScormCloudClient.from_settings()

    @cached_property
    def quick_client(self) -> ScormCloudClient:
        """One try and a short read timeout, for reads a receiver waits on."""
        return ScormCloudClient.from_settings(
            retries=0,
            timeout=(settings.SCORM_HTTP_CONNECT_TIMEOUT, QUICK_READ_TIMEOUT_SECONDS),
        )

    # Import ----------------------------------------------------------------------------------

    @staticmethod
    def course_id_for(package: PackageRef) -> str:
        """The SCORM Cloud course id: every version of a course is a version of one remote
        course. A random part keeps ids unique across databases sharing one SCORM Cloud app."""
        if package.remote_id:
            return package.remote_id
        if package.earlier_remote_id.startswith(COURSE_ID_PREFIX):
            return package.earlier_remote_id
        return f"{COURSE_ID_PREFIX}{package.course_key}-{uuid.uuid4().hex[:12]}"

    def import_package(self, package: PackageRef) -> ImportResult:
        course_id = self.course_id_for(package)
        new_version = self.client.get_course(course_id) is not None
        with package.open() as zip_file:
            job_id = self.client.upload_course(
                course_id,
                zip_file,
                filename=package.filename,
                may_create_new_version=new_version,
            )
        logger.info(
            "Package %s is importing into SCORM Cloud course %s (job %s)",
            package.id,
            course_id,
            job_id,
        )
        return ImportResult(state=ImportState.PROCESSING, remote_id=course_id, remote_job_id=job_id)

    def import_status(self, package: PackageRef) -> ImportResult:
        if not package.remote_job_id:
            return ImportResult(
                state=ImportState.FAILED,
                remote_id=package.remote_id,
                message="This package was never uploaded to SCORM Cloud.",
            )
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

    def launch(self, attempt: AttemptRef, context: LaunchContext) -> Launch:
        if not attempt.package.remote_id:
            raise LaunchUnavailable("This course is not ready on SCORM Cloud yet.")
        if not attempt.registered:
            self._register(attempt, results_url=context.results_url)
        try:
            url = self.client.launch_link(
                attempt.id, redirect_on_exit_url=context.exit_url, expiry=self.launch_link_expiry
            )
        except ProviderNotFound as err:
            raise LaunchUnavailable(
                "SCORM Cloud no longer has this attempt's registration."
            ) from err
        # The link's expiry bounds only the start of the launch; the player session then
        # lives on, so there is nothing for the page to renew.
        return Launch(url=url, expires_at=None, registered=True)

    def preview(self, package: PackageRef, viewer: LearnerRef, context: LaunchContext) -> Launch:
        """SCORM Cloud's course preview: no registration, nothing tracked."""
        if not package.remote_id:
            raise LaunchUnavailable("This package is not ready on SCORM Cloud yet.")
        try:
            url = self.client.preview_link(
                package.remote_id,
                redirect_on_exit_url=context.exit_url,
                expiry=self.launch_link_expiry,
            )
        except ProviderNotFound as err:
            raise LaunchUnavailable("SCORM Cloud no longer has this package's course.") from err
        return Launch(url=url, expires_at=None, registered=False)

    def _register(self, attempt: AttemptRef, *, results_url: str) -> None:
        """Create the attempt's registration; a duplicate is accepted only if it is ours."""
        package = attempt.package
        learner = Learner(
            id=attempt.learner.id,
            first_name=attempt.learner.first_name,
            last_name=attempt.learner.last_name,
            email=attempt.learner.email,
        )
        try:
            self.client.create_registration(
                attempt.id,
                course_id=package.remote_id,
                learner=learner,
                post_back=self.post_back(results_url),
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
            existing = self.client.get_registration(attempt.id, include_runtime=False)
            if existing.course_id != package.remote_id or existing.learner_id != learner.id:
                raise ProviderConflict(
                    f"SCORM Cloud already has a registration {attempt.id} for another course "
                    "or learner; it was left unchanged and this attempt cannot be launched.",
                    status=err.status,
                ) from err
            logger.info("SCORM Cloud registration %s already existed and matches", attempt.id)

    @staticmethod
    def post_back(results_url: str) -> PostBack | None:
        """Where SCORM Cloud should send this registration's results; None (poll only) when
        the receiver's credentials are not set, since it would refuse every postback."""
        if not results_url:
            return None
        if not postbacks_configured():
            logger.warning(
                "SCORM Cloud postbacks are off: set SCORM_CLOUD_POSTBACK_USER and SCORM_CLOUD_POSTBACK_PASSWORD"
            )
            return None
        return PostBack(
            url=results_url,
            user_name=settings.SCORM_CLOUD_POSTBACK_USER,
            password=settings.SCORM_CLOUD_POSTBACK_PASSWORD,
        )

    # Results ---------------------------------------------------------------------------------

    def fetch_progress(self, attempt: AttemptRef, *, quick: bool = False) -> Progress:
        if not attempt.registered:
            return normalise_progress()  # never launched: SCORM Cloud has nothing yet
        client = self.quick_client if quick else self.client
        registration = client.get_registration(
            attempt.id, include_runtime=False, include_child_results=True
        )
        return registration_progress(registration)

    def read_notification(self, notification: Notification) -> str | None:
        return postback_registration_id(notification)

    def player_origins(self) -> list[str]:
        """Its players are served from the API's host."""
        parts = urlsplit(settings.SCORM_CLOUD_BASE_URL)
        return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []

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
