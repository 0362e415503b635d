"""The planned attributes of each resource, from `terraform show -json <planfile>`, ready to read."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

MAX_VALUE_CHARS = 160  # user_data and policies run to kilobytes: the start says what they are
UNKNOWN = "(known after apply)"
SENSITIVE = "(sensitive)"


def planned_attributes(show: Mapping[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Resource address -> (attribute, value as text), known values first; empty values left out."""
    details: dict[str, list[tuple[str, str]]] = {}
    for change in show.get("resource_changes", []):
        body = change.get("change") or {}
        deleting = body.get("actions") == ["delete"]
        values = (body.get("before") if deleting else body.get("after")) or {}
        unknown = {} if deleting else body.get("after_unknown") or {}
        sensitive = (body.get("before_sensitive") if deleting else body.get("after_sensitive")) or {}
        rows = []
        for key in sorted(set(values) | {k for k, v in unknown.items() if v is True}):
            if sensitive.get(key) is True:
                rows.append((key, SENSITIVE))
            elif unknown.get(key) is True:
                rows.append((key, UNKNOWN))
            elif values.get(key) not in (None, "", [], {}):
                rows.append((key, _text(values[key])))
        # What the plan sets first; what only AWS can tell after it (ids, ARNs) after.
        details[change["address"]] = sorted(rows, key=lambda row: (row[1] == UNKNOWN, row[0]))
    return details


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    text = " ".join(text.split())
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS - 1] + "…"
