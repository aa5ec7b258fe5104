"""nginx's configuration for ``SCORM_CONTENT_DELIVERY=auth-request``: deploy/nginx-content.conf
with its fields filled in. Production renders it with ``manage.py nginx_content_config``; the
benchmarks and the tests run the same rendering, so what they measure is what is deployed."""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from django.conf import settings

from .content import CACHE_CONTROL, content_type_of

TEMPLATE = Path(settings.BASE_DIR) / "deploy" / "nginx-content.conf"
_FIELD = re.compile(r"@[A-Z_]+@")
_PLAIN_EXTENSION = re.compile(r"^[a-z0-9_+-]+$")
# Characters nginx would read as the end of a word or the start of a variable.
_UNSAFE_PATH = re.compile(r'[\s"\'\\$;{}]')
DEFAULT_TYPE = "application/octet-stream"


def nginx_types() -> str:
    """The body of an nginx ``types`` block giving every extension the app knows the type the
    app gives it (``content_type_of``: the same table, /etc/mime.types included, the same
    charset). The rest is ``application/octet-stream``, as for the app. nginx lower-cases a
    file's extension, so the few types Python's table knows in capitals only (.ELN, .SAR...)
    are octet-stream there."""
    extensions = {
        extension.lower().lstrip(".")
        for table in (mimetypes.types_map, mimetypes.suffix_map, mimetypes.encodings_map)
        for extension in table
    }
    by_type: dict[str, list[str]] = {}
    for extension in sorted(extensions):
        # nginx looks a file's type up by its last extension, lower-cased: one word, no dot.
        if not _PLAIN_EXTENSION.match(extension):
            continue
        content_type = content_type_of(f"file.{extension}")
        if content_type != DEFAULT_TYPE:
            by_type.setdefault(content_type, []).append(extension)
    return "\n".join(
        f'            "{content_type}" {" ".join(extensions)};'
        for content_type, extensions in sorted(by_type.items())
    )


def nginx_content_config(
    *,
    server: str,
    app: str,
    cache_path: str,
    media_root: str | Path | None = None,
    behind_proxy: bool = False,
) -> str:
    """deploy/nginx-content.conf for the content origin named by ``server`` (its ``listen``,
    ``server_name`` and TLS lines), proxying to the app at ``app`` (host:port) and sending
    files from ``media_root`` (``MEDIA_ROOT`` by default). ``behind_proxy``: a balancer in front
    terminates TLS, so the scheme is the one its X-Forwarded-Proto names."""
    media = str(media_root if media_root is not None else settings.MEDIA_ROOT).rstrip("/")
    for name, value in (("media root", media), ("cache path", cache_path), ("app", app)):
        if not value.strip("/") or _UNSAFE_PATH.search(value):
            raise ValueError(f"The {name} {value!r} cannot be written into nginx's configuration")
    if not settings.SCORM_CONTENT_ACCEL_PREFIX.startswith("/"):
        raise ValueError("SCORM_CONTENT_ACCEL_PREFIX must be a path")
    fields = {
        "@SERVER@": server.strip(),
        "@APP@": app,
        "@CACHE_PATH@": cache_path,
        "@MEDIA_ROOT@": media,
        "@PROTO@": "$http_x_forwarded_proto" if behind_proxy else "$scheme",
        "@ACCEL_PREFIX@": settings.SCORM_CONTENT_ACCEL_PREFIX,
        "@CACHE_CONTROL@": CACHE_CONTROL,
        "@TYPES@": nginx_types(),
    }
    return _FIELD.sub(lambda match: fields[match.group()], TEMPLATE.read_text())
