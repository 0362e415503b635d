"""Which tool wrote a config file, told from its shape when the user does not say."""

from __future__ import annotations

import re
from pathlib import Path

from clusterwiz.core.importers.ini_reader import IniDocument

FORMATS = ("pcluster2", "cfncluster", "starcluster", "pcluster3")
FORMAT_LABELS = {
    "pcluster2": "ParallelCluster v2", "cfncluster": "CfnCluster", "starcluster": "StarCluster",
    "pcluster3": "ParallelCluster 3",
}
_STARCLUSTER_SECTIONS = frozenset({"aws info", "key", "volume", "plugin", "permission"})
_STARCLUSTER_KEYS = frozenset({"cluster_size", "node_instance_type", "node_image_id", "default_template",
                               "keyname", "master_instance_type", "extends", "include"})
_YAML_TOP_KEY = re.compile(r"^(Region|Image|HeadNode|Scheduling|SharedStorage|Tags|Monitoring)\s*:", re.M)
_INI_HEADER = re.compile(r"^\s*\[[^\]]+\]\s*$", re.M)


def looks_like_yaml(path: Path, text: str) -> bool:
    if path.suffix.lower() in (".yaml", ".yml"):
        return True
    return bool(_YAML_TOP_KEY.search(text)) and not _INI_HEADER.search(text)


def detect_ini_format(document: IniDocument, text: str) -> str:
    kinds = {section.kind for section in document.sections}
    if kinds & _STARCLUSTER_SECTIONS:
        return "starcluster"
    keys = {key.normalized_key for section in document.sections for key in section.settings()}
    # A v2 [cluster] has master_instance_type too, but never these StarCluster-only keys.
    if keys & (_STARCLUSTER_KEYS - {"master_instance_type"}):
        return "starcluster"
    comments = "\n".join(line for line in text.splitlines() if line.lstrip().startswith(("#", ";")))
    if "cfncluster" in comments.lower() or ".cfncluster" in str(document.path).lower():
        return "cfncluster"
    return "pcluster2"
