"""The YAML of a cluster spec, read with bounds a hostile file cannot pass and written so every string reads back
as it was.

A cluster spec is a few KB, a handful of levels deep, with a few hundred values. Reading is bounded well above
that: the bytes read, how deep the document nests and how many values it expands to through aliases (an "alias
bomb" of a few lines expands to billions). Every refusal is an InputRefused with the line, and what an error
message echoes of a value is cut short (`shown`).
"""

from __future__ import annotations

import reprlib
from pathlib import Path
from typing import Any

import yaml

MAX_SPEC_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_VALUES = 10_000
SHOWN_CHARS = 60

_SHORT = reprlib.Repr()
_SHORT.maxstring = SHOWN_CHARS
_SHORT.maxother = SHOWN_CHARS
_SHORT.maxlevel = 2
# YAML 1.1 reads these as line breaks: outside double quotes a NEL comes back as a space.
_LINE_BREAKS = ("\x85", "\u2028", "\u2029")


class InputRefused(ValueError):
    """The file cannot be read as a cluster spec; the message says where and why."""


def shown(value: Any) -> str:
    """`value` as an error message shows it: its repr, cut short with its length when it is long text."""
    if isinstance(value, str) and len(value) > SHOWN_CHARS:
        return f"{value[:SHOWN_CHARS]!r}... ({len(value)} characters)"
    return _SHORT.repr(value)


def read_bounded(path: Path) -> bytes:
    """The file's bytes, read no further than MAX_SPEC_BYTES (so /dev/zero or a disk image ends in a refusal)."""
    with path.open("rb") as handle:
        data = handle.read(MAX_SPEC_BYTES + 1)
    if len(data) > MAX_SPEC_BYTES:
        raise InputRefused(f"is larger than {MAX_SPEC_BYTES // (1024 * 1024)} MiB, far more than a cluster spec "
                           "holds; give the cluster.yaml itself")
    return data


def read_spec_text(path: Path) -> str:
    data = read_bounded(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputRefused(f"is not UTF-8 text (byte {error.start}); save it as UTF-8") from None


class BoundedLoader(yaml.SafeLoader):
    """SafeLoader measuring every node as it is composed: how many values it stands for once its aliases are
    expanded, and how deep it nests, each from its children's measures, so a bomb is refused before it expands."""

    def __init__(self, text: str):
        super().__init__(text)
        self._composing = 0
        self._measures: dict[int, tuple[int, int]] = {}  # id(node) -> (values, depth)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            target = self.anchors.get(event.anchor)
            if target is not None and id(target) not in self._measures:
                raise InputRefused(f"{_line(event.start_mark)}the alias *{event.anchor} refers to itself; "
                                   "write the value out")
            return super().compose_node(parent, index)
        self._composing += 1
        if self._composing > MAX_DEPTH:
            raise InputRefused(f"{_line(self.peek_event().start_mark)}nested more than {MAX_DEPTH} levels deep; a "
                               "cluster spec needs a few")
        try:
            node = super().compose_node(parent, index)
        finally:
            self._composing -= 1
        children = _children(node)
        values = 1 + sum(self._measures[id(child)][0] for child in children)
        depth = 1 + max((self._measures[id(child)][1] for child in children), default=0)
        if values > MAX_VALUES:
            raise InputRefused(f"{_line(node.start_mark)}expands to more than {MAX_VALUES} values through its "
                               "aliases (*name); write the values out instead")
        if depth > MAX_DEPTH:
            raise InputRefused(f"{_line(node.start_mark)}nested more than {MAX_DEPTH} levels deep through its "
                               "aliases; a cluster spec needs a few")
        self._measures[id(node)] = (values, depth)
        return node

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first_lines: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *base` keys may be overridden: that is what they are for
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                first = first_lines.setdefault(key, line)
            except TypeError:
                continue  # unhashable: SafeConstructor reports it
            if first != line:
                raise InputRefused(f"line {line}: key {shown(key)} appears twice (first on line {first}); keep "
                                   "one, YAML would silently use the last")
        return super().construct_mapping(node, deep=deep)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _line(mark: yaml.Mark | None) -> str:
    return f"line {mark.line + 1}: " if mark else ""


def load_spec_yaml(text: str) -> Any:
    """The document's data; InputRefused names the line of what is malformed or beyond the bounds."""
    loader = BoundedLoader(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise InputRefused(f"{where}not valid YAML ({problem[:200]}); check the indentation and quoting "
                           "there") from None
    finally:
        loader.dispose()


class _ExactDumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # Double quotes escape line-break characters (\N, \L, \P); every other style would fold a NEL into a space.
    style = '"' if any(mark in text for mark in _LINE_BREAKS) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_ExactDumper.add_representer(str, _represent_str)


def dump_spec_yaml(data: Any) -> str:
    """YAML that load_spec_yaml reads back to exactly `data`, non-ASCII text left readable."""
    return yaml.dump(data, Dumper=_ExactDumper, sort_keys=False, allow_unicode=True)
