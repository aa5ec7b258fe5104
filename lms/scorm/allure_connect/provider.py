"""AllureConnect: packages are uploaded to it; an attempt is one of its sessions, with the
attempt's UUID as the ``session_id`` and the learner's external id as the ``user_id``."""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Mapping
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

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
from . import assumptions as api
from .client import AllureConnectClient, RemoteSession

if TYPE_CHECKING:
    from courses.models import Package
    from enrollments.models import Attempt

logger = logging.getLogger(__name__)

UPLOAD_FLOWS = ("presigned", "legacy")
#: A conflicting update is re-read, merged and retried this many times in all (the guide's
#: ``updateSessionWithRetry`` uses 3).
SESSION_UPDATE_MAX_TRIES = 3
#: ``get_urls`` names the receiver ``webhook``; lms/urls.py mounts it in this namespace.
WEBHOOK_URL_NAME = "allure_connect:webhook"


def session_progress(session: RemoteSession) -> Progress:
    """The one translation of a session, shared by polling and the webhook receiver.

    ``score.scaled`` is 0..1 (guide). A session without ``completion_status`` is read from its
    SCORM 1.2 ``cmi.core.lesson_status`` instead (assumptions).
    """
    score = session.score
    return normalise_progress(
        completion_status=session.completion_status,
        success_status=session.success_status,
        lesson_status=None if session.completion_status else session.lesson_status,
        score_scaled=score.get("scaled"),
        score_raw=score.get("raw"),
        score_min=score.get("min"),
        score_max=score.get("max"),
        seconds=session.time_spent_seconds,
        updated_at=session.updated_at,
        raw=session.raw,
    )


