"""Everything about the AllureConnect API that its public documents do not settle.

No SDK and no OpenAPI file are public, and the archived documentation contradicts itself from
one version to the next. Every guess the client, the provider and the webhook receiver make
lives here, next to the document it comes from ("guide" is the first-session guide we were
given; "A.n" are the sections of ``docs/allureconnect-and-lms-anchors.md`` Part A). When the real
API disagrees, this is the one file to change.
"""

from __future__ import annotations

import math
from typing import Final

# Authentication (A.1) ---------------------------------------------------------------------------

#: Both headers are accepted (A.1); the guide's curl examples use both. Our default is Bearer,
#: selectable with ALLURE_CONNECT_AUTH_HEADER.
AUTH_HEADERS: Final = {"bearer": "Authorization", "x-api-key": "X-API-Key"}

# Endpoints (guide; A.2-A.6) ---------------------------------------------------------------------

UPLOAD_URL_PATH: Final = "api/v1/packages/upload-url"  # A.2 step 1
PROCESS_PATH: Final = "api/v1/packages/process"  # A.2 step 3
LEGACY_UPLOAD_PATH: Final = "api/v1/packages"  # A.2, older docs only
PACKAGES_PATH: Final = "api/v1/packages"  # A.3 list
PACKAGE_PATH: Final = "api/v1/packages/{package_id}"  # A.3, seen on a troubleshooting page only
LAUNCH_PATH: Final = "api/v1/packages/{package_id}/launch"  # guide, Method 1
DISPATCHES_PATH: Final = "api/v1/packages/{package_id}/dispatches"  # guide, Method 2; A.5
SESSIONS_PATH: Final = "api/v1/sessions"  # guide, Scenario 2
SESSION_PATH: Final = "api/v1/sessions/{session_id}"  # guide, Tracking Progress
WEBHOOKS_PATH: Final = "api/v1/webhooks"  # A.6

# Upload (A.2) ----------------------------------------------------------------------------------

#: The process body is cut off in every archived copy after ``{"te…``. We send ``tenant_id`` and
#: echo whichever of these identifying fields the upload-url ticket carried.
PROCESS_ECHO_TICKET_FIELDS: Final = (
    "upload_id",
    "package_id",
    "object_key",
    "storage_key",
    "key",
    "file_key",
)
#: Where a package id may sit in the process, legacy-upload and package answers: no process
#: answer is published; the legacy one is ``{package_id, launch_url, …}``.
PACKAGE_ID_FIELDS: Final = ("package_id", "id")
PACKAGE_NESTED_OBJECT: Final = "package"
#: A.2: "No status endpoint path or status vocabulary is published". We read the first of these
#: fields that is present, and map its value with the three sets below.
PACKAGE_STATUS_FIELDS: Final = ("status", "processing_status", "state")
PACKAGE_READY_STATUSES: Final = frozenset(
    {
        "ready",
        "processed",
        "complete",
        "completed",
        "active",
        "published",
        "available",
        "success",
        "succeeded",
    }
)
PACKAGE_FAILED_STATUSES: Final = frozenset(
    {"failed", "failure", "error", "errored", "invalid", "rejected"}
)
#: Any other value (or ``processing``, ``pending``, ``queued``…) means "still working": the import
#: task keeps polling, with its own time limit.
PACKAGE_ERROR_FIELDS: Final = ("error", "error_message", "processing_error", "message")
#: A package answer with none of the status fields is taken as READY: the legacy upload only
#: created the record once processing had finished, and it carried no status.
PACKAGE_WITHOUT_STATUS_IS_READY: Final = True
#: The package list (A.3) is not shown; we accept a bare list or an object holding one of these.
LIST_FIELDS: Final = ("packages", "sessions", "data", "items", "results")

# Launch and sessions (guide; A.4) --------------------------------------------------------------

#: The guide (app.allureconnect.com) says 14,400 s, an older copy says 600 s. The answer's
#: ``expires_in_seconds`` always wins; this is used only if it is missing, and is the shorter.
FALLBACK_TOKEN_TTL_SECONDS: Final = 600
#: No field for an exit/return URL is documented on /launch, so none is sent: the LMS's own
#: player page provides the way back.
#: Sessions without a top-level ``completion_status`` fall back to this SCORM 1.2 CMI key (A.4:
#: Allure's own LMS reads it, defaulting to 1.2).
SCORM12_STATUS_KEY: Final = "cmi.core.lesson_status"
#: No preview endpoint is documented. A preview is a /launch under a user id no learner has
#: (this prefix and the staff member's id) and a fresh session id the LMS never records: the
#: session exists at AllureConnect, but its webhooks name no attempt of ours and are dropped.
PREVIEW_USER_ID_PREFIX: Final = "lms-preview-"

# Errors (A.7) ----------------------------------------------------------------------------------

#: 403 codes that are not about our credentials (the generic mapping makes every 403 an auth
#: error). They become a plain ProviderAPIError.
NOT_AUTH_403_CODES: Final = frozenset({"QUOTA_EXCEEDED", "DISPATCH_NOT_ACTIVE"})
TENANT_MISMATCH_CODE: Final = "TENANT_MISMATCH"

# Rate limits (A.8) -----------------------------------------------------------------------------

RATE_LIMIT_RESET_HEADER: Final = "X-RateLimit-Reset"
#: Values above this are milliseconds since the epoch, not seconds (a common variant).
_EPOCH_MILLISECONDS_FLOOR: Final = 100_000_000_000
#: Values below this cannot be an epoch time (before 2001): read as "seconds from now".
_EPOCH_SECONDS_FLOOR: Final = 1_000_000_000


def seconds_until_reset(value: str | None, *, now: float) -> float | None:
    """Seconds to wait according to an ``X-RateLimit-Reset`` value (A.8: "a Unix timestamp").

    Also reads milliseconds and a relative number of seconds, which other APIs send under the
    same name. None when absent or unreadable; never negative.
    """
    if not value:
        return None
    try:
        reset = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(reset) or reset < 0:
        return None
    if reset >= _EPOCH_MILLISECONDS_FLOOR:
        reset /= 1000
    if reset < _EPOCH_SECONDS_FLOOR:
        return reset
    return max(0.0, reset - now)


# Webhooks (A.6) --------------------------------------------------------------------------------

SIGNATURE_HEADER: Final = "X-Allure-Signature"
SIGNATURE_ALGORITHM_HEADER: Final = "X-Allure-Signature-Algorithm"
#: The signature is a bare hex digest (the algorithm travels in its own header), so a
#: "sha256=" prefix, GitHub style, is NOT accepted: nothing in the documents suggests one.
SIGNATURE_ALGORITHM: Final = "sha256"
#: One ``event_type`` per registration call in the only documented example. Event names from the
#: current blog; both mean the session's result changed ("completed" covers passed too).
WEBHOOK_EVENTS: Final = ("session.completed", "session.scored")
#: The payload is not published. Events whose name starts with this are session events; their
#: session id is looked for at these paths, first match wins. Nothing else is read from the body.
SESSION_EVENT_PREFIX: Final = "session."
EVENT_NAME_FIELDS: Final = ("event", "event_type", "type")
WEBHOOK_SESSION_ID_PATHS: Final = (
    ("session_id",),
    ("data", "session_id"),
    ("session", "id"),
    ("data", "session", "id"),
    ("payload", "session_id"),
)
