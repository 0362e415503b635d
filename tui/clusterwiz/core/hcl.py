"""The one encoder through which values reach HCL.

Any string reaches Terraform as the same string: quotes, backslashes, control characters and the
template sequences `${` and `%{` are escaped, so no user input is ever read as an expression.
Output is laid out the way `terraform fmt` lays it out, so rendered files are fmt-clean as written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

INDENT = "  "
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
# Bare words HCL would read as something other than a literal key.
_KEYWORDS = frozenset({"true", "false", "null", "for", "in", "if", "endfor", "endif", "else"})
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


class HclEncodeError(TypeError):
    """A value with no HCL equivalent reached the encoder: a programming error, not a user one."""


def _escape_char(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    if code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0 or 0xD800 <= code < 0xE000 or code in (0x2028, 0x2029):
        if code > 0xFFFF:
            return f"\\U{code:08x}"
        return f"\\u{code:04x}"
    return char


def quote(text: str) -> str:
    """A quoted HCL string literal that evaluates to exactly `text`."""
    escaped = "".join(_escape_char(char) for char in text)
    # Double the introducer of a template sequence; `$${` is HCL's literal `${` (likewise `%%{`).
    escaped = escaped.replace("${", "$${").replace("%{", "%%{")
    return f'"{escaped}"'


def object_key(key: str) -> str:
    if _IDENTIFIER.match(key) and key not in _KEYWORDS:
        return key
    return quote(key)


def encode(value: object, level: int = 0) -> str:
    """An HCL expression for a JSON-like value (None, bool, int, float, str, sequences, mappings)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise HclEncodeError(f"{value!r} has no HCL equivalent")
        return repr(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, Mapping):
        return _encode_object(value, level)
    if isinstance(value, Sequence):
        return _encode_list(value, level)
    raise HclEncodeError(f"cannot encode {type(value).__name__} as HCL")


def _encode_list(items: Sequence[object], level: int) -> str:
    if not items:
        return "[]"
    encoded = [encode(item, level + 1) for item in items]
    if all("\n" not in part for part in encoded) and sum(len(part) + 2 for part in encoded) <= 80:
        return "[" + ", ".join(encoded) + "]"
    inner = INDENT * (level + 1)
    return "[\n" + "".join(f"{inner}{part},\n" for part in encoded) + INDENT * level + "]"


def _encode_object(mapping: Mapping[object, object], level: int) -> str:
    if not mapping:
        return "{}"
    for key in mapping:
        if not isinstance(key, str):
            raise HclEncodeError(f"object keys must be strings, not {type(key).__name__}")
    body = attributes({str(k): v for k, v in mapping.items()}, level + 1)
    return "{\n" + body + INDENT * level + "}"


def attributes(values: Mapping[str, object], level: int = 0) -> str:
    """`key = value` lines, with the equals signs of consecutive one-line values aligned as fmt does."""
    lines = [(object_key(key), encode(value, level)) for key, value in values.items()]
    out: list[str] = []
    group: list[tuple[str, str]] = []

    def flush() -> None:
        width = max((len(key) for key, _ in group), default=0)
        out.extend(f"{INDENT * level}{key.ljust(width)} = {value}\n" for key, value in group)
        group.clear()

    for key, value in lines:
        if "\n" in value:
            # fmt aligns only runs of one-line values; a multi-line value stands alone between runs.
            flush()
            out.append(f"{INDENT * level}{key} = {value}\n")
        else:
            group.append((key, value))
    flush()
    return "".join(out)
