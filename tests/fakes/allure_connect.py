"""A stateful fake of AllureConnect, served over real HTTP on loopback (a werkzeug WSGI app in a
thread), so tests go through the real requests/urllib3 stack: sessions, retries, timeouts.

It follows the public guide and docs/allureconnect-and-lms-anchors.md Part A:

* API key as ``Authorization: Bearer`` or ``X-API-Key``; ``read``/``write`` scopes; tenant checks
  (403 TENANT_MISMATCH); errors in either documented shape (``error_shape`` or per fault);
  ``X-RateLimit-*`` headers on every API answer.
* Uploads: upload-url → presigned ``PUT /storage/<id>`` (refused unless it carries exactly the
  required headers and no credentials) → process; and the legacy multipart ``POST /api/v1/packages``.
  Packages stay ``processing`` for ``processing_polls`` reads of ``GET /api/v1/packages/<id>``.
* Launch mints a signed token with a TTL (``token_ttl``; ``advance_clock`` moves time on). The
  player ``/player/<session_id>?token=…`` answers 401 "Launch link unavailable" without a valid
  token, else a page with a **Complete course** button. Completing sets the session
  completed/passed with ``completion_result``, bumps ``version``, shows in GET only after
  ``completion_delay`` seconds, and (if ``webhook_url`` is set) sends a signed webhook.
* Sessions with ``version`` and 409 on a stale PUT (``concurrent_edit`` simulates another writer),
  refresh-token, the session list, webhooks and dispatches.
* Faults: ``fail`` (any status, either error shape, raw bodies), ``rate_limit`` (429 with
  ``X-RateLimit-Reset``), ``slow`` (for timeouts).

Every request is recorded in ``requests`` (method, path, query, headers, body, time).
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import hmac
import html
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self

import requests
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

KNOWN_EVENTS = frozenset(
    {
        "session.launched",
        "session.completed",
        "session.scored",
        "package.updated",
        "package.processing.completed",
        "usage.threshold",
    }
)
DEFAULT_COMPLETION = {
    "completion_status": "completed",
    "success_status": "passed",
    "score": {"scaled": 0.8, "raw": 80, "min": 0, "max": 100},
    "cmi_data": {
        "cmi.core.lesson_status": "passed",
        "cmi.core.score.raw": "80",
        "cmi.core.score.max": "100",
    },
    "add_seconds": 600,
}


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Fault:
    method: str
    pattern: str
    status: int
    times: int
    code: str = ""
    message: str = ""
    shape: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    content_type: str = "text/html"
    reset_in: float | None = None

    def matches(self, method: str, path: str) -> bool:
        return (
            self.times > 0
            and self.method in ("*", method)
            and fnmatch.fnmatchcase(path, self.pattern)
        )


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass  # request lines would carry launch tokens into the test output


def _iso(timestamp: float) -> str:
    return (
        datetime.fromtimestamp(timestamp, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


class FakeAllureConnect:
    DEFAULT_API_KEY = "ac_test_fake_key_4f1c2e9a7b3d"
    DEFAULT_TENANT_ID = "550e8400-e29b-41d4-a716-446655440000"

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        tenant_id: str = DEFAULT_TENANT_ID,
        scopes: frozenset[str] = frozenset({"read", "write"}),
        processing_polls: int = 1,
        processing_error: str = "",
        token_ttl: float = 14_400,
        error_shape: str = "flat",
        completion_delay: float = 0.0,
        completion_result: Mapping[str, Any] | None = None,
        webhook_url: str = "",
        webhook_secret: str = "",
        refresh_includes_launch_url: bool = False,
        enforce_tenant_param: bool = True,
        filter_session_list: bool = True,
        echo_key_in_errors: bool = False,
    ) -> None:
        self.api_key = api_key
        self.tenant_id = tenant_id
        self.scopes = scopes
        self.processing_polls = processing_polls
        self.processing_error = processing_error
        self.token_ttl = token_ttl
        self.error_shape = error_shape
        self.completion_delay = completion_delay
        self.completion_result = dict(completion_result or DEFAULT_COMPLETION)
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.refresh_includes_launch_url = refresh_includes_launch_url
        self.enforce_tenant_param = enforce_tenant_param
        self.filter_session_list = filter_session_list
        self.echo_key_in_errors = echo_key_in_errors

        self.url = ""
        self.requests: list[Recorded] = []
        self.packages: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.dispatches: dict[str, dict[str, Any]] = {}
        self.webhooks: list[dict[str, Any]] = []
        self.launches: list[dict[str, Any]] = []
        self.webhook_deliveries: list[dict[str, Any]] = []
        self.last_puts: dict[str, dict[str, Any]] = {}
        self.faults: list[Fault] = []
        self.slow_routes: list[tuple[str, str, float]] = []
        self._concurrent_edits: dict[str, list[dict[str, Any]]] = {}
        self._pending: dict[str, tuple[float, dict[str, Any]]] = {}
        self._clock_offset = 0.0
        self._signing_key = secrets.token_bytes(32)
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._server: Any = None
        self._routes = Map(
            [
                Rule("/api/health", endpoint="health", methods=["GET"]),
                Rule("/api/v1/packages/upload-url", endpoint="upload_url", methods=["POST"]),
                Rule("/api/v1/packages/process", endpoint="process", methods=["POST"]),
                Rule("/api/v1/packages", endpoint="packages", methods=["GET", "POST"]),
                Rule("/api/v1/packages/<package_id>", endpoint="package", methods=["GET"]),
                Rule("/api/v1/packages/<package_id>/launch", endpoint="launch", methods=["POST"]),
                Rule(
                    "/api/v1/packages/<package_id>/dispatches",
                    endpoint="dispatches",
                    methods=["POST"],
                ),
                Rule("/api/v1/sessions", endpoint="sessions", methods=["GET"]),
                Rule("/api/v1/sessions/<session_id>", endpoint="session", methods=["GET", "PUT"]),
                Rule(
                    "/api/v1/sessions/<session_id>/refresh-token",
                    endpoint="refresh_token",
                    methods=["POST"],
                ),
                Rule("/api/v1/webhooks", endpoint="webhooks", methods=["POST"]),
                Rule("/storage/<upload_id>", endpoint="storage", methods=["PUT"]),
                Rule("/player/dispatch/<dispatch_id>", endpoint="dispatch_player", methods=["GET"]),
                Rule("/player/<session_id>", endpoint="player", methods=["GET"]),
                Rule("/player/<session_id>/complete", endpoint="player_complete", methods=["POST"]),
            ]
        )

    # Lifecycle ----------------------------------------------------------------------------------

    @classmethod
    @contextmanager
    def running(cls, **options: Any) -> Iterator[Self]:
        fake = cls(**options)
        fake.start()
        try:
            yield fake
        finally:
            fake.stop()

    def start(self) -> None:
        self._server = make_server(
            "127.0.0.1", 0, self, threaded=True, request_handler=_QuietHandler
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        # A short poll interval keeps shutdown (every test's teardown) fast.
        threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="fake-allure-connect",
            daemon=True,
        ).start()

    def stop(self) -> None:
        self._stop.set()  # wakes slow routes
        self._server.shutdown()
        self._server.server_close()

    def apply_to(self, settings: Any) -> None:
        """Point the ALLURE_CONNECT_* settings (pytest-django's ``settings`` fixture) at this fake."""
        settings.ALLURE_CONNECT_BASE_URL = self.url
        settings.ALLURE_CONNECT_API_KEY = self.api_key
        settings.ALLURE_CONNECT_TENANT_ID = self.tenant_id
        settings.ALLURE_CONNECT_WEBHOOK_SECRET = self.webhook_secret
        settings.ALLURE_CONNECT_AUTH_HEADER = "bearer"
        settings.ALLURE_CONNECT_UPLOAD_FLOW = "presigned"

    # Test controls ------------------------------------------------------------------------------

    def now(self) -> float:
        return time.time() + self._clock_offset

    def advance_clock(self, seconds: float) -> None:
        """Move the fake's clock on (token expiry) without sleeping."""
        self._clock_offset += seconds

    def fail(
        self,
        method: str,
        pattern: str,
        status: int,
        *,
        code: str = "",
        message: str = "",
        times: int = 1,
        shape: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        content_type: str = "text/html",
    ) -> None:
        """Answer the next ``times`` matching requests (fnmatch ``pattern`` on the path) with an
        error in the documented shapes, or with ``body`` as it is."""
        self.faults.append(
            Fault(
                method,
                pattern,
                status,
                times,
                code,
                message or f"Injected {status}",
                shape,
                dict(headers or {}),
                body,
                content_type,
            )
        )

    def rate_limit(self, method: str, pattern: str, *, reset_in: float, times: int = 1) -> None:
        """429 RATE_LIMIT_EXCEEDED with ``X-RateLimit-Reset`` = now + ``reset_in`` (fractional
        here so tests stay fast; the real API documents a Unix timestamp)."""
        self.faults.append(
            Fault(
                method,
                pattern,
                429,
                times,
                "RATE_LIMIT_EXCEEDED",
                "Rate limit exceeded",
                reset_in=reset_in,
            )
        )

    def slow(self, method: str, pattern: str, seconds: float) -> None:
        self.slow_routes.append((method, pattern, seconds))

    def concurrent_edit(
        self, session_id: str, changes: Mapping[str, Any], *, times: int = 1
    ) -> None:
        """Before each of the next ``times`` PUTs of the session, another writer changes it."""
        self._concurrent_edits.setdefault(session_id, []).extend(
            dict(changes) for _ in range(times)
        )

    def requests_to(self, method: str, pattern: str) -> list[Recorded]:
        with self._lock:
            return [
                r
                for r in self.requests
                if r.method == method and fnmatch.fnmatchcase(r.path, pattern)
            ]

    def add_package(
        self, package_id: str | None = None, *, status: str = "ready", tenant_id: str | None = None
    ) -> str:
        package_id = package_id or f"pkg_{secrets.token_hex(6)}"
        with self._lock:
            self.packages[package_id] = {
                "id": package_id,
                "tenant_id": tenant_id or self.tenant_id,
                "filename": f"{package_id}.zip",
                "uploaded_by": "seed",
                "version": 1,
                "status": status,
                "polls_left": 0,
                "error": "",
                "created_at": _iso(self.now()),
            }
        return package_id

    def add_session(
        self, session_id: str, *, user_id: str, package_id: str, **fields: Any
    ) -> dict[str, Any]:
        with self._lock:
            session = self._new_session(session_id, user_id=user_id, package_id=package_id)
            session.update(fields)
            self.sessions[session_id] = session
            return session

    def complete(self, session_id: str) -> None:
        """What the player's Complete course button does, without a browser."""
        after = self._complete(session_id)
        after()

    # WSGI ---------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        body = request.get_data(cache=True)
        with self._lock:
            self.requests.append(
                Recorded(
                    request.method,
                    request.path,
                    dict(request.args),
                    dict(request.headers),
                    body,
                    time.monotonic(),
                )
            )
            fault = next((f for f in self.faults if f.matches(request.method, request.path)), None)
            if fault:
                fault.times -= 1
            delay = next(
                (
                    s
                    for m, p, s in self.slow_routes
                    if m in ("*", request.method) and fnmatch.fnmatchcase(request.path, p)
                ),
                0.0,
            )
        if delay:
            self._stop.wait(delay)
        after: Callable[[], None] | None = None
        if fault:
            response = self._fault_response(fault)
        else:
            try:
                endpoint, values = self._routes.bind_to_environ(environ).match()
            except HTTPException as err:
                response = (
                    self._error(err.code or 404, "NOT_FOUND", err.name)
                    if request.path.startswith("/api/")
                    else err
                )
            else:
                with self._lock:
                    result = getattr(self, f"_{endpoint}")(request, **values)
                response, after = result if isinstance(result, tuple) else (result, None)
        if after is not None:
            after()  # outside the lock: a webhook receiver may call back into the fake
        if request.path.startswith("/api/") and "X-RateLimit-Reset" not in response.headers:
            response.headers.update(
                {
                    "X-RateLimit-Limit": "100",
                    "X-RateLimit-Remaining": "99",
                    "X-RateLimit-Reset": str(int(time.time()) + 60),
                }
            )
        return response(environ, start_response)

    # Helpers ------------------------------------------------------------------------------------

    def _json(self, data: Any, status: int = 200) -> Response:
        return Response(json.dumps(data), status=status, content_type="application/json")

    def _error(
        self,
        status: int,
        code: str,
        message: str,
        *,
        shape: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        if (shape or self.error_shape) == "nested":
            body: dict[str, Any] = {"error": {"code": code, "message": message}}
        else:
            body = {"error": message, "code": code, "details": {}}
        response = self._json(body, status)
        response.headers.update(dict(headers or {}))
        return response

    def _fault_response(self, fault: Fault) -> Response:
        headers = dict(fault.headers)
        if fault.reset_in is not None:
            headers.update(
                {
                    "X-RateLimit-Limit": "10",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + fault.reset_in:.3f}",
                }
            )
        if fault.body is not None:
            return Response(
                fault.body, status=fault.status, headers=headers, content_type=fault.content_type
            )
        return self._error(
            fault.status, fault.code, fault.message, shape=fault.shape, headers=headers
        )

    def _authenticate(self, request: Request, scope: str) -> Response | None:
        authorization = request.headers.get("Authorization", "")
        key = (
            authorization[7:]
            if authorization.startswith("Bearer ")
            else request.headers.get("X-API-Key", "")
        )
        if not key:
            return self._error(401, "UNAUTHORIZED", "Authentication required")
        if not hmac.compare_digest(key.encode(), self.api_key.encode()):
            detail = f": {key}" if self.echo_key_in_errors else ""
            return self._error(401, "INVALID_API_KEY", f"Invalid API key{detail}")
        if scope not in self.scopes:
            return self._error(403, "INSUFFICIENT_SCOPES", f"This key lacks the {scope} scope")
        return None

    def _tenant_mismatch(self, tenant_id: object) -> Response | None:
        if tenant_id != self.tenant_id:
            return self._error(403, "TENANT_MISMATCH", "Tenant does not match API key")
        return None

    def _body(self, request: Request) -> dict[str, Any]:
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else {}

    def _new_package(
        self, *, filename: str, uploaded_by: str, content: bytes, package_id: str = ""
    ) -> dict[str, Any]:
        existing = self.packages.get(package_id) if package_id else None
        package_id = package_id or f"pkg_{secrets.token_hex(6)}"
        package = {
            "id": package_id,
            "tenant_id": self.tenant_id,
            "filename": filename,
            "uploaded_by": uploaded_by,
            "version": existing["version"] + 1 if existing else 1,
            "status": "processing",
            "polls_left": self.processing_polls,
            "error": "",
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
            "created_at": _iso(self.now()),
        }
        self.packages[package_id] = package
        return package

    def _package_view(self, package: Mapping[str, Any]) -> dict[str, Any]:
        view = {k: v for k, v in package.items() if k not in ("polls_left", "sha256")}
        if not view["error"]:
            view.pop("error")
        return view

    def _new_session(self, session_id: str, *, user_id: str, package_id: str) -> dict[str, Any]:
        now = _iso(self.now())
        return {
            "id": session_id,
            "tenant_id": self.tenant_id,
            "user_id": user_id,
            "package_id": package_id,
            "cmi_data": {},
            "completion_status": "unknown",
            "success_status": "unknown",
            "score": None,
            "time_spent_seconds": 0,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }

    def _settled(self, session_id: str) -> dict[str, Any] | None:
        """The session as GET shows it: a completion becomes visible after its delay."""
        pending = self._pending.get(session_id)
        if pending and time.monotonic() >= pending[0]:
            self.sessions[session_id].update(pending[1])
            del self._pending[session_id]
        return self.sessions.get(session_id)

    def _mint(self, session_id: str, ttl: float | None = None) -> str:
        payload = (
            f"{session_id}|{self.now() + (self.token_ttl if ttl is None else ttl):.3f}".encode()
        )
        signature = hmac.new(self._signing_key, payload, hashlib.sha256).hexdigest()
        return f"{base64.urlsafe_b64encode(payload).decode().rstrip('=')}.{signature}"

    def token_valid(self, token: str, session_id: str) -> bool:
        encoded, _, signature = token.partition(".")
        try:
            payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except ValueError:
            return False
        expected = hmac.new(self._signing_key, payload, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return False
        token_session, _, expires = payload.decode(errors="replace").partition("|")
        return token_session == session_id and float(expires) > self.now()

    def _launch_url(self, session_id: str, token: str) -> str:
        return f"{self.url}/player/{session_id}?token={token}"

    def _complete(self, session_id: str) -> Callable[[], None]:
        with self._lock:
            session = self._settled(session_id)
            if session is None:
                raise KeyError(session_id)
            result = self.completion_result
            change = {
                "completion_status": result["completion_status"],
                "success_status": result["success_status"],
                "score": result["score"],
                "cmi_data": {**session["cmi_data"], **result["cmi_data"]},
                "time_spent_seconds": session["time_spent_seconds"] + result["add_seconds"],
                "version": session["version"] + 1,
                "updated_at": _iso(self.now()),
            }
            if self.completion_delay:
                self._pending[session_id] = (time.monotonic() + self.completion_delay, change)
            else:
                session.update(change)
            event = {
                "event": "session.completed",
                "data": {
                    "session_id": session_id,
                    "user_id": session["user_id"],
                    "package_id": session["package_id"],
                    "completion_status": change["completion_status"],
                    "success_status": change["success_status"],
                    "score": change["score"],
                },
                "timestamp": _iso(self.now()),
            }
        if not self.webhook_url:
            return lambda: None
        if self.completion_delay:
            return lambda: threading.Timer(
                self.completion_delay, self.send_webhook, args=(event,)
            ).start()
        return lambda: self.send_webhook(event)

    def send_webhook(
        self, event: Mapping[str, Any], *, secret: str | None = None
    ) -> requests.Response | None:
        """POST a signed event to ``webhook_url``, as AllureConnect would (A.6)."""
        body = json.dumps(event).encode()
        signature = hmac.new(
            (secret or self.webhook_secret).encode(), body, hashlib.sha256
        ).hexdigest()
        try:
            response = requests.post(
                self.webhook_url,
                data=body,
                headers={"Content-Type": "application/json", "X-Allure-Signature": signature},
                timeout=10,
                allow_redirects=False,
            )
        except requests.RequestException as err:
            self.webhook_deliveries.append({"event": event, "status": None, "error": repr(err)})
            return None
        self.webhook_deliveries.append(
            {"event": event, "status": response.status_code, "text": response.text}
        )
        return response

    # API routes ---------------------------------------------------------------------------------

    def _health(self, request: Request) -> Response:
        return self._json({"status": "ok"})

    def _upload_url(self, request: Request) -> Response:
        if denied := self._authenticate(request, "write"):
            return denied
        data = self._body(request)
        if missing := [
            k for k in ("tenant_id", "uploaded_by", "filename", "file_size") if not data.get(k)
        ]:
            return self._error(400, "INVALID_REQUEST", f"Missing fields: {', '.join(missing)}")
        if denied := self._tenant_mismatch(data["tenant_id"]):
            return denied
        upload_id = f"upl_{secrets.token_hex(6)}"
        signature = secrets.token_hex(16)
        required = {"Content-Type": "application/zip", "x-amz-meta-upload-id": upload_id}
        self.uploads[upload_id] = {
            **data,
            "signature": signature,
            "required": required,
            "content": None,
        }
        return self._json(
            {
                "upload_id": upload_id,
                "presigned_url": f"{self.url}/storage/{upload_id}?X-Amz-Expires=900&X-Amz-Signature={signature}",
                "required_put_headers": required,
                "expires_in_seconds": 900,
            }
        )

    def _storage(self, request: Request, upload_id: str) -> Response:
        def refuse(status: int, code: str) -> Response:
            return Response(
                f"<Error><Code>{code}</Code></Error>", status=status, content_type="application/xml"
            )

        upload = self.uploads.get(upload_id)
        if upload is None:
            return refuse(404, "NoSuchUpload")
        if "Authorization" in request.headers or "X-API-Key" in request.headers:
            return refuse(400, "InvalidArgument")  # S3/R2: only one auth mechanism allowed
        if request.args.get("X-Amz-Signature") != upload["signature"]:
            return refuse(403, "SignatureDoesNotMatch")
        if any(request.headers.get(name) != value for name, value in upload["required"].items()):
            return refuse(403, "SignatureDoesNotMatch")
        content = request.get_data()
        if len(content) != int(upload["file_size"]):
            return refuse(400, "IncompleteBody")
        upload["content"] = content
        upload["put_headers"] = dict(request.headers)
        return Response(
            "",
            status=200,
            headers={"ETag": hashlib.md5(content, usedforsecurity=False).hexdigest()},
        )

    def _process(self, request: Request) -> Response:
        if denied := self._authenticate(request, "write"):
            return denied
        data = self._body(request)
        if denied := self._tenant_mismatch(data.get("tenant_id")):
            return denied
        upload = self.uploads.get(str(data.get("upload_id", "")))
        if upload is None or upload["content"] is None:
            return self._error(400, "INVALID_REQUEST", "No completed upload with this upload_id")
        package = self._new_package(
            filename=upload["filename"],
            uploaded_by=upload["uploaded_by"],
            content=upload["content"],
        )
        upload["package_id"] = package["id"]
        return self._json({"package_id": package["id"], "status": "processing"}, status=202)

    def _packages(self, request: Request) -> Response:
        if request.method == "GET":
            if denied := self._authenticate(request, "read"):
                return denied
            if self.enforce_tenant_param and (
                denied := self._tenant_mismatch(request.args.get("tenant_id"))
            ):
                return denied
            return self._json({"packages": [self._package_view(p) for p in self.packages.values()]})
        # The legacy multipart upload.
        if denied := self._authenticate(request, "write"):
            return denied
        upload = request.files.get("file")
        if upload is None:
            return self._error(400, "MISSING_FILE", "No file in the upload")
        if denied := self._tenant_mismatch(request.form.get("tenant_id")):
            return denied
        uploaded_by = request.form.get("uploaded_by", "")
        if not uploaded_by or len(uploaded_by) > 255:
            return self._error(
                400, "INVALID_REQUEST", "uploaded_by is required (at most 255 characters)"
            )
        package_id = request.form.get("package_id", "")
        if package_id and package_id not in self.packages:
            return self._error(404, "PACKAGE_NOT_FOUND", "Package not found")
        content = upload.read()
        if not content.startswith(b"PK"):
            return self._error(400, "INVALID_FILE_TYPE", "Not a zip file")
        package = self._new_package(
            filename=upload.filename or "",
            uploaded_by=uploaded_by,
            content=content,
            package_id=package_id,
        )
        package["legacy_form"] = dict(request.form)
        return self._json(
            {
                "package_id": package["id"],
                "version": package["version"],
                "launch_url": f"{self.url}/player/package/{package['id']}",
                "status": "processing",
            },
            status=201,
        )

    def _package(self, request: Request, package_id: str) -> Response:
        if denied := self._authenticate(request, "read"):
            return denied
        package = self.packages.get(package_id)
        if package is None or package["tenant_id"] != self.tenant_id:
            return self._error(404, "PACKAGE_NOT_FOUND", "Package not found")
        if package["status"] == "processing":
            if package["polls_left"] > 0:
                package["polls_left"] -= 1
            elif self.processing_error:
                package.update(status="failed", error=self.processing_error)
            else:
                package["status"] = "ready"
        return self._json(self._package_view(package))

    def _launch(self, request: Request, package_id: str) -> Response:
        if denied := self._authenticate(request, "write"):
            return denied
        data = self._body(request)
        user_id, session_id = data.get("user_id"), data.get("session_id")
        for name, value in (("user_id", user_id), ("session_id", session_id)):
            if not isinstance(value, str) or not value or len(value) > 255:
                return self._error(400, "INVALID_REQUEST", f"Invalid {name}")
        package = self.packages.get(package_id)
        if package is None:
            return self._error(404, "PACKAGE_NOT_FOUND", "Package not found")
        if package["status"] != "ready":
            return self._error(400, "INVALID_REQUEST", "Package is not ready")
        session = self._settled(session_id)
        if session is None:
            session = self.sessions[session_id] = self._new_session(
                session_id, user_id=user_id, package_id=package_id
            )
        elif session["user_id"] != user_id or session["package_id"] != package_id:
            return self._error(409, "DUPLICATE_ENTRY", "Session already exists")
        launch_url = self._launch_url(session_id, self._mint(session_id))
        self.launches.append(
            {"session_id": session_id, "user_id": user_id, "launch_url": launch_url}
        )
        return self._json(
            {
                "package_id": package_id,
                "session_id": session_id,
                "learner_id": user_id,
                "content_type": "scorm",
                "storage_backend": "r2",
                "launch_url": launch_url,
                "expires_in_seconds": self.token_ttl,
            }
        )

    def _sessions(self, request: Request) -> Response:
        if denied := self._authenticate(request, "read"):
            return denied
        sessions = [self._settled(sid) for sid in list(self.sessions)]
        if self.filter_session_list:
            sessions = [
                s
                for s in sessions
                if s
                and s["package_id"] == request.args.get("package_id", s["package_id"])
                and s["user_id"] == request.args.get("user_id", s["user_id"])
            ]
        return self._json({"sessions": sessions})

    def _session(self, request: Request, session_id: str) -> Response:
        if denied := self._authenticate(request, "read" if request.method == "GET" else "write"):
            return denied
        session = self._settled(session_id)
        if session is None or session["tenant_id"] != self.tenant_id:
            return self._error(404, "SESSION_NOT_FOUND", "Session not found")
        if request.method == "GET":
            return self._json(session)
        data = self._body(request)
        if not isinstance(data.get("version"), int):
            return self._error(400, "INVALID_REQUEST", "version is required")
        if edits := self._concurrent_edits.get(session_id):
            edit = edits.pop(0)
            session.update(
                {k: v for k, v in edit.items() if k != "cmi_data"},
                cmi_data={**session["cmi_data"], **edit.get("cmi_data", {})},
                version=session["version"] + 1,
                updated_at=_iso(self.now()),
            )
        if data["version"] != session["version"]:
            return self._error(409, "VERSION_CONFLICT", "Version conflict")
        for key in ("cmi_data", "completion_status", "success_status", "score"):
            if key in data:
                session[key] = data[key]
        session["version"] += 1
        session["updated_at"] = _iso(self.now())
        self.last_puts[session_id] = data
        return self._json(session)

    def _refresh_token(self, request: Request, session_id: str) -> Response:
        if denied := self._authenticate(request, "write"):
            return denied
        if self._settled(session_id) is None:
            return self._error(404, "SESSION_NOT_FOUND", "Session not found")
        token = self._mint(session_id)
        answer: dict[str, Any] = {
            "session_id": session_id,
            "token": token,
            "expires_in_seconds": self.token_ttl,
        }
        if self.refresh_includes_launch_url:
            answer["launch_url"] = self._launch_url(session_id, token)
        return self._json(answer)

    def _webhooks(self, request: Request) -> Response:
        if denied := self._authenticate(request, "write"):
            return denied
        data = self._body(request)
        if denied := self._tenant_mismatch(data.get("tenant_id")):
            return denied
        if not data.get("url") or not data.get("secret"):
            return self._error(400, "INVALID_REQUEST", "url and secret are required")
        if data.get("event_type") not in KNOWN_EVENTS:
            return self._error(400, "INVALID_REQUEST", "Unknown event_type")
        webhook = {"id": f"webhook_{secrets.token_hex(6)}", **data, "created_at": _iso(self.now())}
        self.webhooks.append(webhook)
        return self._json({k: v for k, v in webhook.items() if k != "secret"}, status=201)

    def _dispatches(self, request: Request, package_id: str) -> Response:
        if denied := self._authenticate(request, "write"):
            return denied
        package = self.packages.get(package_id)
        if package is None:
            return self._error(404, "PACKAGE_NOT_FOUND", "Package not found")
        data = self._body(request)
        if not data.get("label") or not data.get("destination"):
            return self._error(400, "INVALID_REQUEST", "label and destination are required")
        dispatch_id = f"dsp_{secrets.token_hex(6)}"
        url = f"{self.url}/player/dispatch/{dispatch_id}"
        dispatch = {
            "id": dispatch_id,
            "packageId": package_id,
            "status": "active",
            "launchUrl": url,
            "label": data["label"],
            "destination": data["destination"],
            "registrationLimit": data.get("registration_limit"),
            "expiresInHours": data.get("expires_in_hours"),
            "allowedDomains": data.get("allowed_domains", []),
        }
        self.dispatches[dispatch_id] = {**dispatch, "request": data}
        return self._json({"dispatch": dispatch, "dispatch_url": url}, status=201)

    # Player routes ------------------------------------------------------------------------------

    def _unavailable(self) -> Response:
        return Response(
            "<!doctype html><title>Launch link unavailable</title><h1>Launch link unavailable</h1>",
            status=401,
            content_type="text/html",
        )

    def _player(self, request: Request, session_id: str) -> Response:
        token = request.args.get("token", "")
        session = self._settled(session_id)
        if session is None or not token or not self.token_valid(token, session_id):
            return self._unavailable()
        status = html.escape(f"{session['completion_status']} / {session['success_status']}")
        return Response(
            "<!doctype html><html><head><title>AllureConnect player (fake)</title></head><body>"
            f"<h1>Fake course {html.escape(session['package_id'])}</h1>"
            f'<p data-testid="status">Status: {status}</p>'
            f'<form method="post" action="/player/{html.escape(session_id)}/complete">'
            f'<input type="hidden" name="token" value="{html.escape(token)}">'
            '<button type="submit">Complete course</button></form></body></html>',
            content_type="text/html",
        )

    def _player_complete(
        self, request: Request, session_id: str
    ) -> Response | tuple[Response, Callable[[], None]]:
        token = request.form.get("token", "")
        if self._settled(session_id) is None or not self.token_valid(token, session_id):
            return self._unavailable()
        after = self._complete(session_id)
        page = Response(
            "<!doctype html><title>Course completed</title><h1>Course completed</h1>",
            content_type="text/html",
        )
        return page, after

    def _dispatch_player(self, request: Request, dispatch_id: str) -> Response:
        if dispatch_id not in self.dispatches:
            return Response("Dispatch not found", status=404)
        return Response(
            "<!doctype html><title>Dispatch</title><h1>Dispatch player (fake)</h1>",
            content_type="text/html",
        )
