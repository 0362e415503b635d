"""moto's server on 127.0.0.1 at a free port, reached over HTTP by boto3 and the Terraform AWS provider."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import requests
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from clusterwiz.core.sandbox_server import OneRequestAtATime

TEST_REGION = "eu-west-2"
TEST_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
# Set globally on these machines; tests must not inherit them.
UNSET_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CA_BUNDLE", "AWS_CONFIG_FILE",
                   "AWS_SHARED_CREDENTIALS_FILE")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_moto_server() -> Iterator[str]:
    """moto's server on a loopback port, answering one request at a time as the sandbox's emulator does: its
    backends are not thread-safe, and the catalog's side by side lookups once got a 500 from it."""
    app = OneRequestAtATime(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="moto", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join()


def reset_moto(endpoint: str) -> None:
    """Forget every resource, so the next test starts from an empty account."""
    requests.post(f"{endpoint}/moto-api/reset", timeout=10).raise_for_status()


def aws_environment(endpoint: str, region: str = TEST_REGION) -> dict[str, str]:
    return {**TEST_CREDENTIALS, "AWS_ENDPOINT_URL": endpoint, "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region}
