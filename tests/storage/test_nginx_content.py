"""A real nginx in front of the app with deploy/nginx-content.conf, as production renders it
(SCORM_CONTENT_DELIVERY=auth-request): nginx sends package files itself, and the app, which it
asks about each grant, still makes every decision. nginx runs as the benchmarks run it
(benchmarks/front.py: a process of its own, in a temporary folder), in front of the live server;
the test counts the requests the app saw. Skipped when nginx is not installed."""

from __future__ import annotations

import http.client
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.core.signals import request_started
from django.test import Client

from benchmarks.front import Nginx, nginx_binary
from playback.content import CACHE_CONTROL, content_type_of
from playback.content_access import capability_create

pytestmark = pytest.mark.skipif(
    not nginx_binary(), reason="nginx is not installed (apt-get install -y nginx)"
)

HOST = "lms-content.test"  # the content origin, as the browser names it to nginx
LMS = "http://lms.test"
PACKAGE, OTHER = 11, 12
ROOT, OTHER_ROOT = "packages/content/aaaa1111", "packages/content/bbbb2222"
CLIP = os.urandom(256 * 1024 + 17)
SECRET = b"MEDIA_ROOT's own file, in no package"
ELSEWHERE = b"another package's page"
#: What the content origin's answers carry beside the file, as the app sets them.
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Strict-Transport-Security",
)


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


@dataclass
class Front:
    port: int
    seen: list[str] = field(default_factory=list)  # the paths the app was asked, in order

    def get(self, path: str, grant: str | None = None, **headers: str) -> Answer:
        """GET ``path`` exactly as written (no client normalises it) on the content origin."""
        if grant is not None:
            headers["Cookie"] = f"lms_content={grant}"
        return self.request("GET", path, headers)

    def request(self, method: str, path: str, headers: dict, body: bytes | None = None) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers={"Host": HOST, **headers})
            response = connection.getresponse()
            return Answer(response.status, response.headers, response.read())
        finally:
            connection.close()

    def asked(self, prefix: str) -> int:
        return sum(path.startswith(prefix) for path in self.seen)


def _grant(package: int = PACKAGE, root: str = ROOT) -> str:
    return capability_create(package_id=package, content_root=root, origin=f"http://{HOST}")


def _write(media, name: str, data: bytes) -> None:
    path = media / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.fixture
def front(settings, live_server) -> Iterator[Front]:
    """nginx with the production configuration in front of the live server, in auth-request
    mode, a package's files (and others, which it must never reach) in MEDIA_ROOT."""
    settings.SCORM_CONTENT_DELIVERY = "auth-request"
    settings.SCORM_CONTENT_GRANT_CACHE_SECONDS = 30
    settings.SCORM_CONTENT_ORIGIN = f"http://{HOST}"
    settings.SITE_URL = LMS
    settings.ALLOWED_HOSTS = [HOST, "lms.test"]
    media = settings.MEDIA_ROOT
    _write(media, f"{ROOT}/media/clip.mp4", CLIP)
    _write(media, f"{ROOT}/index.html", b"<p>package</p>")
    _write(media, f"{ROOT}/js/run.js", b"run();")
    _write(media, f"{OTHER_ROOT}/index.html", ELSEWHERE)
    _write(media, "secret.txt", SECRET)

    front = Front(port=0)

    def saw(sender, environ, **kwargs) -> None:
        front.seen.append(environ["PATH_INFO"])

    request_started.connect(saw)
    try:
        with Nginx(str(media), grant_upstream=urlsplit(live_server.url).port) as nginx:
            front.port = nginx.grant_port
            yield front
    finally:
        request_started.disconnect(saw)


