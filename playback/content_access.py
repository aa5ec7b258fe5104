"""Who may read a package's files on the content origin.

The content origin sets and honours no session or CSRF cookie. Reading a package's files takes
a capability: a signed, expiring grant for one package on one content origin, which the LMS
hands the launcher page in its session answer. The launcher posts it once to
``/content/authorize/``, which turns it into a cookie scoped to that package's path, so the
package's own relative URLs (pages, scripts, media with Range requests) carry it without any
token in a URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

SALT = "playback.content-capability"
COOKIE = "lms_content"
PREFIX = "/content/"
MAX_CAPABILITY_LENGTH = 1024


class InvalidCapability(Exception):
    pass


@dataclass(frozen=True)
class Capability:
    package_id: int
    origin: str  # the content origin it was made for
    content_root: str  # where the package's files are in storage: no query per file
    expires_at: float  # when it stops being honoured (a Unix time)


def package_path(package_id: int) -> str:
    """Where a package's files live on the content origin."""
    return f"{PREFIX}p/{package_id}/"


def capability_create(*, package_id: int, content_root: str, origin: str) -> str:
    return signing.dumps({"p": package_id, "r": content_root, "o": origin}, salt=SALT)


def capability_read(value: str, *, origin: str) -> Capability:
    """The grant in ``value`` when it is genuine, unexpired and made for ``origin``."""
    if not value or len(value) > MAX_CAPABILITY_LENGTH:
        raise InvalidCapability("no capability")
    try:
        max_age = settings.SCORM_LAUNCH_TOKEN_MAX_AGE
        data = signing.loads(value, salt=SALT, max_age=max_age)
        # Genuine, so its timestamp (payload:timestamp:signature) is the one it was signed with.
        issued_at = signing.b62_decode(value.rsplit(":", 2)[1])
        capability = Capability(
            package_id=int(data["p"]),
            origin=str(data["o"]),
            content_root=str(data["r"]),
            expires_at=issued_at + max_age,
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError) as err:
        raise InvalidCapability("forged, expired or malformed") from err
    if capability.origin != origin:
        raise InvalidCapability("made for another origin")
    return capability


def grant_cookie(response: HttpResponse, *, capability: str, package_id: int) -> None:
    """The content cookie. It is read only on the content origin, which is another site than the
    LMS page that frames it: SameSite=None with Partitioned (CHIPS), so browsers that block
    third-party cookies keep it in the LMS page's partition; Secure, which browsers allow on
    http://localhost and http://127.0.0.1 too."""
    cookie = (
        f"{COOKIE}={capability}; Path={package_path(package_id)}; "
        f"Max-Age={settings.SCORM_LAUNCH_TOKEN_MAX_AGE}; HttpOnly; Secure; SameSite=None; "
        "Partitioned"
    )
    # Set by hand: Django's set_cookie cannot write the Partitioned attribute yet.
    response.headers["Set-Cookie"] = cookie


def request_capability(request: HttpRequest) -> str:
    return request.COOKIES.get(COOKIE, "")
