"""AllureConnect: packages are uploaded to it; an attempt is one of its sessions, with the
attempt's UUID as the ``session_id`` and the learner's external id as the ``user_id``."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta
from functools import cached_property
from urllib.parse import urlsplit

from django.conf import settings
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
from ..types import (
    AttemptRef,
    ConnectionCheck,
    DispatchRequest,
    HookRegistration,
    ImportResult,
    ImportState,
    Launch,
    LaunchContext,
    LearnerRef,
    Notification,
    PackageRef,
    Progress,
    RemoteDispatch,
)
from . import assumptions as api
from .client import AllureConnectClient, RemoteSession
from .notifications import webhook_session_id

logger = logging.getLogger(__name__)

UPLOAD_FLOWS = ("presigned", "legacy")
#: A receiver's re-read of a session is tried once, with this read timeout, so the receiver
#: answers quickly; when it fails it answers 503 and AllureConnect may deliver again.
QUICK_READ_TIMEOUT_SECONDS = 5.0


def session_progress(session: RemoteSession) -> Progress:
    """The one translation of a session, shared by polling and notifications.

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
        revision=session.version,
        learner_id=session.user_id,
        package_remote_id=session.package_id,
        raw=session.raw,
    )


class AllureConnectProvider(ScormProvider):
    identifier = "allure_connect"
    verbose_name = "AllureConnect"
    remote = True
    sends_notifications = True
    needs_hook_registration = True
    hook_events = api.WEBHOOK_EVENTS
    supports_dispatches = True
    # Session results are written by the player as the learner goes; allow for webhook delay.
    exit_settle_seconds = 30

    @cached_property
    def client(self) -> AllureConnectClient:
        """Built on first use (raises ProviderNotConfigured without key or tenant)."""
        return AllureConnectClient.from_settings()

    @cached_property
    def quick_client(self) -> AllureConnectClient:
        """One try and a short read timeout, for reads a receiver waits on."""
        return AllureConnectClient.from_settings(
            retries=0,
            timeout=(settings.SCORM_HTTP_CONNECT_TIMEOUT, QUICK_READ_TIMEOUT_SECONDS),
        )

    # Import ----------------------------------------------------------------------------------

    def import_package(self, package: PackageRef) -> ImportResult:
        """Upload the zip (presigned or legacy flow); processing goes on at AllureConnect."""
        if package.remote_id:
            # A retried import whose upload already got through: never upload twice.
            return self.import_status(package)
        flow = settings.ALLURE_CONNECT_UPLOAD_FLOW
        if flow not in UPLOAD_FLOWS:
            raise ProviderNotConfigured(
                "ALLURE_CONNECT_UPLOAD_FLOW must be 'presigned' or 'legacy'."
            )
        # ``uploaded_by`` is required, at most 255 characters (A.2).
        uploaded_by = (package.uploaded_by or "scorm-lms")[:255]
        filename, size = package.filename, package.size
        with package.open() as zip_file:
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
        logger.info(
            "Package %s uploaded to AllureConnect as %s (%s flow)", package.id, package_id, flow
        )
        return ImportResult(state=ImportState.PROCESSING, remote_id=package_id)

    def import_status(self, package: PackageRef) -> ImportResult:
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

    def launch(self, attempt: AttemptRef, context: LaunchContext) -> Launch:
        """Mint a launch URL through /launch, which creates the session on first use and
        re-mints a token for it afterwards (guide, Scenario 2).

        ``context.exit_url`` is not sent: /launch documents no such field (assumptions); the
        LMS's player page offers the way back itself.
        """
        package_id = attempt.package.remote_id
        if not package_id:
            raise LaunchUnavailable("This course is not ready on AllureConnect yet.")
        if attempt.registered:
            self._confirm_session(attempt)
        minted_after = timezone.now()  # the TTL runs from the server's clock: err early
        try:
            ticket = self.client.launch(
                package_id, user_id=attempt.learner.id, session_id=attempt.id
            )
        except ProviderNotFound as err:
            raise LaunchUnavailable(
                "AllureConnect no longer has this course's package. An administrator should re-import it."
            ) from err
        except ProviderConflict as err:
            raise LaunchUnavailable(
                "AllureConnect refused to open this attempt's session; it was left unchanged."
            ) from err
        if ticket.session_id and ticket.session_id != attempt.id:
            # Results are read by our attempt id: a session under another id would be lost.
            raise ProviderAPIError(
                "AllureConnect opened a different session than the one asked for."
            )
        return Launch(
            url=ticket.url,
            expires_at=minted_after + timedelta(seconds=ticket.expires_in_seconds),
            registered=True,
        )

    def preview(self, package: PackageRef, viewer: LearnerRef, context: LaunchContext) -> Launch:
        """A launch under a preview user and a session id made for it alone (assumptions)."""
        if not package.remote_id:
            raise LaunchUnavailable("This package is not ready on AllureConnect yet.")
        minted_after = timezone.now()
        try:
            ticket = self.client.launch(
                package.remote_id,
                user_id=f"{api.PREVIEW_USER_ID_PREFIX}{viewer.id}",
                session_id=str(uuid.uuid4()),
            )
        except ProviderNotFound as err:
            raise LaunchUnavailable("AllureConnect no longer has this package.") from err
        return Launch(
            url=ticket.url,
            expires_at=minted_after + timedelta(seconds=ticket.expires_in_seconds),
            registered=False,
        )

    def _confirm_session(self, attempt: AttemptRef) -> None:
        """Before resuming, find the attempt's session in the learner's session list (guide,
        Scenario 2). Our attempt id *is* the session id, so the list only confirms the session
        still exists and is this learner's on this package; one that is not is never minted."""
        user_id, package_id = attempt.learner.id, attempt.package.remote_id
        sessions = self.client.list_sessions(package_id=package_id, user_id=user_id)
        ours = next((s for s in sessions if s.id == attempt.id), None)
        if ours is None:
            logger.warning(
                "AllureConnect has lost session %s; /launch will open a fresh one", attempt.id
            )
        elif (ours.user_id and ours.user_id != user_id) or (
            ours.package_id and ours.package_id != package_id
        ):
            raise LaunchUnavailable(
                "AllureConnect holds this attempt's session for another learner or course."
            )

    # Results ---------------------------------------------------------------------------------

    def fetch_progress(self, attempt: AttemptRef, *, quick: bool = False) -> Progress:
        if not attempt.registered:
            return normalise_progress()  # never launched: AllureConnect has no session yet
        client = self.quick_client if quick else self.client
        return session_progress(client.get_session(attempt.id))

    def read_notification(self, notification: Notification) -> str | None:
        return webhook_session_id(notification)

    def register_hooks(self, url: str, events: Sequence[str] = ()) -> list[HookRegistration]:
        """Ask AllureConnect to send each event type, signed with our secret, to ``url``. One
        registration per event type (the only documented example has one)."""
        secret = settings.ALLURE_CONNECT_WEBHOOK_SECRET
        if not secret:
            raise ProviderNotConfigured(
                "Set ALLURE_CONNECT_WEBHOOK_SECRET before registering the webhook."
            )
        registered = []
        for event in events or api.WEBHOOK_EVENTS:
            webhook = self.client.create_webhook(url=url, secret=secret, event_type=event)
            registered.append(HookRegistration(event=event, id=webhook.id))
        return registered

    def create_dispatch(self, package: PackageRef, request: DispatchRequest) -> RemoteDispatch:
        if not package.remote_id:
            raise LaunchUnavailable(
                "Only a package that is ready on AllureConnect can be dispatched."
            )
        remote = self.client.create_dispatch(
            package.remote_id,
            label=request.label,
            destination=request.destination,
            registration_limit=request.registration_limit,
            expires_in_hours=request.expires_in_hours,
            allowed_domains=request.allowed_domains,
        )
        return RemoteDispatch(
            id=remote.id, url=remote.dispatch_url, status=remote.status[:40], raw=remote.raw
        )

    def player_origins(self) -> list[str]:
        """Its players are served from the API's host."""
        parts = urlsplit(settings.ALLURE_CONNECT_BASE_URL)
        return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []

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