def test_nginx_sends_the_file_and_its_ranges_and_asks_the_app_once(front, settings):
    # The launcher's grant, through nginx to the app, as a browser gets it.
    answer = front.request(
        "POST", "/content/authorize/", {"Content-Type": "text/plain"}, _grant().encode()
    )
    assert answer.status == 204
    grant = answer.headers["Set-Cookie"].split(";", 1)[0].split("=", 1)[1]
    path = f"/content/p/{PACKAGE}/media/clip.mp4"

    whole = front.get(path, grant)

    assert whole.status == 200
    assert whole.body == CLIP
    assert whole.headers["Content-Type"] == "video/mp4"
    assert whole.headers["Content-Length"] == str(len(CLIP))
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["Cache-Control"] == CACHE_CONTROL
    assert whole.headers["Content-Security-Policy"] == f"frame-ancestors 'self' {LMS}"

    part = front.get(path, grant, Range="bytes=1000-1999")
    assert part.status == 206
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(CLIP)}"
    assert part.body == CLIP[1000:2000]
    assert front.get(path, grant, Range="bytes=-17").body == CLIP[-17:]
    span = 4096
    for first in range(0, len(CLIP) - span, len(CLIP) // 40):
        part = front.get(path, grant, Range=f"bytes={first}-")
        assert (part.status, part.body) == (206, CLIP[first:])
    assert front.get(path, grant, Range=f"bytes={len(CLIP)}-").status == 416

    for name in ("index.html", "js/run.js"):
        answer = front.get(f"/content/p/{PACKAGE}/{name}", grant)
        assert answer.status == 200
        assert answer.headers["Content-Type"] == content_type_of(name)
        assert "charset=utf-8" in answer.headers["Content-Type"]
    assert front.get(f"/content/p/{PACKAGE}/missing.js", grant).status == 404
    assert front.get(f"/content/p/{PACKAGE}/js", grant).status == 404  # a folder
    assert front.get(f"/content/p/{PACKAGE}/js/", grant).status == 404  # the app's answer

    # Some fifty answers, one question: the yes was kept; no file went through the app.
    assert front.asked("/content/grant/") == 1
    assert front.asked(f"/content/p/{PACKAGE}/") == 1  # the folder, left to the app

    # The content origin's headers are the app's own, as it sends them with the file itself.
    settings.SCORM_CONTENT_DELIVERY = "app"
    client = Client(HTTP_HOST=HOST)
    client.cookies["lms_content"] = grant
    itself = client.get(path)
    assert itself.status_code == 200
    for name in SECURITY_HEADERS:
        assert whole.headers.get(name) == itself.headers.get(name), name


def test_refusals_are_the_apps_and_never_kept(front):
    path = f"/content/p/{PACKAGE}/index.html"
    assert front.get(path, _grant()).status == 200  # a yes kept for this grant and package

    for _ in range(2):
        assert front.get(path).status == 401
        assert front.get(path, "").status == 401
        assert front.get(path, "forged:grant:value").status == 401
        assert front.get(path, _grant()[:-1] + "x").status == 401
        refused = front.get(path, _grant(package=OTHER, root=OTHER_ROOT))
        assert refused.status == 403
        assert ELSEWHERE not in refused.body
    assert refused.headers["Content-Security-Policy"] == f"frame-ancestors 'self' {LMS}"
    # A grant only reads its own package, even one whose yes nginx keeps.
    assert front.get(f"/content/p/{OTHER}/index.html", _grant()).status == 403

    assert front.asked("/content/grant/") == 1 + 2 * 5 + 1  # every refusal asked again


def test_the_app_decides_how_long_a_yes_is_kept(front, settings):
    settings.SCORM_CONTENT_GRANT_CACHE_SECONDS = 0
    for _ in range(3):
        assert front.get(f"/content/p/{PACKAGE}/index.html", _grant()).status == 200
    assert front.asked("/content/grant/") == 3


@pytest.mark.parametrize(
    "path",
    [
        "/content/p/{p}/secret.txt",  # in MEDIA_ROOT, not in the grant's folder
        "/content/p/{p}/bbbb2222/index.html",
        "/content/p/{p}/../../../secret.txt",
        "/content/p/{p}/%2e%2e/%2e%2e/%2e%2e/secret.txt",
        "/content/p/{p}/%2E%2E%2F%2E%2E%2F%2E%2E%2Fsecret.txt",
        "/content/p/{p}/js/..%2f..%2f..%2f..%2f..%2fsecret.txt",
        "/content/p/{p}/%2e%2e/%2e%2e/bbbb2222/index.html",
        "/content/p/{p}/../../../../../../../../etc/passwd",
        "/content/p/{p}/..%5c..%5c..%5c..%5csecret.txt",
        "/content/p/{p}/..\\..\\..\\..\\secret.txt",
        "/content/p/{p}/%5c..%5c..%5c..%5c..%5csecret.txt",
        "/content/p/{p}/C:/secret.txt",
        "/content/p/{p}/%252e%252e/%252e%252e/%252e%252e/secret.txt",
        "/content/p/{p}/index.html%00/../../../secret.txt",
        "/content/p/{p}//../../../secret.txt",
        "/content/p/{p}/....//....//secret.txt",
        "/content/p/{p}/js/../../../p/{p}/../../../secret.txt",
        "/content/p/{p}/%2e%2e",
        "/content/p/{p}/",
    ],
)
def test_no_path_leaves_the_package(front, path):
    answer = front.get(path.format(p=PACKAGE), _grant())

    assert 400 <= answer.status < 500
    assert SECRET not in answer.body
    assert ELSEWHERE not in answer.body
    assert b"root:" not in answer.body
