"""IMDSv2 on 169.254.169.254 inside one twin's namespace, answering as EC2 answers that instance.

Tokens are required (the modules set http_tokens = required): a GET without a token from PUT /latest/api/token is
refused with 401, as EC2 refuses it. The instance profile's credentials are the emulator's test credentials.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.moto_server import TEST_CREDENTIALS
from tests.twins.netns import listening_socket

IMDS_ADDRESS = "169.254.169.254"


@dataclass
class InstanceIdentity:
    instance_id: str
    private_ip: str
    region: str
    availability_zone: str
    instance_type: str
    role_name: str

    def metadata(self, path: str) -> str | None:
        credentials = {
            "Code": "Success", "Type": "AWS-HMAC", "LastUpdated": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "AccessKeyId": TEST_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            "SecretAccessKey": TEST_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            "Token": TEST_CREDENTIALS["AWS_SESSION_TOKEN"],
            "Expiration": (datetime.now(UTC) + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        answers = {
            "instance-id": self.instance_id,
            "local-ipv4": self.private_ip,
            "instance-type": self.instance_type,
            "placement/region": self.region,
            "placement/availability-zone": self.availability_zone,
            "iam/security-credentials": self.role_name,
            "iam/security-credentials/" + self.role_name: json.dumps(credentials),
        }
        return answers.get(path.strip("/"))


class _Handler(BaseHTTPRequestHandler):
    server: _MetadataServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def _answer(self, status: int, body: str = "") -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self) -> None:  # noqa: N802 - http.server's name
        if self.path != "/latest/api/token" or not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            self._answer(400)
            return
        token = secrets.token_urlsafe(24)
        self.server.tokens.add(token)
        self._answer(200, token)

    def do_GET(self) -> None:  # noqa: N802
        if self.headers.get("X-aws-ec2-metadata-token") not in self.server.tokens:
            self._answer(401)
            return
        if not self.path.startswith("/latest/meta-data/"):
            self._answer(404)
            return
        answer = self.server.identity.metadata(self.path.removeprefix("/latest/meta-data/"))
        self._answer(200, answer) if answer is not None else self._answer(404)


class _MetadataServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, identity: InstanceIdentity, namespace: str):
        super().__init__((IMDS_ADDRESS, 80), _Handler, bind_and_activate=False)
        self.socket.close()
        self.socket = listening_socket(namespace, IMDS_ADDRESS, 80)
        self.identity = identity
        self.tokens: set[str] = set()


class MetadataService:
    def __init__(self, identity: InstanceIdentity, namespace: str):
        self.server = _MetadataServer(identity, namespace)
        self.thread = threading.Thread(target=self.server.serve_forever, name=f"imds-{identity.instance_id}",
                                       daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
