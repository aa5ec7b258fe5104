"""The HTTP base shared by the remote providers' clients (django-anymail's pattern).

It owns everything about talking HTTP: one ``requests.Session`` per client and thread, a (connect, read)
timeout on every call, retries with exponential backoff on 429 and 5xx for idempotent calls
only, and the mapping of failures to the provider exception family. Subclasses only build
requests and parse answers. Credentials travel in headers and never appear in a log line or
an exception message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .exceptions import (
    ProviderAPIError,
    ProviderAuthError,
    ProviderConflict,
    ProviderConnectionError,
    ProviderNotFound,
    ProviderRateLimited,
    ProviderServerError,
)

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


class BackoffRetry(Retry):
    """urllib3's Retry; subclasses may read other rate-limit headers."""


class ApiClient:
    """Base class of a provider's thin REST client."""

    #: Shown in error messages: "SCORM Cloud rejected our credentials."
    service_name: ClassVar[str] = "The provider"
    retry_class: ClassVar[type[Retry]] = BackoffRetry
    user_agent: ClassVar[str] = "scorm-lms/0.1 (+requests)"

    def __init__(
        self,
        base_url: str,
        *,
        auth: requests.auth.AuthBase | tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: tuple[float, float] | None = None,
        retries: int | None = None,
        backoff_factor: float | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout or (
            settings.SCORM_HTTP_CONNECT_TIMEOUT,
            settings.SCORM_HTTP_READ_TIMEOUT,
        )
        self.retries = settings.SCORM_HTTP_RETRIES if retries is None else retries
        self.backoff_factor = (
            settings.SCORM_HTTP_BACKOFF_FACTOR if backoff_factor is None else backoff_factor
        )
        self._auth = auth
        self._headers = dict(headers or {})
        # A requests.Session is not safe to share between threads (a provider instance is
        # shared by every request thread): each thread gets its own pair.
        self._local = threading.local()

    @property
    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = self.create_session(IDEMPOTENT_METHODS)
        return self._local.session

    @property
    def _session_any_method(self) -> requests.Session:
        # POSTs are retried only where the API makes them safe to repeat (the caller says so).
        if not hasattr(self._local, "session_any_method"):
            self._local.session_any_method = self.create_session(
                IDEMPOTENT_METHODS | {"POST", "PATCH"}
            )
        return self._local.session_any_method

    def __repr__(self) -> str:  # never show auth
        return f"<{type(self).__name__} {self.base_url}>"

    def create_session(self, retry_methods: Iterable[str]) -> requests.Session:
        session = requests.Session()
        session.auth = self._auth
        session.headers.update(
            {"User-Agent": self.user_agent, "Accept": "application/json", **self._headers}
        )
        retry = self.retry_class(
            total=self.retries,
            connect=self.retries,
            read=self.retries,
            status=self.retries,
            allowed_methods=frozenset(retry_methods),
            status_forcelist=RETRY_STATUSES,
            backoff_factor=self.backoff_factor,
            backoff_max=30,
            respect_retry_after_header=True,
            # urllib3 would otherwise sleep up to 6 hours on a large Retry-After, in a web request.
            retry_after_max=30,
            raise_on_status=False,  # hand back the last response so it can be mapped
        )
        adapter = HTTPAdapter(max_retries=retry)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def url(self, path: str) -> str:
        return (
            path
            if path.startswith(("http://", "https://"))
            else f"{self.base_url}/{path.lstrip('/')}"
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool | None = None,
        ok_statuses: Iterable[int] = (),
        **kwargs: Any,
    ) -> requests.Response:
        """Send one request and return a 2xx response (or one whose status is in ``ok_statuses``).

        ``idempotent=True`` lets a POST be retried; by default only idempotent methods are.
        """
        method = method.upper()
        kwargs.setdefault("timeout", self.timeout)
        session = self._session_any_method if idempotent else self._session
        started = time.monotonic()
        try:
            response = session.request(method, self.url(path), **kwargs)
        except requests.exceptions.RetryError as err:
            raise ProviderServerError(
                f"{self.service_name} kept failing after {self.retries} retries.", status=None
            ) from err
        except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as err:
            logger.warning(
                "%s %s %s: no answer (%s)", self.service_name, method, path, type(err).__name__
            )
            raise ProviderConnectionError(
                f"{self.service_name} could not be reached (timeout or network error). Please try again shortly."
            ) from err
        except requests.exceptions.RequestException as err:
            raise ProviderConnectionError(
                f"{self.service_name} request failed: {type(err).__name__}."
            ) from err
        logger.info(
            "%s %s %s -> %s in %.0f ms",
            self.service_name,
            method,
            path,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        if response.ok or response.status_code in set(ok_statuses):
            return response
        raise self.error_for(response)

    def json(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError as err:
            raise ProviderAPIError(
                f"{self.service_name} sent an answer that is not JSON.", status=response.status_code
            ) from err

    # Error mapping -------------------------------------------------------------------------

    def parse_error(self, response: requests.Response) -> tuple[str, str]:
        """(message, code) from an error body; providers override for their shapes."""
        try:
            body = response.json()
        except ValueError:
            return "", ""
        if isinstance(body, Mapping):
            for key in ("message", "error"):
                if isinstance(body.get(key), str):
                    return body[key], str(body.get("code", ""))
        return "", ""

    def error_for(self, response: requests.Response) -> ProviderAPIError:
        message, code = self.parse_error(response)
        status = response.status_code
        message = message[:500]
        if status in (401, 403):
            cls: type[ProviderAPIError] = ProviderAuthError
            message = message or f"{self.service_name} rejected our credentials."
        elif status == 404:
            cls = ProviderNotFound
        elif status == 409:
            cls = ProviderConflict
        elif status == 429:
            cls = ProviderRateLimited
            message = (
                message or f"{self.service_name} is rate-limiting us. Please try again shortly."
            )
        elif status >= 500:
            cls = ProviderServerError
            message = (
                message or f"{self.service_name} had an internal error. Please try again shortly."
            )
        else:
            cls = ProviderAPIError
        return cls(message or None, status=status, code=code)
