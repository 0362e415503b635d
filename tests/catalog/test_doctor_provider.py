"""doctor's provider check when no mirror holds the provider: it asks the registry's discovery document, gives up
fast, follows no redirect, and says what to do. The registry here is a server on loopback standing at the address
the check is given, so no test sends anything off the machine."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from clusterwiz.core.doctor import check_provider, registry_unreachable
from clusterwiz.core.provider import AWS_PROVIDER_VERSION, ProviderInstallation, terraform_platform

DISCOVERY_PATH = "/.well-known/terraform.json"


class Registry(http.server.BaseHTTPRequestHandler):
    """Answers Terraform's service discovery as registry.terraform.io does; anything else is 404."""

    hits: list[str]

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.hits.append(self.path)
        if self.path == DISCOVERY_PATH:
            self._answer(200, {"Content-Type": "application/json"}, json.dumps({"providers.v1": "/v1/providers/"}))
        elif self.path == "/moved":
            self._answer(302, {"Location": f"http://127.0.0.1:{self.server.server_port}{DISCOVERY_PATH}"}, "")
        else:
            self._answer(404, {}, "not found")

    def _answer(self, status: int, headers: dict[str, str], body: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def registry() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []
    handler = type("RecordingRegistry", (Registry,), {"hits": hits})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def only_the_registry(tmp_path: Path) -> ProviderInstallation:
    """No mirror anywhere and an empty plugin cache: the provider can only come from the registry."""
    return ProviderInstallation(cache_dir=tmp_path / "cache", config_file=tmp_path / "terraformrc",
                                users_config=False, registry=True)


def test_a_reachable_registry_is_enough(registry: tuple[str, list[str]], only_the_registry: ProviderInstallation):
    address, hits = registry
    check = check_provider(only_the_registry, registry_url=address + DISCOVERY_PATH)
    assert check.ok and check.detail.startswith(f"hashicorp/aws {AWS_PROVIDER_VERSION} ({terraform_platform()}) "
                                                "from registry.terraform.io (reachable)")
    assert hits == [DISCOVERY_PATH]


def test_an_unreachable_registry_says_how_to_work_offline(only_the_registry: ProviderInstallation):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        address = f"http://127.0.0.1:{closed.getsockname()[1]}{DISCOVERY_PATH}"  # nobody listens there
    check = check_provider(only_the_registry, registry_url=address)
    assert not check.ok and check.blocking
    assert check.detail == (f"no mirror holds hashicorp/aws {AWS_PROVIDER_VERSION} ({terraform_platform()}) and "
                            "registry.terraform.io cannot be reached ([Errno 111] Connection refused)")
    assert check.fix.startswith("connect to the internet, or set CLUSTERWIZ_TF_PLUGIN_MIRROR (or --plugin-mirror) to "
                                f"a directory holding DIR/registry.terraform.io/hashicorp/aws/{AWS_PROVIDER_VERSION}/")


def test_a_registry_that_never_answers_is_given_up_on_at_the_timeout():
    with socket.socket() as silent:  # accepts connections (the kernel does) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        began = time.monotonic()
        failure = registry_unreachable(f"http://127.0.0.1:{silent.getsockname()[1]}{DISCOVERY_PATH}", timeout=0.5)
        waited = time.monotonic() - began
    assert failure in ("timed out", "no answer within 0.5 s") and waited < 1.5


def test_a_redirect_is_not_followed(registry: tuple[str, list[str]]):
    address, hits = registry
    assert registry_unreachable(f"{address}/moved", timeout=3) == "it answered HTTP 302"
    assert hits == ["/moved"]


def test_an_answer_that_is_not_a_registrys_does_not_count(registry: tuple[str, list[str]]):
    address, _ = registry
    assert registry_unreachable(f"{address}/elsewhere", timeout=3) == "it answered HTTP 404"
