"""A thin client for the part of the AllureConnect API this LMS uses.

Paths and field names come from the public guide and the research notes; whatever they leave
open is decided in :mod:`.assumptions`. Answers come back as frozen dataclasses; raw JSON leaves
this module only as their ``raw`` mapping. The API key travels in one header and is redacted
from anything the server echoes back.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import IO, Any, ClassVar, Self
from urllib.parse import urlsplit

import requests
from django.conf import settings
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util import SKIP_HEADER

from ..exceptions import (
    ProviderAPIError,
    ProviderAuthError,
    ProviderConnectionError,
    ProviderNotConfigured,
)
from ..http import ApiClient, BackoffRetry
from ..parsing import (
    MalformedResponse,
    datetime_field,
    int_field,
    json_object,
    path_segment,
    text_field,
)
from ..types import ImportState
from . import assumptions as api

logger = logging.getLogger(__name__)

SERVICE = "AllureConnect"

#: Longest wait for a rate-limit window to reset before retrying. A later reset (the hourly
#: limits, A.8) is not waited for: the caller gets ProviderRateLimited at once.
RATE_LIMIT_MAX_WAIT_SECONDS = 10.0
#: Chunk size of streamed upload bodies when urllib3 does not ask for a size.
UPLOAD_CHUNK_BYTES = 64 * 1024


class RateLimitResetRetry(BackoffRetry):
    """Backs a 429 off until ``X-RateLimit-Reset`` (A.8), which AllureConnect sends instead of
    ``Retry-After``; gives up at once when the reset is too far away to wait for."""

    def _reset_wait(self, response: Any) -> float | None:
        if response is None or response.status != 429:
            return None  # the header is on every answer; it only matters for a 429
        return api.seconds_until_reset(
            response.headers.get(api.RATE_LIMIT_RESET_HEADER), now=time.time()
        )

    def get_retry_after(self, response: Any) -> float | None:
        retry_after = super().get_retry_after(response)
        return retry_after if retry_after is not None else self._reset_wait(response)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        wait = self._reset_wait(response)
        if wait is not None and wait > RATE_LIMIT_MAX_WAIT_SECONDS:
            # With raise_on_status=False urllib3 hands the 429 back: it maps to ProviderRateLimited.
            raise MaxRetryError(_pool, url or "", ResponseError("rate limit resets too late"))
        return super().increment(method, url, response, error, _pool, _stacktrace)


def _first_text(data: Mapping[str, Any], keys: Iterable[str]) -> str:
    return next((text for key in keys if (text := text_field(data, key))), "")


def _number(data: Mapping[str, Any], key: str) -> float | None:
    value = data.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _items(data: object) -> list[Mapping[str, Any]]:
    """The objects of a list answer: a bare list, or one under a known key (assumptions)."""
    if isinstance(data, Mapping):
        data = next((data[key] for key in api.LIST_FIELDS if isinstance(data.get(key), list)), [])
    return [item for item in data if isinstance(item, Mapping)] if isinstance(data, list) else []


def _package_id(data: Mapping[str, Any]) -> str:
    nested = data.get(api.PACKAGE_NESTED_OBJECT)
    return _first_text(data, api.PACKAGE_ID_FIELDS) or (
        _first_text(nested, api.PACKAGE_ID_FIELDS) if isinstance(nested, Mapping) else ""
    )


# Answers ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadTicket:
    """The upload-url answer (A.2): where to PUT the zip, with exactly which headers."""

    presigned_url: str = field(repr=False)  # carries a storage signature: never logged
    required_put_headers: Mapping[str, str]
    raw: Mapping[str, Any] = field(repr=False)

    @classmethod
    def from_api(cls, data: object) -> Self:
        data = json_object(data, "upload ticket", service=SERVICE)
        url = data.get("presigned_url")
        headers = data.get("required_put_headers") or {}
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise MalformedResponse("AllureConnect sent an upload ticket without a presigned_url.")
        if not isinstance(headers, Mapping):
            raise MalformedResponse("AllureConnect sent unreadable required_put_headers.")
        return cls(
            presigned_url=url,
            required_put_headers={str(k): str(v) for k, v in headers.items()},
            raw=data,
        )

    def process_fields(self) -> dict[str, str]:
        """The ticket's identifying fields, echoed to the process call (assumptions)."""
        return {
            key: value
            for key in api.PROCESS_ECHO_TICKET_FIELDS
            if (value := text_field(self.raw, key))
        }


