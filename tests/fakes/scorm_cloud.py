"""A stateful fake of SCORM Cloud's REST API v2, served over real HTTP on loopback.

It speaks the shapes of Rustici's official client (``rustici_software_cloud_v2`` 5.0.0): the
contract tests deserialize everything it answers with the official models, and check everything
it receives against the official operations. What it models:

* HTTP Basic auth with one app id/secret; a wrong one gets 401 ``{"error": "Authorization Required."}``.
* Courses and their versions (0-based), created by upload import jobs that stay RUNNING for
  ``import_polls`` status reads, then COMPLETE, or ERROR when the file name contains "broken".
  An existing course without ``mayCreateNewVersion=true`` is a 409.
* Registrations: a duplicate id is a 400 "Registration with id [X] already exists", an unknown
  course a 404. ``DELETE /registrations/{id}/progress`` (reset) is served but recorded in
  ``forbidden``: the suite fails if anything ever calls it.
* Launch links that point at the fake's own player page, ``/fake-player/<registrationId>``. Its
  "Complete course" button records ``player_result`` (COMPLETED, PASSED, 85% by default) and
  redirects the browser to the registration's ``redirectOnExitUrl``; "Exit" leaves it incomplete.
  With ``completion_delay`` seconds the API keeps reporting INCOMPLETE for that long after the
  click, like SCORM Cloud's late rollup.
* Postbacks: once a result is in effect, the registration's ``postBack`` is POSTed in a
  background thread, in its own ``authType`` (``postback_mode="registration"``), or forced to
  ``"httpbasic"`` / ``"form"``, or not at all (``"off"``). Deliveries are in ``postbacks``.
* Fault injection: :meth:`inject` answers the next matching requests with an error status (429
  comes with ``Retry-After: 0``), optionally after doing the work (a lost answer); :meth:`slow`
  delays them (client timeouts).

Every request is recorded in ``exchanges`` with the answer. Use it as a context manager, or
through the ``fake_scorm_cloud`` / ``scorm_cloud`` pytest fixtures defined at the bottom.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any, Literal

import pytest
import requests
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

API_PREFIX = "/api/v2"
FAKE_APP_ID = "fake-app-id"
FAKE_SECRET_KEY = "fake-secret-key-never-logged"
PostbackMode = Literal["registration", "httpbasic", "form", "off"]


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _now() -> datetime:
    return datetime.now(UTC)


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


@dataclass
class Exchange:
    """One request the fake received and what it answered. ``path`` is relative to the API
    root (``/registrations/abc``) for API calls, the full path otherwise."""

    method: str
    path: str
    api: bool
    query: dict[str, list[str]]
    headers: dict[str, str]
    json_body: Any = None
    form: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    file_bytes: dict[str, bytes] = field(default_factory=dict)
    status: int = 0
    response_json: Any = None
    response_text: str = ""


@dataclass
class Injection:
    status: int
    times: int
    method: str | None
    path: str | None  # a regex searched in the API path
    after: bool  # do the work, then answer with the error (the answer is "lost")
    delay: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or re.search(self.path, path) is not None
        )


@dataclass
class CourseVersion:
    id: str
    version: int
    title: str
    created: datetime

    def to_api(self, registration_count: int = 0) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "xapiActivityId": f"urn:fake-scorm-cloud:{self.id}",
            "created": _iso(self.created),
            "updated": _iso(self.created),
            "version": self.version,
            "registrationCount": registration_count,
            "activityId": f"{self.id}_root",
            "courseLearningStandard": "SCORM20044THEDITION",
            "tags": [],
            "dispatched": False,
        }


@dataclass
class ImportJob:
    id: str
    course_id: str
    filename: str
    may_create_new_version: bool
    polls_left: int
    status: str = "RUNNING"
    message: str = ""
    course: CourseVersion | None = None


@dataclass
class Result:
    """What the player records; ``effective_at`` delays it (late rollup)."""

    completion: str = "COMPLETED"
    success: str = "PASSED"
    score: float | None = 85.0
    seconds: float = 42.0
    effective_at: datetime = field(default_factory=_now)


@dataclass
class Registration:
    id: str
    course: CourseVersion
    learner: dict[str, str]
    post_back: dict[str, Any] | None
    created: datetime
    xapi_registration_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    completion: str = "UNKNOWN"
    success: str = "UNKNOWN"
    score: float | None = None
    seconds: float = 0.0
    updated: datetime | None = None
    first_access: datetime | None = None
    last_access: datetime | None = None
    completed: datetime | None = None
    pending: Result | None = None
    redirect_on_exit_url: str = ""


@dataclass
class LaunchToken:
    registration_id: str
    redirect_on_exit_url: str
    expires_at: datetime


@dataclass
class PostbackDelivery:
    registration_id: str
    url: str
    mode: str
    body: dict[str, Any]
    status: int | None = None
    error: str = ""


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # keep test output clean
        pass


class FakeScormCloud:
    """See the module docstring. All state is guarded by one lock; knobs are plain attributes
    that may be changed at any time."""

    def __init__(
        self,
        *,
        app_id: str = FAKE_APP_ID,
        secret_key: str = FAKE_SECRET_KEY,
        import_polls: int = 1,
        completion_delay: float = 0.0,
        postback_mode: PostbackMode = "registration",
        host: str = "127.0.0.1",
    ) -> None:
        self.app_id = app_id
        self.secret_key = secret_key
        self.import_polls = import_polls
        self.completion_delay = completion_delay
        self.postback_mode: PostbackMode = postback_mode
        self.player_result = Result()
        self.host = host
        self.courses: dict[str, list[CourseVersion]] = {}
        self.jobs: dict[str, ImportJob] = {}
        self.registrations: dict[str, Registration] = {}
        self.launch_tokens: dict[str, LaunchToken] = {}
        self.previews: list[str] = []  # course ids a preview link was made for
        self.exchanges: list[Exchange] = []
        self.postbacks: list[PostbackDelivery] = []
        self.forbidden: list[Exchange] = []
        self._injections: list[Injection] = []
        self._lock = threading.RLock()
        self._timers: list[threading.Timer] = []
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._map = Map(
            [
                Rule(f"{API_PREFIX}/ping", methods=["GET"], endpoint="ping"),
                Rule(
                    f"{API_PREFIX}/courses/importJobs/upload", methods=["POST"], endpoint="upload"
                ),
                Rule(
                    f"{API_PREFIX}/courses/importJobs/<job_id>",
                    methods=["GET"],
                    endpoint="import_job",
                ),
                Rule(f"{API_PREFIX}/courses/<course_id>", methods=["GET"], endpoint="course"),
                Rule(
                    f"{API_PREFIX}/courses/<course_id>/preview",
                    methods=["POST"],
                    endpoint="course_preview",
                ),
                Rule("/fake-preview/<course_id>", methods=["GET"], endpoint="preview_player"),
                Rule(
                    f"{API_PREFIX}/registrations", methods=["POST"], endpoint="create_registration"
                ),
                Rule(
                    f"{API_PREFIX}/registrations/<reg_id>",
                    methods=["GET", "HEAD"],
                    endpoint="registration",
                ),
                Rule(
                    f"{API_PREFIX}/registrations/<reg_id>/launchLink",
                    methods=["POST"],
                    endpoint="launch_link",
                ),
                Rule(
                    f"{API_PREFIX}/registrations/<reg_id>/progress",
                    methods=["DELETE"],
                    endpoint="reset",
                ),
                Rule("/fake-player/<reg_id>", methods=["GET"], endpoint="player"),
                Rule(
                    "/fake-player/<reg_id>/complete", methods=["POST"], endpoint="player_complete"
                ),
                Rule("/fake-player/<reg_id>/exit", methods=["POST"], endpoint="player_exit"),
            ]
        )

    # Lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeScormCloud:
        self._server = make_server(
            self.host, 0, self._wsgi, threaded=True, request_handler=_QuietHandler
        )
        # A short poll interval keeps shutdown (once per test) fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="fake-scorm-cloud",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeScormCloud:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The server's root (the player pages live here)."""
        return f"http://{self.host}:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        """The value for SCORM_CLOUD_BASE_URL."""
        return self.url + API_PREFIX

    # Knobs and seeding -----------------------------------------------------------------------

    def inject(
        self,
        status: int,
        *,
        times: int = 1,
        method: str | None = None,
        path: str | None = None,
        after: bool = False,
    ) -> None:
        """Answer the next ``times`` API requests matching ``method``/``path`` (a regex on the
        API path) with ``status``; with ``after=True`` do the work first, as when an answer is
        lost on the way back."""
        with self._lock:
            self._injections.append(Injection(status, times, method, path, after))

    def slow(
        self, seconds: float, *, times: int = 1, method: str | None = None, path: str | None = None
    ) -> None:
        """Delay the next ``times`` matching API requests by ``seconds`` before answering."""
        with self._lock:
            self._injections.append(Injection(0, times, method, path, after=False, delay=seconds))

    def add_course(self, course_id: str, *, versions: int = 1, title: str = "") -> CourseVersion:
        with self._lock:
            for _ in range(versions):
                self._new_version(course_id, title or course_id)
            return self.courses[course_id][-1]

    def add_registration(
        self, registration_id: str, *, course_id: str, learner_id: str, version: int | None = None
    ) -> Registration:
        with self._lock:
            course = self._course_version(course_id, version) or self.add_course(course_id)
            registration = Registration(
                id=registration_id,
                course=course,
                learner={"id": learner_id},
                post_back=None,
                created=_now(),
            )
            self.registrations[registration_id] = registration
            return registration

    def set_result(
        self,
        registration_id: str,
        *,
        completion: str = "COMPLETED",
        success: str = "PASSED",
        score: float | None = 85.0,
        seconds: float = 42.0,
        delay: float = 0.0,
    ) -> None:
        """Record a result as if the learner had played (``delay`` seconds of rollup lag), and
        send the postback once it is in effect."""
        with self._lock:
            registration = self.registrations[registration_id]
            registration.pending = Result(
                completion, success, score, seconds, _now() + timedelta(seconds=delay)
            )
        self._schedule_settle(registration_id, delay)

    # Inspection ------------------------------------------------------------------------------

    def api_exchanges(self) -> list[Exchange]:
        with self._lock:
            return [e for e in self.exchanges if e.api]

    def hits(self, method: str, path: str) -> int:
        """How many API requests matched ``method`` and the regex ``path`` (fullmatch)."""
        with self._lock:
            return sum(
                1
                for e in self.exchanges
                if e.api and e.method == method and re.fullmatch(path, e.path)
            )

    def last(self, method: str, path: str) -> Exchange:
        """The latest API request matching ``method`` and the regex ``path`` (fullmatch)."""
        with self._lock:
            for exchange in reversed(self.exchanges):
                if exchange.api and exchange.method == method and re.fullmatch(path, exchange.path):
                    return exchange
        raise AssertionError(f"The fake received no {method} {path}")

    def wait_until_settled(self, registration_id: str, *, timeout: float = 5.0) -> None:
        """Block until a delayed result is in effect (the rollup has happened)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                registration = self.registrations[registration_id]
                self._settle(registration)
                if registration.pending is None:
                    return
            time.sleep(0.02)
        raise AssertionError(f"Registration {registration_id} did not settle within {timeout}s")

    def wait_for_postbacks(self, count: int = 1, *, timeout: float = 5.0) -> list[PostbackDelivery]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                done = [p for p in self.postbacks if p.status is not None or p.error]
                if len(done) >= count:
                    return done
            time.sleep(0.02)
        raise AssertionError(
            f"Expected {count} postback(s) within {timeout}s, got {len(self.postbacks)}"
        )

    # WSGI ------------------------------------------------------------------------------------

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        response = self._dispatch(request)
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        is_api = request.path.startswith(API_PREFIX + "/")
        exchange = Exchange(
            method=request.method,
            path=request.path[len(API_PREFIX) :] if is_api else request.path,
            api=is_api,
            query={key: request.args.getlist(key) for key in request.args},
            headers={key.lower(): value for key, value in request.headers.items()},
        )
        if request.mimetype == "application/json":
            try:
                exchange.json_body = json.loads(request.get_data(as_text=True) or "null")
            except ValueError:
                exchange.json_body = "<invalid json>"
        elif request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
            exchange.form = {key: request.form.getlist(key) for key in request.form}
            exchange.files = {key: storage.filename or "" for key, storage in request.files.items()}
            exchange.file_bytes = {key: storage.read() for key, storage in request.files.items()}
        with self._lock:
            self.exchanges.append(exchange)
        response = self._answer(request, exchange)
        exchange.status = response.status_code
        if response.mimetype == "application/json":
            exchange.response_json = json.loads(response.get_data(as_text=True))
        else:
            exchange.response_text = response.get_data(as_text=True)
        return response

    def _answer(self, request: Request, exchange: Exchange) -> Response:
        injection = self._take_injection(exchange) if exchange.api else None
        if injection and injection.delay:
            time.sleep(injection.delay)
        if injection and injection.status and not injection.after:
            return self._error_response(injection.status)
        if exchange.api and not self._authorised(request):
            return _json({"error": "Authorization Required."}, 401)
        try:
            endpoint, args = self._map.bind_to_environ(request.environ).match()
            response = getattr(self, f"_on_{endpoint}")(request, exchange, **args)
        except (NotFound, MethodNotAllowed) as err:
            response = _json(
                {"message": f"No such resource: {request.method} {exchange.path}"}, err.code or 404
            )
        except HTTPException as err:  # pragma: no cover - defensive
            response = _json({"message": err.description}, err.code or 500)
        if injection and injection.status and injection.after:
            return self._error_response(injection.status)
        return response

    def _take_injection(self, exchange: Exchange) -> Injection | None:
        with self._lock:
            for injection in self._injections:
                if injection.times > 0 and injection.matches(exchange.method, exchange.path):
                    injection.times -= 1
                    return injection
        return None

    @staticmethod
    def _error_response(status: int) -> Response:
        response = _json({"message": f"Injected failure {status}"}, status)
        if status == 429:
            response.headers["Retry-After"] = "0"
        return response

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        expected = base64.b64encode(f"{self.app_id}:{self.secret_key}".encode()).decode()
        return secrets.compare_digest(header, f"Basic {expected}")

    # API endpoints ---------------------------------------------------------------------------

    def _on_ping(self, request: Request, exchange: Exchange) -> Response:
        return _json({"apiMessage": "pong", "currentTime": _iso(_now())})

    def _on_course(self, request: Request, exchange: Exchange, course_id: str) -> Response:
        if error := _bool_params(request, "includeRegistrationCount", "includeCourseMetadata"):
            return error
        with self._lock:
            versions = self.courses.get(course_id)
            if not versions:
                return _json({"message": f"Could not find course [{course_id}]"}, 404)
            count = sum(1 for r in self.registrations.values() if r.course.id == course_id)
            return _json(versions[-1].to_api(count))

    def _on_upload(self, request: Request, exchange: Exchange) -> Response:
        course_id = request.args.get("courseId", "")
        may_create = request.args.get("mayCreateNewVersion", "false")
        if not course_id:
            return _json({"message": "courseId is required"}, 400)
        if may_create not in ("true", "false"):
            return _json({"message": f"Invalid boolean for mayCreateNewVersion: {may_create}"}, 400)
        upload = request.files.get("file")
        if upload is None:
            return _json({"message": "No file was uploaded"}, 400)
        with self._lock:
            if course_id in self.courses and may_create != "true":
                return _json(
                    {
                        "message": f"Course [{course_id}] already exists and mayCreateNewVersion is false"
                    },
                    409,
                )
            job = ImportJob(
                id=str(uuid.uuid4()),
                course_id=course_id,
                filename=upload.filename or "",
                may_create_new_version=may_create == "true",
                polls_left=self.import_polls,
            )
            self.jobs[job.id] = job
        return _json({"result": job.id})

    def _on_import_job(self, request: Request, exchange: Exchange, job_id: str) -> Response:
        with self._lock:
            job = self.jobs.get(job_id)
            if job is None:
                return _json({"message": f"Could not find import job [{job_id}]"}, 404)
            if job.status == "RUNNING":
                if job.polls_left > 0:
                    job.polls_left -= 1
                elif "broken" in job.filename.lower():
                    job.status = "ERROR"
                    job.message = "Course is not properly formatted: imsmanifest.xml not found"
                else:
                    job.status = "COMPLETE"
                    job.course = self._new_version(job.course_id, job.filename or job.course_id)
            body: dict[str, Any] = {"jobId": job.id, "status": job.status, "message": job.message}
            if job.course is not None:
                body["importResult"] = {
                    "webPathToCourse": f"courses/{job.course.id}/{job.course.version}/",
                    "parserWarnings": [],
                    "courseLanguages": ["en"],
                    "course": job.course.to_api(),
                }
            return _json(body)

    def _on_create_registration(self, request: Request, exchange: Exchange) -> Response:
        body = exchange.json_body
        if not isinstance(body, dict):
            return _json({"message": "A CreateRegistrationSchema JSON body is required"}, 400)
        learner = body.get("learner")
        for problem, missing in (
            ("courseId is required", not body.get("courseId")),
            ("registrationId is required", not body.get("registrationId")),
            ("learner.id is required", not isinstance(learner, dict) or not learner.get("id")),
        ):
            if missing:
                return _json({"message": problem}, 400)
        registration_id, course_id = body["registrationId"], body["courseId"]
        version = request.args.get("courseVersion")
        with self._lock:
            if registration_id in self.registrations:
                return _json(
                    {"message": f"Registration with id [{registration_id}] already exists"}, 400
                )
            if course_id not in self.courses:
                return _json({"message": f"Could not find course [{course_id}]"}, 404)
            course = self._course_version(course_id, int(version) if version is not None else None)
            if course is None:
                return _json(
                    {"message": f"Could not find version [{version}] of course [{course_id}]"}, 404
                )
            self.registrations[registration_id] = Registration(
                id=registration_id,
                course=course,
                learner=dict(learner),
                post_back=body.get("postBack"),
                created=_now(),
            )
        return Response(status=204)

    def _on_registration(self, request: Request, exchange: Exchange, reg_id: str) -> Response:
        with self._lock:
            registration = self.registrations.get(reg_id)
            if request.method == "HEAD":
                return Response(status=200 if registration else 404)
            if error := _bool_params(
                request, "includeRuntime", "includeChildResults", "includeInteractionsAndObjectives"
            ):
                return error
            if registration is None:
                return _json({"message": f"Could not find registration [{reg_id}]"}, 404)
            self._settle(registration)
            runtime = request.args.get("includeRuntime") == "true"
            return _json(self._registration_to_api(registration, runtime=runtime))

    def _on_launch_link(self, request: Request, exchange: Exchange, reg_id: str) -> Response:
        body = exchange.json_body
        if not isinstance(body, dict) or not isinstance(body.get("redirectOnExitUrl"), str):
            return _json({"message": "redirectOnExitUrl is required"}, 400)
        expiry = body.get("expiry", 120)
        if not isinstance(expiry, int) or not 10 <= expiry <= 300:
            return _json({"message": "expiry must be between 10 and 300 seconds"}, 400)
        with self._lock:
            if reg_id not in self.registrations:
                return _json({"message": f"Could not find registration [{reg_id}]"}, 404)
            token = secrets.token_urlsafe(16)
            self.launch_tokens[token] = LaunchToken(
                reg_id, body["redirectOnExitUrl"], _now() + timedelta(seconds=expiry)
            )
        return _json(
            {"launchLink": f"{self.url}/fake-player/{reg_id}?launchToken={token}&culture=en"}
        )

    def _on_course_preview(self, request: Request, exchange: Exchange, course_id: str) -> Response:
        """``POST /courses/{courseId}/preview`` (PreviewLaunchLinkRequestSchema): a launch link
        that plays the course with no registration; nothing is tracked."""
        body = exchange.json_body
        if not isinstance(body, dict) or not isinstance(body.get("redirectOnExitUrl"), str):
            return _json({"message": "redirectOnExitUrl is required"}, 400)
        expiry = body.get("expiry", 120)
        if not isinstance(expiry, int) or not 10 <= expiry <= 300:
            return _json({"message": "expiry must be between 10 and 300 seconds"}, 400)
        with self._lock:
            if course_id not in self.courses:
                return _json({"message": f"Could not find course [{course_id}]"}, 404)
            token = secrets.token_urlsafe(16)
            self.previews.append(course_id)
        return _json({"launchLink": f"{self.url}/fake-preview/{course_id}?launchToken={token}"})

    def _on_preview_player(self, request: Request, exchange: Exchange, course_id: str) -> Response:
        return _html(
            "Preview", f"<p>Fake SCORM Cloud preview of <code>{escape(course_id)}</code>.</p>"
        )

    def _on_reset(self, request: Request, exchange: Exchange, reg_id: str) -> Response:
        # Never to be called by the LMS: it wipes the learner's progress.
        with self._lock:
            self.forbidden.append(exchange)
            registration = self.registrations.get(reg_id)
            if registration is None:
                return _json({"message": f"Could not find registration [{reg_id}]"}, 404)
            registration.completion = registration.success = "UNKNOWN"
            registration.score, registration.seconds, registration.completed = None, 0.0, None
        return Response(status=204)

    # Player ----------------------------------------------------------------------------------

    def _launch_token(self, request: Request, reg_id: str) -> LaunchToken | None:
        token = request.values.get("launchToken", "")
        with self._lock:
            launch = self.launch_tokens.get(token)
        if launch is None or launch.registration_id != reg_id or launch.expires_at < _now():
            return None
        return launch

    def _on_player(self, request: Request, exchange: Exchange, reg_id: str) -> Response:
        launch = self._launch_token(request, reg_id)
        if launch is None:
            return _html(
                "Launch link expired", "<p>This launch link has expired or is not valid.</p>", 403
            )
        with self._lock:
            registration = self.registrations[reg_id]
            now = _now()
            registration.first_access = registration.first_access or now
            registration.last_access = now
            if registration.completion == "UNKNOWN" and registration.pending is None:
                registration.completion, registration.updated = "INCOMPLETE", now
            title = registration.course.title
        token = escape(request.args["launchToken"])
        body = f"""
<p>Fake SCORM Cloud player: registration <code>{escape(reg_id)}</code> of <em>{escape(title)}</em>.</p>
<form method="post" action="/fake-player/{escape(reg_id)}/complete">
  <input type="hidden" name="launchToken" value="{token}">
  <button type="submit">Complete course</button>
</form>
<form method="post" action="/fake-player/{escape(reg_id)}/exit">
  <input type="hidden" name="launchToken" value="{token}">
  <button type="submit">Exit</button>
</form>"""
        return _html(f"Playing {title}", body)

    def _on_player_complete(self, request: Request, exchange: Exchange, reg_id: str) -> Response:
        launch = self._launch_token(request, reg_id)
        if launch is None:
            return _html(
                "Launch link expired", "<p>This launch link has expired or is not valid.</p>", 403
            )
        result = self.player_result
        self.set_result(
            reg_id,
            completion=result.completion,
            success=result.success,
            score=result.score,
            seconds=result.seconds,
            delay=self.completion_delay,
        )
        return self._exit_to(launch)

    def _on_player_exit(self, request: Request, exchange: Exchange, reg_id: str) -> Response:
        launch = self._launch_token(request, reg_id)
        if launch is None:
            return _html(
                "Launch link expired", "<p>This launch link has expired or is not valid.</p>", 403
            )
        return self._exit_to(launch)

    @staticmethod
    def _exit_to(launch: LaunchToken) -> Response:
        target = launch.redirect_on_exit_url
        if target.startswith(("http://", "https://")):
            return Response(status=303, headers={"Location": target})
        return _html("Course exited", "<p>You may close this window.</p>")  # closer/blank/message

    # State -----------------------------------------------------------------------------------

    def _new_version(self, course_id: str, title: str) -> CourseVersion:
        versions = self.courses.setdefault(course_id, [])
        course = CourseVersion(id=course_id, version=len(versions), title=title, created=_now())
        versions.append(course)
        return course

    def _course_version(self, course_id: str, version: int | None) -> CourseVersion | None:
        versions = self.courses.get(course_id) or []
        if version is None:
            return versions[-1] if versions else None
        return next((v for v in versions if v.version == version), None)

    def _settle(self, registration: Registration) -> bool:
        """Apply a pending result once its rollup time has come. Returns True if it did."""
        pending = registration.pending
        if pending is None or pending.effective_at > _now():
            return False
        registration.pending = None
        registration.completion, registration.success = pending.completion, pending.success
        registration.score, registration.seconds = pending.score, pending.seconds
        registration.updated = pending.effective_at
        if pending.completion == "COMPLETED":
            registration.completed = registration.completed or pending.effective_at
        return True

    def _schedule_settle(self, registration_id: str, delay: float) -> None:
        timer = threading.Timer(
            max(0.0, delay), self._settle_and_post_back, args=(registration_id,)
        )
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def _settle_and_post_back(self, registration_id: str) -> None:
        with self._lock:
            registration = self.registrations[registration_id]
            if not self._settle(registration):
                return
            post_back = registration.post_back or {}
            if self.postback_mode == "off" or not post_back.get("url"):
                return
            mode = self.postback_mode
            if mode == "registration":  # SCORM Cloud's default auth type is form
                mode = (
                    "httpbasic"
                    if str(post_back.get("authType", "")).upper() == "HTTPBASIC"
                    else "form"
                )
            delivery = PostbackDelivery(
                registration_id=registration_id,
                url=post_back["url"],
                mode=mode,
                body=self._registration_to_api(registration, runtime=False),
            )
            self.postbacks.append(delivery)
        self._deliver(delivery, post_back.get("userName", ""), post_back.get("password", ""))

    @staticmethod
    def _deliver(delivery: PostbackDelivery, user: str, password: str) -> None:
        """One delivery attempt, never following redirects (SCORM Cloud counts a 3xx as done)."""
        payload = json.dumps(delivery.body)
        try:
            if delivery.mode == "httpbasic":
                response = requests.post(
                    delivery.url,
                    data=payload.encode(),
                    auth=(user, password),
                    headers={"Content-Type": "application/json; charset=UTF-8"},
                    timeout=10,
                    allow_redirects=False,
                )
            else:
                response = requests.post(
                    delivery.url,
                    data={"data": payload, "userName": user, "password": password},
                    timeout=10,
                    allow_redirects=False,
                )
            delivery.status = response.status_code
        except requests.RequestException as err:
            delivery.error = type(err).__name__

    def _registration_to_api(self, registration: Registration, *, runtime: bool) -> dict[str, Any]:
        course = registration.course
        body = _drop_none(
            {
                "id": registration.id,
                "instance": 0,
                "xapiRegistrationId": registration.xapi_registration_id,
                "updated": _iso(registration.updated or registration.created),
                "registrationCompletion": registration.completion,
                "registrationCompletionAmount": 100.0
                if registration.completion == "COMPLETED"
                else 0.0,
                "registrationSuccess": registration.success,
                "score": None if registration.score is None else {"scaled": registration.score},
                "totalSecondsTracked": registration.seconds,
                "firstAccessDate": _iso(registration.first_access),
                "lastAccessDate": _iso(registration.last_access),
                "completedDate": _iso(registration.completed),
                "createdDate": _iso(registration.created),
                "course": {"id": course.id, "title": course.title, "version": course.version},
                "learner": registration.learner,
                "tags": [],
                "globalObjectives": [],
                "sharedData": [],
            }
        )
        if runtime:
            body["activityDetails"] = _drop_none(
                {
                    "id": f"{course.id}_root",
                    "title": course.title,
                    "attempts": 1 if registration.first_access else 0,
                    "activityCompletion": registration.completion,
                    "activitySuccess": registration.success,
                    "score": None if registration.score is None else {"scaled": registration.score},
                    "timeTracked": _timespan(registration.seconds),
                    "suspended": False,
                    "children": [],
                    "objectives": [],
                    "runtime": _drop_none(
                        {
                            "completionStatus": registration.completion.capitalize(),
                            "credit": "Credit",
                            "entry": "AbInitio",
                            "exit": "Unknown",
                            "location": "",
                            "mode": "Normal",
                            "scoreScaled": None
                            if registration.score is None
                            else str(registration.score / 100),
                            "totalTime": _timespan(registration.seconds),
                            "timeTracked": _timespan(registration.seconds),
                            "runtimeSuccessStatus": registration.success,
                            "suspendData": "",
                            "learnerComments": [],
                            "lmsComments": [],
                            "runtimeInteractions": [],
                            "runtimeObjectives": [],
                        }
                    ),
                }
            )
        return body


