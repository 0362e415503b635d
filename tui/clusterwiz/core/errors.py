"""Errors a user can cause. The CLI prints their message without a traceback and exits 2."""


class ClusterwizError(Exception):
    """Something the user can fix; the message says what is wrong and what to do."""

    exit_code = 2


class SpecError(ClusterwizError):
    """cluster.yaml is unreadable or breaks a rule; one line per problem."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source} is not a valid cluster spec ({len(problems)} problem(s)):\n{lines}")


class TerraformError(ClusterwizError):
    """Terraform is missing, too old, or a run failed."""


class RegistryError(ClusterwizError):
    """A cluster is missing, already exists, or is locked by another clusterwiz."""


class AwsError(ClusterwizError):
    """An AWS call failed in a way the user can fix (credentials, permissions, region, endpoint)."""