@dataclass(frozen=True)
class RemotePackage:
    """A package and its processing state, read defensively (A.2: no vocabulary published)."""

    id: str
    state: ImportState
    message: str
    tenant_id: str
    raw: Mapping[str, Any] = field(repr=False)

    @classmethod
    def from_api(cls, data: object) -> Self:
        data = json_object(data, "package", service=SERVICE)
        nested = data.get(api.PACKAGE_NESTED_OBJECT)
        if isinstance(nested, Mapping) and not _first_text(data, api.PACKAGE_STATUS_FIELDS):
            data = nested
        status = _first_text(data, api.PACKAGE_STATUS_FIELDS).strip().lower()
        if not status:
            state = (
                ImportState.READY if api.PACKAGE_WITHOUT_STATUS_IS_READY else ImportState.PROCESSING
            )
        elif status in api.PACKAGE_READY_STATUSES:
            state = ImportState.READY
        elif status in api.PACKAGE_FAILED_STATUSES:
            state = ImportState.FAILED
        else:
            state = ImportState.PROCESSING
        error = data.get("error")
        message = (
            text_field(error, "message")
            if isinstance(error, Mapping)
            else _first_text(data, api.PACKAGE_ERROR_FIELDS)
        )
        return cls(
            id=_package_id(data),
            state=state,
            message=message[:1000],
            tenant_id=text_field(data, "tenant_id"),
            raw=data,
        )


@dataclass(frozen=True)
class LaunchTicket:
    """The /launch answer. ``url`` is used exactly as returned and never stored."""

    url: str = field(repr=False)  # carries the learner's signed token
    session_id: str
    expires_in_seconds: float

    @classmethod
    def from_api(cls, data: object) -> Self:
        data = json_object(data, "launch answer", service=SERVICE)
        url = data.get("launch_url")
        if not isinstance(url, str) or not url:
            raise MalformedResponse("AllureConnect did not return a launch_url.")
        ttl = _number(data, "expires_in_seconds")
        return cls(
            url=url,
            session_id=text_field(data, "session_id"),
            expires_in_seconds=api.FALLBACK_TOKEN_TTL_SECONDS if ttl is None or ttl <= 0 else ttl,
        )


@dataclass(frozen=True)
class RemoteSession:
    """A session (guide, "Get Session Data")."""

    id: str
    user_id: str
    package_id: str
    completion_status: str | None
    success_status: str | None
    lesson_status: str | None
    score: Mapping[str, Any]
    time_spent_seconds: float | None
    version: int | None
    updated_at: datetime | None
    cmi_data: Mapping[str, Any] = field(repr=False)
    raw: Mapping[str, Any] = field(repr=False)

    @classmethod
    def from_api(cls, data: object) -> Self:
        data = json_object(data, "session", service=SERVICE)
        session_id = text_field(data, "id") or text_field(data, "session_id")
        if not session_id:
            raise MalformedResponse("AllureConnect sent a session without an id.")
        cmi = data.get("cmi_data") if isinstance(data.get("cmi_data"), Mapping) else {}
        score = data.get("score") if isinstance(data.get("score"), Mapping) else {}
        return cls(
            id=session_id,
            user_id=text_field(data, "user_id"),
            package_id=text_field(data, "package_id"),
            completion_status=text_field(data, "completion_status") or None,
            success_status=text_field(data, "success_status") or None,
            lesson_status=text_field(cmi, api.SCORM12_STATUS_KEY) or None,
            score=score,
            time_spent_seconds=_number(data, "time_spent_seconds"),
            version=int_field(data, "version"),
            updated_at=datetime_field(data, "updated_at", service=SERVICE),
            cmi_data=cmi,
            raw=data,
        )


@dataclass(frozen=True)
class RemoteDispatch:
    """The dispatch answer (A.5): ``{dispatch: {id, status, launchUrl, …}, dispatch_url}``."""

    id: str
    status: str
    dispatch_url: str
    raw: Mapping[str, Any] = field(repr=False)

    @classmethod
    def from_api(cls, data: object) -> Self:
        data = json_object(data, "dispatch answer", service=SERVICE)
        dispatch = data.get("dispatch") if isinstance(data.get("dispatch"), Mapping) else data
        url = text_field(data, "dispatch_url") or text_field(dispatch, "launchUrl")
        if not text_field(dispatch, "id") or not url:
            raise MalformedResponse("AllureConnect sent a dispatch without an id or URL.")
        return cls(
            id=text_field(dispatch, "id"),
            status=text_field(dispatch, "status"),
            dispatch_url=url,
            raw=data,
        )


