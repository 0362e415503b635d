"""What a twin reaches beyond its cluster: AWS's API endpoints and Debian's mirror, inside the fabric's namespace.

The twins' /etc/hosts sends AWS's names and deb.debian.org to their subnet's router, where this relay listens:
- 443: TLS with the twin CA's certificate for *.amazonaws.com, each connection relayed as it is to the emulator on
  this machine's loopback, which tells the services apart by the Host header as AWS's front ends do;
- 80: the image's local mirror (GET only; nothing else is served).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from tests.twins.netns import listening_socket
from tests.twins.tls import TwinAuthority

MIRROR_PATH = "/debian/"
CHUNK = 65536


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(CHUNK):
            target.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, target):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


class _MirrorHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def translate_path(self, path: str) -> str:
        location = urlsplit(path).path
        if not location.startswith(MIRROR_PATH):
            return "/nonexistent"
        return super().translate_path("/" + location.removeprefix(MIRROR_PATH))


class Relay:
    def __init__(self, namespace: str, authority: TwinAuthority, emulator_port: int, mirror: Path):
        self.emulator_port = emulator_port
        self.context = authority.server_context()
        self.tls = listening_socket(namespace, "0.0.0.0", 443)
        self.mirror = ThreadingHTTPServer(("0.0.0.0", 80), partial(_MirrorHandler, directory=str(mirror)),
                                          bind_and_activate=False)
        self.mirror.daemon_threads = True
        self.mirror.socket.close()
        self.mirror.socket = listening_socket(namespace, "0.0.0.0", 80)
        self.closed = threading.Event()
        self.threads = [threading.Thread(target=self._accept, name="relay-tls", daemon=True),
                        threading.Thread(target=self.mirror.serve_forever, name="relay-mirror", daemon=True)]
        for thread in self.threads:
            thread.start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.tls.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        try:
            secure = self.context.wrap_socket(client, server_side=True)
        except (ssl.SSLError, OSError):
            client.close()
            return
        upstream = socket.create_connection(("127.0.0.1", self.emulator_port))
        threading.Thread(target=_pump, args=(upstream, secure), daemon=True).start()
        _pump(secure, upstream)

    def close(self) -> None:
        self.closed.set()
        self.tls.close()
        self.mirror.shutdown()
        self.mirror.server_close()
