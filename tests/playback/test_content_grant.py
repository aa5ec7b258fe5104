"""nginx's question about a grant (SCORM_CONTENT_DELIVERY=auth-request): the same checks as a
package file, an answer nginx may keep briefly when it is a yes and never when it is a no, and
the configuration that asks it (deploy/nginx-content.conf, rendered)."""

from __future__ import annotations

import io
import re
import time

import pytest
from django.core import signing
from django.core.management import call_command
from django.test import Client

from playback.content import content_type_of
from playback.content_access import SALT, capability_create
from playback.nginx import nginx_content_config, nginx_types

CONTENT = "http://localhost:8000"  # the derived content origin of an LMS at 127.0.0.1:8000
ROOT = "packages/content/0123abcd"
PACKAGE = 7


@pytest.fixture(autouse=True)
def _auth_request(settings):
    settings.SCORM_CONTENT_DELIVERY = "auth-request"
    settings.SCORM_CONTENT_GRANT_CACHE_SECONDS = 30
    settings.SCORM_LAUNCH_TOKEN_MAX_AGE = 3600


def _ask(grant: str | None, package: int = PACKAGE):
    client = Client(HTTP_HOST="localhost:8000")
    if grant is not None:
        client.cookies["lms_content"] = grant
    return client.get(f"/content/grant/{package}/")


def _grant(package: int = PACKAGE, origin: str = CONTENT, age: int = 0) -> str:
    """A grant as the LMS makes one, signed ``age`` seconds ago."""

    class Signer(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time()) - age)

    if not age:
        return capability_create(package_id=package, content_root=ROOT, origin=origin)
    return Signer(salt=SALT).sign_object({"p": package, "r": ROOT, "o": origin})


def _refused_and_never_kept(response, status: int) -> None:
    assert response.status_code == status
    assert response["X-Accel-Expires"] == "0"  # nginx keeps no refusal
    assert response["Cache-Control"] == "no-store"
    assert "X-Content-Root" not in response


def test_a_valid_grant_names_the_packages_folder_and_how_long_nginx_may_keep_the_yes():
    response = _ask(_grant())  # no database here: a query would fail the test

    assert response.status_code == 204
    assert response["X-Content-Root"] == ROOT  # from the signed grant, not the URL
    assert response["X-Accel-Expires"] == "30"
    # The content origin's headers, which nginx copies onto the file.
    assert response["Content-Security-Policy"] == "frame-ancestors 'self' http://127.0.0.1:8000"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "no-referrer"
    # Nothing that would keep nginx from caching it, or reach a browser.
    assert "Cache-Control" not in response
    assert "Set-Cookie" not in response
    assert "Vary" not in response


def test_the_yes_is_never_kept_past_the_grants_own_expiry(monkeypatch):
    clock = [float(int(time.time()))]
    monkeypatch.setattr(time, "time", lambda: clock[0])  # signing reads the same clock
    nearly_expired = _grant(age=3600 - 10)

    last_second = _ask(_grant(age=3600))

    assert last_second.status_code == 204
    assert last_second["X-Accel-Expires"] == "0"  # valid now, but not to be kept
    assert _ask(nearly_expired)["X-Accel-Expires"] == "10"
    clock[0] += 0.5
    assert _ask(nearly_expired)["X-Accel-Expires"] == "9"  # 9.5 s left: whole seconds, down


def test_without_a_cookie_the_answer_is_401():
    _refused_and_never_kept(_ask(None), 401)
    _refused_and_never_kept(_ask(""), 401)


def test_another_packages_grant_is_403():
    _refused_and_never_kept(_ask(_grant(package=PACKAGE + 1)), 403)


@pytest.mark.parametrize(
    "grant",
    [
        pytest.param(lambda: "forged:value:here", id="forged"),
        pytest.param(lambda: _grant()[:-2] + "xx", id="tampered"),
        pytest.param(lambda: _grant(age=3601), id="expired"),
        pytest.param(lambda: _grant(origin="http://127.0.0.1:8000"), id="another-origin"),
        pytest.param(lambda: "x" * 2000, id="too-long"),
    ],
)
def test_a_forged_expired_or_foreign_grant_is_401(grant):
    _refused_and_never_kept(_ask(grant()), 401)


def test_other_deliveries_have_no_such_route(settings):
    for delivery in ("app", "x-accel-redirect", "redirect", "x-sendfile"):
        settings.SCORM_CONTENT_DELIVERY = delivery
        assert _ask(_grant()).status_code == 404


def test_a_package_file_that_reaches_the_app_goes_back_to_nginx(settings, tmp_path):
    settings.SCORM_CONTENT_ACCEL_PREFIX = "/_content/"
    (tmp_path / "media" / ROOT).mkdir(parents=True)
    (tmp_path / "media" / ROOT / "index.html").write_text("<p>hi</p>")
    client = Client(HTTP_HOST="localhost:8000")
    client.cookies["lms_content"] = _grant()

    response = client.get(f"/content/p/{PACKAGE}/index.html")

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_content/{ROOT}/index.html"


# The configuration -----------------------------------------------------------------------------


def test_nginx_gives_each_extension_the_apps_content_type():
    types = {}
    for line in nginx_types().splitlines():
        content_type, extensions = re.fullmatch(r'\s*"([^"]+)" ([^;]+);', line).groups()
        for extension in extensions.split():
            assert extension not in types, f"{extension} listed twice"
            types[extension] = content_type

    for extension, content_type in types.items():
        assert content_type == content_type_of(f"a.{extension}")
    assert types["js"] == "application/javascript; charset=utf-8"
    assert types["html"] == "text/html; charset=utf-8"
    assert types["css"] == "text/css; charset=utf-8"
    assert types["mp4"] == "video/mp4"
    assert types["woff2"] == "font/woff2"
    assert "gz" not in types  # application/octet-stream, nginx's default type there too


def test_the_rendered_configuration_has_every_field_filled(settings, tmp_path):
    settings.SCORM_CONTENT_ORIGIN = "https://lms-content.example.net"
    out = io.StringIO()

    call_command("nginx_content_config", "--include", "/etc/nginx/lms-tls.conf", stdout=out)

    text = out.getvalue()
    assert not re.search(r"@[A-Z_]+@", text)
    assert "server_name lms-content.example.net;" in text
    assert "listen 443 ssl;" in text
    assert "include /etc/nginx/lms-tls.conf;" in text
    assert f'root "{settings.MEDIA_ROOT}";' in text
    assert 'try_files "/$lms_content_root/$lms_file" =404;' in text
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in text


@pytest.mark.parametrize("media_root", ["/srv/media $x", '/srv/"media', "/srv/a;b", "/"])
def test_a_media_root_nginx_would_misread_is_refused(media_root):
    with pytest.raises(ValueError, match="media root"):
        nginx_content_config(
            server="listen 80;", app="127.0.0.1:8000", cache_path="/tmp/c", media_root=media_root
        )