@dataclass(frozen=True)
class RemoteWebhook:
    id: str
    event_type: str
    raw: Mapping[str, Any] = field(repr=False)

    @classmethod
    def from_api(cls, data: object) -> Self:
        data = json_object(data, "webhook", service=SERVICE)
        return cls(id=text_field(data, "id"), event_type=text_field(data, "event_type"), raw=data)


# Streamed bodies ---------------------------------------------------------------------------------


class _SizedReader:
    """A binary file with a known length, read in chunks by urllib3 (never all at once)."""

    def __init__(self, fileobj: IO[bytes], size: int) -> None:
        self._file = fileobj
        self._size = size

    def __len__(self) -> int:
        return self._size

    def read(self, size: int = -1) -> bytes:
        return self._file.read(UPLOAD_CHUNK_BYTES if size is None or size < 0 else size)


class _MultipartFile:
    """A ``multipart/form-data`` body of some text fields and one file, read in chunks so the
    zip is never held in memory. ``len()`` gives requests the Content-Length up front."""

    def __init__(
        self, fields: Mapping[str, str], *, name: str, filename: str, fileobj: IO[bytes], size: int
    ):
        self.boundary = f"lms-{secrets.token_hex(16)}"
        head = b"".join(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
            for key, value in fields.items()
        )
        safe_filename = filename.replace('"', "").replace("\r", "").replace("\n", "")
        head += (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{safe_filename}"\r\n'
            "Content-Type: application/zip\r\n\r\n"
        ).encode()
        tail = f"\r\n--{self.boundary}--\r\n".encode()
        self._parts: list[IO[bytes] | bytes] = [head, fileobj, tail]
        self._length = len(head) + size + len(tail)

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        size = UPLOAD_CHUNK_BYTES if size is None or size < 0 else size
        while self._parts:
            part = self._parts[0]
            if isinstance(part, bytes):
                chunk, rest = part[:size], part[size:]
                self._parts[0] = rest
                if not rest:
                    self._parts.pop(0)
            else:
                chunk = part.read(size)
                if not chunk:
                    self._parts.pop(0)
            if chunk:
                return chunk
        return b""


# The client --------------------------------------------------------------------------------------


