"""What the plan screen says when a plan fails: what failed in a line, Terraform's text to read, and hints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from clusterwiz.core.events import Diagnostic, unwrapped
from clusterwiz.core.hints import Hint, hint_for

ERROR_PREFIX = "Error: "


@dataclass(frozen=True)
class PlanFailure:
    headline: str  # what failed, in a line
    text: str  # the whole message, Terraform's hard line breaks taken out (events.unwrapped)
    hints: tuple[Hint, ...]  # what to do, when a hint knows and the message does not say it already


def plan_failure(message: str, diagnostics: Sequence[Diagnostic]) -> PlanFailure:
    """From the error the plan raised and the diagnostics its stream carried. An init that failed streams no
    diagnostics: its text then names the error on a line of its own ("Error: ..."), as Terraform writes it."""
    errors = [d for d in diagnostics if d.severity == "error"]
    lines = message.splitlines()
    if errors:
        cause = errors[0].summary
    else:
        cause = next((line.removeprefix(ERROR_PREFIX) for line in lines if line.startswith(ERROR_PREFIX)),
                     lines[0].rstrip(":") if lines else "no reason given")
    found = [hint_for(f"{d.summary}\n{d.detail}") for d in errors] if errors else [hint_for(message)]
    # A hint the message carries already (the runner adds those of its diagnostics) is not said twice.
    hints = tuple(dict.fromkeys(hint for hint in found if hint is not None and hint.problem not in message))
    return PlanFailure(headline=f"The plan failed: {cause}", text=unwrapped(_from_the_error(lines)), hints=hints)


def _from_the_error(lines: list[str]) -> str:
    """The message without the progress Terraform printed before its error (the modules and providers init went
    through, in the log for whoever wants them): its first line, then from the error on."""
    start = next((index for index, line in enumerate(lines) if line.startswith(ERROR_PREFIX)), None)
    kept = lines if start is None else [lines[0], *lines[start:]]
    return "\n".join(kept)
