"""The provider interface (Saleor's payment gateways, django-anymail's backends): one class per
provider, registered by dotted path in ``SCORM_PROVIDERS``.

Providers take and return the dataclasses of :mod:`.types` and raise only the exceptions of
:mod:`.exceptions`. They know no model, write nothing to the database and own no URL: the
services record what a provider reports, and the ``playback`` app mounts the routes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from .exceptions import NotificationRefused, ProviderNotConfigured
from .types import (
    AttemptRef,
    ConnectionCheck,
    DispatchRequest,
    HookRegistration,
    ImportResult,
    Launch,
    LaunchContext,
    LearnerRef,
    Notification,
    PackageRef,
    Progress,
    RemoteDispatch,
)


class ScormProvider:
    """Plays SCORM packages for the LMS.

    Required members raise ``NotImplementedError``; optional ones have safe defaults, and the
    capability flags below tell the services which optional ones apply.
    """

    identifier: ClassVar[str]
    verbose_name: ClassVar[str]
    #: Results live at the provider and are read with ``fetch_progress`` (budgeted reads).
    remote: ClassVar[bool] = True
    #: The LMS unpacks the package and serves its files itself (before ``import_package``).
    hosts_content: ClassVar[bool] = False
    #: The provider sends notifications of new results, read with ``read_notification``.
    sends_notifications: ClassVar[bool] = False
    #: Notifications must be registered once with ``register_hooks``, one event type at a time.
    needs_hook_registration: ClassVar[bool] = False
    hook_events: ClassVar[tuple[str, ...]] = ()
    #: Packages can be handed to an external LMS with ``create_dispatch``.
    supports_dispatches: ClassVar[bool] = False
    #: Seconds after the learner leaves during which results may still arrive (the exit window).
    exit_settle_seconds: ClassVar[int] = 0

    # Packages ----------------------------------------------------------------------------

    def import_package(self, package: PackageRef) -> ImportResult:
        """Hand a package that passed the intake to the provider; may finish later."""
        raise NotImplementedError

    def import_status(self, package: PackageRef) -> ImportResult:
        """Where a started import stands; asked until it is finished."""
        raise NotImplementedError

    # Attempts ----------------------------------------------------------------------------

    def launch(self, attempt: AttemptRef, context: LaunchContext) -> Launch:
        """Mint a launch URL for the attempt, registering it with the provider on first use."""
        raise NotImplementedError

    def preview(self, package: PackageRef, viewer: LearnerRef, context: LaunchContext) -> Launch:
        """Mint a launch URL that plays ``package`` for staff (``viewer``) with nothing
        tracked as an attempt: no registration the LMS reads, no result it stores."""
        raise ProviderNotConfigured(f"{self.verbose_name} cannot preview packages.")

    def fetch_progress(self, attempt: AttemptRef, *, quick: bool = False) -> Progress:
        """Read the attempt's current result from the provider. ``quick`` asks for one try
        with a short timeout, for a caller that must answer soon (a notification receiver)."""
        raise NotImplementedError

    # Notifications -----------------------------------------------------------------------

    def read_notification(self, notification: Notification) -> str | None:
        """Authenticate a notification and return the attempt id it is about (None when it is
        genuine but about nothing we track). It is only a hint: the result itself is then read
        with ``fetch_progress``. Raises :class:`NotificationRefused` for anything not genuine."""
        raise NotificationRefused(404, f"{self.verbose_name} sends no notifications.")

    def register_hooks(self, url: str, events: Sequence[str] = ()) -> list[HookRegistration]:
        """Ask the provider to send its notifications to ``url``."""
        raise ProviderNotConfigured(f"{self.verbose_name} needs no hook registration.")

    # Administration ----------------------------------------------------------------------

    def create_dispatch(self, package: PackageRef, request: DispatchRequest) -> RemoteDispatch:
        raise ProviderNotConfigured(f"{self.verbose_name} has no dispatches.")

    def player_origins(self) -> list[str]:
        """Origins the provider's players are framed from (the LMS pages' CSP allows them)."""
        return []

    def check_connection(self) -> ConnectionCheck:
        """A cheap authenticated call, for the admin's connection check."""
        return ConnectionCheck(ok=True, message=f"{self.verbose_name} needs no connection.")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.identifier!r}>"