def merge_session_changes(current: RemoteSession, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The PUT body for ``changes`` on top of ``current``: its writable fields, then the changes,
    with ``cmi_data`` merged key by key and the current ``version`` for optimistic locking.

    (The guide's JavaScript spreads the changes last, which throws the merged cmi_data away.)
    """
    body: dict[str, Any] = {
        key: current.raw[key] for key in api.SESSION_WRITABLE_FIELDS if key in current.raw
    }
    body.update(
        (key, value) for key, value in changes.items() if key not in ("id", "version", "cmi_data")
    )
    body["cmi_data"] = {**current.cmi_data, **(changes.get("cmi_data") or {})}
    if current.version is not None:
        body["version"] = current.version
    return body


def _uploader(package: Package) -> str:
    """``uploaded_by`` is required, at most 255 characters (A.2): the uploading user's name."""
    return (package.uploaded_by.get_username() if package.uploaded_by else "scorm-lms")[:255]


class AllureConnectProvider(ScormProvider):
    identifier = "allure_connect"
    verbose_name = "AllureConnect"
    # Session results are written by the player as the learner goes; allow for webhook delay.
    results_lag_seconds = 30
    remote = True

    @cached_property
    def client(self) -> AllureConnectClient:
        """Built on first use (raises ProviderNotConfigured without key or tenant)."""
        return AllureConnectClient.from_settings()

    # Import ----------------------------------------------------------------------------------

    def import_package(self, package: Package) -> ImportResult:
        """Upload the zip (presigned or legacy flow); processing goes on at AllureConnect."""
        if package.remote_id:
            # A retried import whose upload already got through: never upload twice.
            return self.import_status(package)
        flow = settings.ALLURE_CONNECT_UPLOAD_FLOW
        if flow not in UPLOAD_FLOWS:
            raise ProviderNotConfigured(
                "ALLURE_CONNECT_UPLOAD_FLOW must be 'presigned' or 'legacy'."
            )
        filename = posixpath.basename(package.file.name)
        uploaded_by = _uploader(package)
        size = package.file.size
        with package.file.open("rb") as zip_file:
            if flow == "legacy":
                package_id = self.client.upload_legacy(
                    zip_file, filename=filename, size=size, uploaded_by=uploaded_by
                )
            else:
                ticket = self.client.request_upload_url(
                    uploaded_by=uploaded_by, filename=filename, file_size=size
                )
                self.client.put_to_storage(ticket, zip_file, size=size)
                package_id = self.client.process_upload(
                    ticket, uploaded_by=uploaded_by, filename=filename, file_size=size
                )
        package.remote_id = package_id
        package.save(update_fields=["remote_id"])
        logger.info(
            "Package %s uploaded to AllureConnect as %s (%s flow)", package.pk, package_id, flow
        )
        return ImportResult(state=ImportState.PROCESSING, remote_id=package_id)

    def import_status(self, package: Package) -> ImportResult:
        if not package.remote_id:
            return ImportResult(
                state=ImportState.FAILED,
                message="This package was never uploaded to AllureConnect.",
            )
        remote = self.client.get_package(package.remote_id)
        message = ""
        if remote.state == ImportState.FAILED:
            message = remote.message or "AllureConnect could not process this package."
        return ImportResult(state=remote.state, remote_id=package.remote_id, message=message)

    # Launch ----------------------------------------------------------------------------------

    def launch(self, attempt: Attempt, *, exit_url: str) -> Launch:
        """Mint a launch URL through /launch, which creates the session on first use and
        re-mints a token for it afterwards (guide, Scenario 2).

        ``exit_url`` is not sent: /launch documents no such field (assumptions); the LMS's
        player page offers the way back itself.
        """
        package = attempt.package
        if not package.remote_id or not package.is_ready:
            raise LaunchUnavailable("This course is not ready on AllureConnect yet.")
        if attempt.registered_at is not None:
            self._confirm_session(attempt)
        minted_after = timezone.now()  # the TTL runs from the server's clock: err early
        try:
            ticket = self.client.launch(
                package.remote_id,
                user_id=attempt.enrollment.learner.external_id,
                session_id=str(attempt.id),
            )
        except ProviderNotFound as err:
            raise LaunchUnavailable(
                "AllureConnect no longer has this course's package. An administrator should re-import it."
            ) from err
        except ProviderConflict as err:
            raise LaunchUnavailable(
                "AllureConnect refused to open this attempt's session; it was left unchanged."
            ) from err
        if ticket.session_id and ticket.session_id != str(attempt.id):
            # Results are read by our attempt id: a session under another id would be lost.
            raise ProviderAPIError(
                "AllureConnect opened a different session than the one asked for."
            )
        if attempt.registered_at is None:
            attempt.registered_at = timezone.now()
            attempt.save(update_fields=["registered_at"])
        return Launch(
            url=ticket.url, expires_at=minted_after + timedelta(seconds=ticket.expires_in_seconds)
        )

    def _confirm_session(self, attempt: Attempt) -> None:
        """Before resuming, find the attempt's session in the learner's session list (guide,
        Scenario 2). Our attempt id *is* the session id, so the list only confirms the session
        still exists and is this learner's on this package; one that is not is never minted."""
        session_id, user_id = str(attempt.id), attempt.enrollment.learner.external_id
        package_id = attempt.package.remote_id
        sessions = self.client.list_sessions(package_id=package_id, user_id=user_id)
        ours = next((s for s in sessions if s.id == session_id), None)
        if ours is None:
            logger.warning(
                "AllureConnect has lost session %s; /launch will open a fresh one", session_id
            )
        elif (ours.user_id and ours.user_id != user_id) or (
            ours.package_id and ours.package_id != package_id
        ):
            raise LaunchUnavailable(
                "AllureConnect holds this attempt's session for another learner or course."
            )

    def refresh_launch(self, attempt: Attempt, *, exit_url: str) -> Launch:
        """A fresh launch for a player page whose token is about to expire (``Launch.expires_at``).

        Asks /refresh-token first, as the guide recommends; its answer is not published, so its
        ``launch_url`` is used only when it has one, and otherwise a new URL is minted by /launch.
        """
        if attempt.registered_at is None:
            return self.launch(attempt, exit_url=exit_url)
        minted_after = timezone.now()
        refreshed = self.client.refresh_token(str(attempt.id))
        if not refreshed.url:
            return self.launch(attempt, exit_url=exit_url)
        ttl = refreshed.expires_in_seconds or api.FALLBACK_TOKEN_TTL_SECONDS
        return Launch(url=refreshed.url, expires_at=minted_after + timedelta(seconds=ttl))

    # Results ---------------------------------------------------------------------------------

    def fetch_progress(self, attempt: Attempt) -> Progress:
        if attempt.registered_at is None:
            return normalise_progress()  # never launched: AllureConnect has no session yet
        return session_progress(self.client.get_session(str(attempt.id)))

    def update_session(self, attempt: Attempt, changes: Mapping[str, Any]) -> Progress:
        """Change the attempt's session (an instructor's correction): PUT with the current
        ``version``; on 409 re-read, merge and retry, up to SESSION_UPDATE_MAX_TRIES in all.

        ``changes`` holds session fields (``completion_status``, ``score``, ``cmi_data``…).
        Returns the updated result; the caller stores it with ``attempt_apply_progress``.
        """
        session_id = str(attempt.id)
        for tries in range(1, SESSION_UPDATE_MAX_TRIES + 1):
            current = self.client.get_session(session_id)
            try:
                updated = self.client.put_session(
                    session_id, merge_session_changes(current, changes)
                )
            except ProviderConflict:
                logger.info(
                    "AllureConnect session %s changed under update (try %s)", session_id, tries
                )
                continue
            return session_progress(updated or self.client.get_session(session_id))
        raise ProviderConflict(
            f"The AllureConnect session kept changing while we updated it ({SESSION_UPDATE_MAX_TRIES} tries); "
            "nothing was saved. Please try again.",
            status=409,
            code="VERSION_CONFLICT",
        )

    # Admin -----------------------------------------------------------------------------------

    def check_connection(self) -> ConnectionCheck:
        """Lists the tenant's packages: a wrong key is a 401, a key of another tenant a 403
        TENANT_MISMATCH or packages carrying another ``tenant_id`` (assumptions)."""
        try:
            client = self.client
        except ProviderNotConfigured as err:
            return ConnectionCheck(ok=False, message=err.message)
        tenant = client.tenant_id
        mismatch = ConnectionCheck(
            ok=False,
            message=f"The API key does not belong to tenant {tenant}: check ALLURE_CONNECT_TENANT_ID "
            "and ALLURE_CONNECT_API_KEY.",
        )
        try:
            packages = client.list_packages()
        except ProviderConnectionError:
            return ConnectionCheck(
                ok=False,
                message=f"AllureConnect could not be reached at {client.base_url}: check the network "
                "and ALLURE_CONNECT_BASE_URL.",
            )
        except ProviderAuthError as err:
            if err.code == api.TENANT_MISMATCH_CODE:
                return mismatch
            if err.status == 403:
                return ConnectionCheck(
                    ok=False,
                    message=f"AllureConnect accepted the API key but refused access ({err.code or 'HTTP 403'}): "
                    "the key needs the read and write scopes.",
                )
            return ConnectionCheck(
                ok=False,
                message="AllureConnect rejected the API key: check ALLURE_CONNECT_API_KEY.",
            )
        except ProviderError as err:
            return ConnectionCheck(ok=False, message=f"AllureConnect answered with an error: {err}")
        if any(p.tenant_id and p.tenant_id != tenant for p in packages):
            return mismatch
        return ConnectionCheck(
            ok=True,
            message=f"Connected to AllureConnect at {client.base_url} as tenant {tenant} "
            f"({len(packages)} package{'s' if len(packages) != 1 else ''}).",
        )

    def webhook_url(self) -> str:
        """Where AllureConnect should send its webhooks: SITE_URL and the receiver's route."""
        return settings.SITE_URL.rstrip("/") + reverse(WEBHOOK_URL_NAME)

    def get_urls(self) -> list[URLPattern]:
        from .webhooks import receive  # imports the domain services: only once URLs load

        return [path("hooks/webhook/", receive, name="webhook")]
