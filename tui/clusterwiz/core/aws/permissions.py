"""Would AWS allow a call? Asked without doing it: an EC2 DryRun, or a read that changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from botocore import exceptions as boto_errors

from clusterwiz.core.aws.errors import ACCESS_DENIED_CODES, error_code

# EC2's answer to an allowed DryRun: "Request would have succeeded, but DryRun flag is set."
DRY_RUN_ALLOWED = "DryRunOperation"


@dataclass(frozen=True)
class PermissionAnswer:
    allowed: bool | None  # None: AWS answered neither yes nor no (another error), so nobody knows
    code: str  # AWS's error code, or botocore's failure; '' when the call simply succeeded


def ask(call: Callable[[], object]) -> PermissionAnswer:
    """Run a DryRun or harmless call and read AWS's answer as allowed, refused or unknown."""
    try:
        call()
    except boto_errors.ClientError as error:
        code = error_code(error)
        if code == DRY_RUN_ALLOWED:
            return PermissionAnswer(True, code)
        return PermissionAnswer(False if code in ACCESS_DENIED_CODES else None, code)
    except boto_errors.BotoCoreError as error:
        return PermissionAnswer(None, type(error).__name__)
    return PermissionAnswer(True, "")
