"""Reading values the way the old tools did, and spotting values a user never filled in."""

from __future__ import annotations

import re

# Placeholders seen in tutorials and templates: <your key>, [VpcId], {REGION}, YOUR_KEY_NAME,
# vpc-xxxxxxxx, "CHANGE THIS TO ...", "PUT YOURS HERE", ***REMOVED***.
_PLACEHOLDER_PATTERNS = (
    (re.compile(r"<[^>]*>"), "is a placeholder in angle brackets"),
    (re.compile(r"^\[[^\]]*\]$"), "is a placeholder in square brackets"),
    (re.compile(r"^\{[^}]*\}$"), "is a placeholder in braces"),
    (re.compile(r"\byour", re.IGNORECASE), "is a placeholder ('your ...')"),
    (re.compile(r"change this|put yours here|\*\*\*removed\*\*\*", re.IGNORECASE), "is a placeholder"),
    (re.compile(r"(^|-)x{3,}", re.IGNORECASE), "is a placeholder (xxx)"),
)

AWS_ID_NAMES = {"vpc": "VPC", "subnet": "subnet", "vol": "volume", "snap": "snapshot", "ami": "AMI"}
_AWS_ID = re.compile(r"^(?P<prefix>[a-z]+)-(?:[0-9a-f]{8}|[0-9a-f]{17})$")

TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
FALSE_WORDS = frozenset({"false", "no", "off", "0"})


def placeholder_reason(value: str) -> str | None:
    """Why value looks like something the user was meant to replace, or None."""
    if not value.strip():
        return "is empty"
    for pattern, reason in _PLACEHOLDER_PATTERNS:
        if pattern.search(value):
            return reason
    return None


def aws_id_problem(prefix: str, value: str) -> str | None:
    """Why value cannot be an id of this kind (placeholder, truncated, wrong shape), or None."""
    reason = placeholder_reason(value)
    if reason:
        return f"{value!r} {reason}"
    match = _AWS_ID.match(value)
    if match is None or match.group("prefix") != prefix:
        return (f"{value!r} cannot be a {AWS_ID_NAMES[prefix]} id ({prefix}- and 8 or 17 hex digits, "
                f"e.g. {prefix}-0a1b2c3d4e5f67890)")
    return None


def parse_bool(value: str) -> bool | None:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def parse_int(value: str) -> int | None:
    text = value.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if re.fullmatch(r"[+-]?\d+\.0*", text):
        return int(float(text))
    return None


def split_list(value: str) -> list[str]:
    """A comma list as the tools read it: blanks around items do not matter, empty items vanish."""
    return [item.strip() for item in value.split(",") if item.strip()]


def to_spec_name(text: str, max_length: int) -> str | None:
    """text made into a lowercase name that starts with a letter, or None when nothing is left."""
    name = re.sub(r"[^a-z0-9-]+", "-", text.lower())
    name = re.sub(r"-{2,}", "-", name)
    name = re.sub(r"^[^a-z]+", "", name).rstrip("-")
    if len(name) > max_length:
        cut = name[: max_length + 1]
        # Cut at a word boundary when one is near, so names do not end mid-word.
        name = cut[: cut.rindex("-")] if "-" in cut[max_length // 2:] else name[:max_length]
    return name.rstrip("-") or None