def _timespan(seconds: float) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{int(hours):04d}:{int(minutes):02d}:{secs:05.2f}"


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def _html(title: str, body: str, status: int = 200) -> Response:
    page = f"<!doctype html><html><head><title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    return Response(page, status=status, mimetype="text/html")


def _bool_params(request: Request, *names: str) -> Response | None:
    """SCORM Cloud wants lowercase true/false; anything else (Python's "True") is refused."""
    for name in names:
        value = request.args.get(name)
        if value is not None and value not in ("true", "false"):
            return _json({"message": f"Invalid boolean for {name}: {value}"}, 400)
    return None


def basic_auth_header(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# Pytest fixtures (import them into a conftest to use them) -----------------------------------

POSTBACK_USER = "postback-user"
POSTBACK_PASSWORD = "postback-password-never-logged"


@pytest.fixture
def fake_scorm_cloud() -> Iterator[FakeScormCloud]:
    """A running fake; fails the test if anything reset a registration."""
    with FakeScormCloud() as fake:
        yield fake
        assert not fake.forbidden, (
            "DELETE /registrations/{id}/progress (reset) must never be called"
        )


@pytest.fixture
def scorm_cloud(settings: Any, fake_scorm_cloud: FakeScormCloud) -> FakeScormCloud:
    """The fake, with the settings pointing the provider at it (no backoff, postbacks on)."""
    settings.SCORM_CLOUD_BASE_URL = fake_scorm_cloud.api_url
    settings.SCORM_CLOUD_APP_ID = fake_scorm_cloud.app_id
    settings.SCORM_CLOUD_SECRET_KEY = fake_scorm_cloud.secret_key
    settings.SCORM_CLOUD_POSTBACK_USER = POSTBACK_USER
    settings.SCORM_CLOUD_POSTBACK_PASSWORD = POSTBACK_PASSWORD
    settings.SCORM_HTTP_BACKOFF_FACTOR = 0
    settings.SCORM_HTTP_RETRIES = 3
    return fake_scorm_cloud
