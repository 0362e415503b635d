"""AWS endpoints that fail as real ones sometimes do, on loopback: one that never answers, and moto behind a proxy
that answers chosen operations with AWS's own internal error (HTTP 500).

moto's server has no way to inject a fault, so the 500 comes from this proxy; every other request reaches moto and
is answered by it, so a command meets the fault in the middle of otherwise real work."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

# The Version every EC2 query request carries: EC2 words its errors differently from the other query services.
EC2_API_VERSION = "2016-11-15"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


@contextmanager
def silent_endpoint() -> Iterator[str]:
    """An endpoint on 127.0.0.1 that accepts every connection and never sends a byte back: a VPN or firewall that
    drops the traffic, a hung proxy. Yields its URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:  # the listener was closed
                return
            held.append(connection)

    thread = threading.Thread(target=accept, name="silent-endpoint", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the accept(); close() alone does not
        listener.close()
        for connection in held:
            connection.close()
        thread.join(5)


class FaultyProxy:
    """moto at `upstream`, except that the operations `fails(action)` picks get HTTP 500 with code `code`.
    `tried` counts every request by operation, `failed` the ones answered with the fault."""

    def __init__(self, upstream: str, fails: Callable[[str], bool], code: str = "InternalError"):
        self.upstream = urlparse(upstream)
        self.fails = fails
        self.code = code
        self.tried: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_port}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def do_PUT(self) -> None:
                self._answer()

            def do_DELETE(self) -> None:
                self._answer()

            def do_HEAD(self) -> None:
                self._answer()

            def _answer(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                action, ec2 = operation_of(self.path, self.headers.get("X-Amz-Target"), body)
                with proxy._lock:
                    proxy.tried[action] += 1
                    failing = proxy.fails(action)
                    if failing:
                        proxy.failed[action] += 1
                if failing:
                    status, headers, answer = 500, {}, proxy.error_body(self.headers.get("X-Amz-Target"), ec2)
                else:
                    status, headers, answer = proxy.forward(self.command, self.path, dict(self.headers), body)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(answer)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=60)
        try:
            connection.request(method, path, body=body or None, headers=headers)
            reply = connection.getresponse()
            answer = reply.read()
            kept = {key: value for key, value in reply.getheaders() if key.lower() not in HOP_BY_HOP}
            return reply.status, kept, answer
        finally:
            connection.close()

    def error_body(self, target: str | None, ec2: bool) -> bytes:
        """AWS's 500, in the wording of the service's protocol, as botocore and the Go SDK parse it."""
        message = "We encountered an internal error. Please try again."
        if target:  # a JSON protocol service
            return json.dumps({"__type": self.code, "message": message}).encode()
        if ec2:
            return (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{self.code}</Code>"
                    f"<Message>{message}</Message></Error></Errors><RequestID>fault-1</RequestID></Response>").encode()
        return (f"<ErrorResponse><Error><Type>Receiver</Type><Code>{self.code}</Code><Message>{message}</Message>"
                "</Error><RequestId>fault-1</RequestId></ErrorResponse>").encode()

    def __enter__(self) -> FaultyProxy:
        threading.Thread(target=self._server.serve_forever, name="faulty-proxy", daemon=True).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def operation_of(path: str, target: str | None, body: bytes) -> tuple[str, bool]:
    """A request's operation name (Action=, or the X-Amz-Target of the JSON protocol), and whether it is EC2's."""
    if target:
        return target.rsplit(".", 1)[-1], False
    fields = parse_qs(body.decode("utf-8", "replace")) or parse_qs(urlparse(path).query)
    action = fields.get("Action", ["?"])[0]
    return action, fields.get("Version", [""])[0] == EC2_API_VERSION
