"""A load balancer for the multi-server test: one address in front of several app servers.

Each request goes to the first backend its route names that accepts a connection; a request no
backend accepted was never delivered, so moving it to the next one is safe (a POST included),
as a real load balancer's health-checked failover does. Every request is logged with the
backend that answered it.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)


@dataclass(frozen=True)
class Delivery:
    method: str
    host: str
    path: str
    backend: str  # the backend's name, "" when none accepted the request
    status: int


Route = Callable[[str, str, str], list[str]]  # (method, host, path) -> backend names, in order


class Balancer:
    def __init__(self, backends: dict[str, int], route: Route) -> None:
        self.backends = backends  # name -> port on 127.0.0.1
        self.route = route
        self.log: list[Delivery] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Balancer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def record(self, delivery: Delivery) -> None:
        with self._lock:
            self.log.append(delivery)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        balancer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # one request per connection: no stickiness

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                headers["X-Forwarded-For"] = self.client_address[0]
                host = self.headers.get("Host", "")
                for name in balancer.route(self.command, host, self.path):
                    connection = http.client.HTTPConnection(
                        "127.0.0.1", balancer.backends[name], timeout=60
                    )
                    try:
                        connection.connect()
                    except ConnectionRefusedError:
                        continue  # not delivered: the next backend may take it
                    connection.request(self.command, self.path, body=body, headers=headers)
                    answer = connection.getresponse()
                    self.send_response(answer.status, answer.reason)
                    for key, value in answer.getheaders():
                        if key.lower() not in HOP_BY_HOP:
                            self.send_header(key, value)
                    self.end_headers()
                    while chunk := answer.read(64 * 1024):
                        self.wfile.write(chunk)
                    connection.close()
                    balancer.record(Delivery(self.command, host, self.path, name, answer.status))
                    return
                balancer.record(Delivery(self.command, host, self.path, "", 502))
                self.send_error(502, "No backend accepted the request")

            do_GET = do_POST = do_HEAD = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _forward

        return Handler
