"""The sandbox's emulator process: moto's server on 127.0.0.1, seeded to look like a real account.

core.sandbox runs `python -m clusterwiz.core.sandbox_server STATE_DIR` as a detached process. Once the
server listens and the account is seeded, it prints one JSON line on stdout ({"port": ..., "seed": ...})
and then serves until it is terminated. Everything lives in memory: stopping it forgets the account.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clusterwiz.core.files import atomic_write_text
from clusterwiz.core.sandbox_seed import (
    SANDBOX_ACCOUNT,
    SANDBOX_REGION,
    moto_ami_definitions,
    public_parameters,
    seed_account,
)

AMIS_FILE = "amis.json"
MOTO_DEFAULT_CLIENT_TOKEN = "ABCDE"  # what moto records when a request has no ClientToken


def share_region_lists() -> None:
    """Answer every boto3 region-list question in this process from one session.

    moto asks a brand-new boto3 Session for region lists several times per service it loads, and each
    new session parses botocore's endpoint data again (~0.2 s each, about half of the sandbox's start).
    The answer depends only on botocore's bundled data, so one session can give it for all of them.
    """
    import boto3.session

    shared = boto3.session.Session()
    ask = boto3.session.Session.get_available_regions

    @functools.cache
    def available_regions(*args: Any, **kwargs: Any) -> tuple[str, ...]:
        return tuple(ask(shared, *args, **kwargs))

    def get_available_regions(self: Any, *args: Any, **kwargs: Any) -> list[str]:
        return list(available_regions(*args, **kwargs))

    boto3.session.Session.get_available_regions = get_available_regions


def answer_missing_templates_like_aws() -> None:
    """Deleting a launch template that is already gone must fail as AWS fails, with the error the Terraform
    provider treats as "already deleted". moto answers with another code, so a delete the provider retries
    (the emulator is slow under load, e.g. two clusters destroyed at once) failed the whole destroy.
    """
    from moto.ec2.exceptions import InvalidLaunchTemplateIdNotFound
    from moto.ec2.models.launch_templates import LaunchTemplateBackend

    delete = LaunchTemplateBackend.delete_launch_template

    def delete_launch_template(self: Any, name: str, tid: str | None) -> Any:
        if not name and tid is not None and tid not in self.launch_templates:
            raise InvalidLaunchTemplateIdNotFound(tid)
        return delete(self, name, tid)

    LaunchTemplateBackend.delete_launch_template = delete_launch_template


def answer_a_repeated_profile_creation_like_the_first() -> None:
    """A CreateInstanceProfile sent again exactly as before, while the profile it made is still bare, gets the
    profile instead of EntityAlreadyExists. The provider's AWS SDK sends a request again when its answer was
    lost, and an apply then failed with "already exists" for a name it had just generated itself (seen under
    load, one apply in a few dozen; hashicorp/terraform-provider-aws#12121 reports it from AWS too). A profile
    asked for by someone else, with other tags or path, or already holding roles, is refused as AWS refuses it.
    """
    from moto.iam.models import IAMBackend

    create = IAMBackend.create_instance_profile

    def create_instance_profile(self: Any, name: str, path: str, role_names: list[str],
                                tags: list[dict[str, str]] | None = None) -> Any:
        existing = self.instance_profiles.get(name)
        if (existing is not None and not existing.roles and not role_names
                and existing.path == (path or "/") and existing.tags == (tags or [])):
            return existing
        return create(self, name, path, role_names, tags)

    IAMBackend.create_instance_profile = create_instance_profile


def honour_run_instances_client_tokens() -> None:
    """RunInstances with a ClientToken seen before returns the instances that token launched, as AWS does
    (moto keeps the token but launches again). The SDK fills the token in and resends a request whose answer
    it lost; the emulator launched a second head node then, which no state knew of, and a destroy left it
    running as a leftover.
    """
    from moto.ec2.models.instances import InstanceBackend

    run = InstanceBackend.run_instances

    def run_instances(self: Any, image_id: str, count: int, user_data: Any, security_group_names: list[str],
                      **kwargs: Any) -> Any:
        token = kwargs.get("client_token")
        if token and token != MOTO_DEFAULT_CLIENT_TOKEN:
            for reservation in self.reservations.values():
                if any(instance.client_token == token for instance in reservation.instances):
                    return reservation
        return run(self, image_id, count, user_data, security_group_names, **kwargs)

    InstanceBackend.run_instances = run_instances


def publish_parameters(region: str) -> None:
    """Place AWS's public image parameters: no API may write under /aws/, so they go into moto's backend."""
    from moto.ssm.models import Parameter, ssm_backends

    parameters = ssm_backends[SANDBOX_ACCOUNT][region]._parameters
    # moto would add its own Amazon Linux parameters on first read, naming images the sandbox does not have.
    parameters.latest_amis_loaded = True
    published = datetime(2026, 10, 21, tzinfo=UTC)
    for name, ami_id in public_parameters().items():
        parameters[name] = [Parameter(account_id=SANDBOX_ACCOUNT, name=name, value=ami_id, parameter_type="String",
                                      description=None, allowed_pattern=None, keyid=None,
                                      last_modified_date=published, version=1, data_type="aws:ec2:image")]


class OneRequestAtATime:
    """A WSGI app that lets `app` answer one request at a time: moto's backends are not safe for concurrent
    requests (its documentation says so), and Terraform sends ten at once, two clusters' twice as many. A
    request takes the emulator milliseconds; side by side calls wait that long for each other."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self.lock:
            return list(self.app(environ, start_response))  # the body is made inside, where moto's state is


def serve(state_dir: Path) -> None:
    # moto reads its public images from this file when it is imported: set it first.
    amis = state_dir / AMIS_FILE
    atomic_write_text(amis, json.dumps(moto_ami_definitions()))
    os.environ["MOTO_AMIS_PATH"] = str(amis)

    share_region_lists()
    answer_missing_templates_like_aws()
    answer_a_repeated_profile_creation_like_the_first()
    honour_run_instances_client_tokens()
    from moto.ec2.models import ec2_backends
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one log line per request would fill the log
    server = make_server("127.0.0.1", 0, OneRequestAtATime(DomainDispatcherApplication(create_backend_app)),
                         threaded=True, request_handler=MotoRequestHandler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, name="emulator", daemon=True).start()

    seeded = seed_account(ec2_backends[SANDBOX_ACCOUNT][SANDBOX_REGION])
    publish_parameters(SANDBOX_REGION)

    print(json.dumps({"port": port, "seed": dataclasses.asdict(seeded)}), flush=True)
    # Nobody reads stdout after the handshake; a closed pipe must not kill the server later.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    while True:
        signal.pause()  # SIGTERM's default action ends the process; there is nothing to save


if __name__ == "__main__":
    serve(Path(sys.argv[1]))
