"""YAML read with the line of every value, so the import report can point at it.

A placeholder such as `Region: {REGION}` is a flow mapping to YAML ({'REGION': None}); it is
read back as the string "{REGION}" the user wrote, so it is reported as a placeholder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from clusterwiz.core.importers.problems import ImportFailed
from clusterwiz.core.importers.source import SourceKey
from clusterwiz.core.spec_yaml import BoundedLoader, InputRefused


def _is_brace_placeholder(node: yaml.Node) -> bool:
    return (isinstance(node, yaml.MappingNode) and bool(node.flow_style) and len(node.value) == 1
            and isinstance(node.value[0][1], yaml.ScalarNode) and node.value[0][1].tag.endswith(":null"))


class _Walker:
    def __init__(self, loader: BoundedLoader, file: str):
        self.loader = loader
        self.file = file
        self.leaves: dict[str, SourceKey] = {}

    def walk(self, node: yaml.Node, path: str) -> Any:
        line = node.start_mark.line + 1
        if _is_brace_placeholder(node):
            text = "{" + str(node.value[0][0].value) + "}"
            self.leaves[path] = SourceKey("", path, text, self.file, line)
            return text
        if isinstance(node, yaml.MappingNode):
            result = {}
            for key_node, value_node in node.value:
                key = str(self.loader.construct_object(key_node))
                result[key] = self.walk(value_node, f"{path}.{key}" if path else key)
            if not node.value and path:
                self.leaves[path] = SourceKey("", path, "{}", self.file, line)
            return result
        if isinstance(node, yaml.SequenceNode):
            items = [self.walk(item, f"{path}[{index}]") for index, item in enumerate(node.value)]
            if not items and path:
                self.leaves[path] = SourceKey("", path, "[]", self.file, line)
            return items
        value = self.loader.construct_object(node)
        self.leaves[path] = SourceKey("", path, "" if value is None else str(value), self.file, line)
        return value


def load_yaml(text: str, path: Path) -> tuple[Any, dict[str, SourceKey]]:
    """(data, leaves by path such as 'Scheduling.SlurmQueues[0].Name')."""
    loader = BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ImportFailed(path, None, "is empty; give a ParallelCluster 3 cluster config")
        walker = _Walker(loader, path.name)
        data = walker.walk(node, "")
    except InputRefused as refused:
        raise ImportFailed(path, None, str(refused)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ImportFailed(path, mark.line + 1 if mark else None, f"is not valid YAML ({problem}); check the "
                           "indentation and quoting there") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ImportFailed(path, None, "does not hold a mapping of keys (Region:, HeadNode:, Scheduling: ...)")
    return data, walker.leaves