class AllureConnectClient(ApiClient):
    """AllureConnect's ``/api/v1``, authenticated with one API key for one tenant."""

    service_name = "AllureConnect"
    retry_class: ClassVar[type[BackoffRetry]] = RateLimitResetRetry

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str,
        tenant_id: str,
        auth_header: str = "bearer",
        **kwargs: Any,
    ) -> None:
        missing = [
            name
            for name, value in (
                ("ALLURE_CONNECT_API_KEY", api_key),
                ("ALLURE_CONNECT_TENANT_ID", tenant_id),
                ("ALLURE_CONNECT_BASE_URL", base_url),
            )
            if not value
        ]
        if missing:
            raise ProviderNotConfigured(
                f"AllureConnect is not configured: set {' and '.join(missing)}."
            )
        header = api.AUTH_HEADERS.get(auth_header.strip().lower())
        if header is None:
            raise ProviderNotConfigured(
                "ALLURE_CONNECT_AUTH_HEADER must be 'bearer' or 'x-api-key'."
            )
        value = f"Bearer {api_key}" if header == "Authorization" else api_key
        super().__init__(base_url, headers={header: value}, **kwargs)
        self.tenant_id = tenant_id
        self._api_key = api_key

    @classmethod
    def from_settings(cls, **kwargs: Any) -> Self:
        """From the ALLURE_CONNECT_* settings; ``kwargs`` (``timeout``, ``retries``…) go to
        :class:`~providers.http.ApiClient`."""
        return cls(
            settings.ALLURE_CONNECT_BASE_URL,
            api_key=settings.ALLURE_CONNECT_API_KEY,
            tenant_id=settings.ALLURE_CONNECT_TENANT_ID,
            auth_header=settings.ALLURE_CONNECT_AUTH_HEADER,
            **kwargs,
        )

    # Plumbing ----------------------------------------------------------------------------------

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        # A redirect would carry the X-API-Key header to wherever it points: never follow one.
        kwargs.setdefault("allow_redirects", False)
        response = super().request(method, path, **kwargs)
        if response.is_redirect:  # requests counts a 3xx as ok
            raise self.error_for(response)
        return response

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, "[redacted]") if self._api_key else text

    def parse_error(self, response: requests.Response) -> tuple[str, str]:
        """Both documented shapes (A.7): ``{error, code, details}`` and ``{error: {code, message}}``."""
        try:
            body = response.json()
        except ValueError:
            return "", ""
        if not isinstance(body, Mapping):
            return "", ""
        error = body.get("error")
        if isinstance(error, Mapping):
            message, code = text_field(error, "message"), text_field(error, "code")
        else:
            message = error if isinstance(error, str) else text_field(body, "message")
            code = text_field(body, "code")
        return self._redact(message), code

    def error_for(self, response: requests.Response) -> ProviderAPIError:
        if response.is_redirect:
            return ProviderAPIError(
                "AllureConnect answered with a redirect; check ALLURE_CONNECT_BASE_URL.",
                status=response.status_code,
            )
        error = super().error_for(response)
        if isinstance(error, ProviderAuthError) and error.code in api.NOT_AUTH_403_CODES:
            return ProviderAPIError(error.message, status=error.status, code=error.code)
        return error

    def _parse(self, factory: Any, response: requests.Response) -> Any:
        try:
            return factory(self.json(response))
        except MalformedResponse as err:
            raise ProviderAPIError(str(err), status=response.status_code) from err

    # Packages ----------------------------------------------------------------------------------

    def request_upload_url(
        self, *, uploaded_by: str, filename: str, file_size: int
    ) -> UploadTicket:
        """``POST /api/v1/packages/upload-url``: step 1 of the current upload flow."""
        body = {
            "tenant_id": self.tenant_id,
            "uploaded_by": uploaded_by,
            "filename": filename,
            "file_size": file_size,
        }
        return self._parse(
            UploadTicket.from_api, self.request("POST", api.UPLOAD_URL_PATH, json=body)
        )

    def put_to_storage(self, ticket: UploadTicket, fileobj: IO[bytes], *, size: int) -> None:
        """Step 2: PUT the zip, streamed, to the presigned URL with exactly the ticket's headers.

        Not through the API session: the storage must not see our key, and the URL's signature
        must not reach a log line. Not retried: the import task starts over on failure.
        """
        host = urlsplit(ticket.presigned_url).netloc
        headers: dict[str, str] = {
            # Keep requests and urllib3 from adding headers the signature did not cover.
            "User-Agent": SKIP_HEADER,
            "Accept-Encoding": SKIP_HEADER,
            **ticket.required_put_headers,
        }
        with requests.Session() as storage:
            storage.headers.clear()
            storage.trust_env = False  # no netrc credentials or proxies for the storage host
            try:
                response = storage.put(
                    ticket.presigned_url,
                    data=_SizedReader(fileobj, size),
                    headers=headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as err:
                logger.warning(
                    "AllureConnect storage PUT to %s: no answer (%s)", host, type(err).__name__
                )
                raise ProviderConnectionError(
                    "AllureConnect's package storage could not be reached. Please try again shortly."
                ) from err
        logger.info("AllureConnect storage PUT to %s -> %s", host, response.status_code)
        if not response.ok:
            raise ProviderAPIError(
                "AllureConnect's package storage refused the upload; the upload ticket may have expired.",
                status=response.status_code,
            )

    def process_upload(
        self, ticket: UploadTicket, *, uploaded_by: str, filename: str, file_size: int
    ) -> str:
        """``POST /api/v1/packages/process``: step 3. Its body and answer are not public
        (A.2): we send the tenant, the upload facts and the ticket's identifying fields.
        Returns the package id."""
        body = {
            "tenant_id": self.tenant_id,
            "uploaded_by": uploaded_by,
            "filename": filename,
            "file_size": file_size,
            **ticket.process_fields(),
        }
        return self._created_package_id(self.request("POST", api.PROCESS_PATH, json=body), ticket)

    def upload_legacy(
        self,
        fileobj: IO[bytes],
        *,
        filename: str,
        size: int,
        uploaded_by: str,
        package_id: str = "",
    ) -> str:
        """``POST /api/v1/packages`` as multipart (A.2, older docs). ``package_id`` uploads a new
        version of an existing package. Streamed; not retried. Returns the package id."""
        fields = {"tenant_id": self.tenant_id, "uploaded_by": uploaded_by}
        if package_id:
            fields["package_id"] = package_id
        body = _MultipartFile(fields, name="file", filename=filename, fileobj=fileobj, size=size)
        response = self.request(
            "POST", api.LEGACY_UPLOAD_PATH, data=body, headers={"Content-Type": body.content_type}
        )
        return self._created_package_id(response)

    def _created_package_id(
        self, response: requests.Response, ticket: UploadTicket | None = None
    ) -> str:
        data = self.json(response)
        package_id = _package_id(data) if isinstance(data, Mapping) else ""
        package_id = package_id or (text_field(ticket.raw, "package_id") if ticket else "")
        if not package_id:
            raise ProviderAPIError(
                "AllureConnect did not say which package it created.", status=response.status_code
            )
        return package_id

    def get_package(self, package_id: str) -> RemotePackage:
        """``GET /api/v1/packages/{id}`` with its processing status."""
        path = api.PACKAGE_PATH.format(package_id=path_segment(package_id))
        return self._parse(RemotePackage.from_api, self.request("GET", path))

    def list_packages(self) -> list[RemotePackage]:
        """``GET /api/v1/packages``, asking for our tenant's (A.3; the filter is our guess)."""
        response = self.request("GET", api.PACKAGES_PATH, params={"tenant_id": self.tenant_id})
        try:
            return [RemotePackage.from_api(item) for item in _items(self.json(response))]
        except MalformedResponse as err:
            raise ProviderAPIError(str(err), status=response.status_code) from err

    # Launch and sessions -----------------------------------------------------------------------

    def launch(self, package_id: str, *, user_id: str, session_id: str) -> LaunchTicket:
        """``POST /api/v1/packages/{id}/launch``: creates the session or re-mints a launch URL
        for an existing one (guide, Scenario 2). The session id is ours, so a repeat opens the
        same session: a 429 or 5xx is retried with backoff."""
        path = api.LAUNCH_PATH.format(package_id=path_segment(package_id))
        response = self.request(
            "POST", path, json={"user_id": user_id, "session_id": session_id}, idempotent=True
        )
        return self._parse(LaunchTicket.from_api, response)

    def list_sessions(self, *, package_id: str, user_id: str) -> list[RemoteSession]:
        """``GET /api/v1/sessions?package_id=&user_id=`` → ``{sessions: […]}`` (guide, Scenario 2)."""
        response = self.request(
            "GET", api.SESSIONS_PATH, params={"package_id": package_id, "user_id": user_id}
        )
        try:
            return [RemoteSession.from_api(item) for item in _items(self.json(response))]
        except MalformedResponse as err:
            raise ProviderAPIError(str(err), status=response.status_code) from err

    def get_session(self, session_id: str) -> RemoteSession:
        """``GET /api/v1/sessions/{id}``; another tenant's session is a 404 (A.1)."""
        path = api.SESSION_PATH.format(session_id=path_segment(session_id))
        return self._parse(RemoteSession.from_api, self.request("GET", path))

    # Dispatches and webhooks -------------------------------------------------------------------

    def create_dispatch(
        self,
        package_id: str,
        *,
        label: str,
        destination: str,
        registration_limit: int | None = None,
        expires_in_hours: int | None = None,
        allowed_domains: Iterable[str] = (),
    ) -> RemoteDispatch:
        """``POST /api/v1/packages/{id}/dispatches`` (A.5). Not retried."""
        body: dict[str, Any] = {"label": label, "destination": destination}
        if registration_limit is not None:
            body["registration_limit"] = registration_limit
        if expires_in_hours is not None:
            body["expires_in_hours"] = expires_in_hours
        if domains := list(allowed_domains):
            body["allowed_domains"] = domains
        path = api.DISPATCHES_PATH.format(package_id=path_segment(package_id))
        return self._parse(RemoteDispatch.from_api, self.request("POST", path, json=body))

    def create_webhook(self, *, url: str, secret: str, event_type: str) -> RemoteWebhook:
        """``POST /api/v1/webhooks``, one event type per call (A.6). Not retried."""
        body = {"tenant_id": self.tenant_id, "url": url, "secret": secret, "event_type": event_type}
        return self._parse(
            RemoteWebhook.from_api, self.request("POST", api.WEBHOOKS_PATH, json=body)
        )


__all__ = [
    "AllureConnectClient",
    "LaunchTicket",
    "MalformedResponse",
    "RateLimitResetRetry",
    "RemoteDispatch",
    "RemotePackage",
    "RemoteSession",
    "RemoteWebhook",
    "UploadTicket",
]
