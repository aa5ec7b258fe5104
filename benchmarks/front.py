"""nginx on loopback, as the benchmarks' front server and as their baseline for static files.

Run as a process of the benchmark's own (a configuration in a temporary folder, never the
system's service). One server block answers:

* ``/direct/...``: MEDIA_ROOT's files straight from disk (the baseline: nginx alone);
* ``SCORM_CONTENT_ACCEL_PREFIX`` (``/_content/``): an ``internal`` location aliased to
  MEDIA_ROOT, which the app names in ``X-Accel-Redirect`` once it has authorised a request
  (copying the app's security headers, which nginx would otherwise drop);
* everything else, when an upstream is given: proxied to the app under gunicorn, with the
  client's Host header, as a production front server would.

With ``grant_upstream``, a second server block (on ``grant_port``) is production's own for
``SCORM_CONTENT_DELIVERY=auth-request``: deploy/nginx-content.conf rendered by
``playback.nginx`` (Django set up), in front of the app at that port.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

ACCEL_PREFIX = "/_content/"  # the setting's default (lms/settings.py)
#: On an X-Accel-Redirect nginx drops the app's own headers but for a few (Content-Type,
#: Cache-Control...): the content origin's policy would be lost on every package file.
_COPIED = "".join(
    f"\n            add_header {name} $upstream_http_{name.lower().replace('-', '_')} always;"
    for name in (
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
    )
)


def nginx_binary() -> str:
    """nginx's path, or "" when it is not installed."""
    return shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else "")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _grant_server(folder: str, port: int, media_root: str, upstream: int) -> str:
    from playback.nginx import nginx_content_config

    return nginx_content_config(
        server=f"listen 127.0.0.1:{port};",
        app=f"127.0.0.1:{upstream}",
        cache_path=f"{folder}/grants",
        media_root=media_root,
    )


def _configuration(
    folder: str, port: int, media_root: str, upstream: int | None, grant_server: str = ""
) -> str:
    media = media_root.rstrip("/") + "/"
    proxy = (
        f"""
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}"""
        if upstream
        else ""
    )
    # Running as root, nginx would hand its workers to "nobody", who cannot read our folder.
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""
{user}
worker_processes 2;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location /direct/ {{ alias {media}; }}
        location {ACCEL_PREFIX} {{
            internal;
            alias {media};{_COPIED}
        }}{proxy}
    }}
{grant_server}
}}
"""


class Nginx:
    """nginx serving ``media_root`` (and proxying to 127.0.0.1:``upstream`` when given; with
    ``grant_upstream``, also the content origin of deploy/nginx-content.conf on ``grant_port``)."""

    def __init__(
        self, media_root: str, upstream: int | None = None, grant_upstream: int | None = None
    ) -> None:
        self.media_root, self.upstream, self.grant_upstream = media_root, upstream, grant_upstream
        self.port = self.grant_port = 0

    def __enter__(self) -> Nginx:
        binary = nginx_binary()
        if not binary:
            raise RuntimeError("nginx is not installed (apt-get install -y nginx)")
        self._folder = tempfile.mkdtemp(prefix="lms-bench-nginx-")
        self.port = _free_port()
        grant_server = ""
        if self.grant_upstream:
            self.grant_port = _free_port()
            grant_server = _grant_server(
                self._folder, self.grant_port, self.media_root, self.grant_upstream
            )
        configuration = Path(self._folder) / "nginx.conf"
        configuration.write_text(
            _configuration(self._folder, self.port, self.media_root, self.upstream, grant_server)
        )
        self._process = subprocess.Popen(
            [binary, "-p", self._folder, "-e", f"{self._folder}/error.log"]
            + ["-c", str(configuration), "-g", "daemon off;"]
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                for port in filter(None, (self.port, self.grant_port)):
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return self
            except OSError:
                if self._process.poll() is not None:
                    break
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError(f"nginx did not start: {self.errors()}")

    def errors(self) -> str:
        log = Path(self._folder) / "error.log"
        return log.read_text()[-2000:] if log.exists() else ""

    def __exit__(self, *exc: object) -> None:
        if self._process.poll() is None:
            self._process.terminate()  # the master stops its workers
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        shutil.rmtree(self._folder, ignore_errors=True)
