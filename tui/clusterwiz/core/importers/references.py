"""Keys that name other sections (vpc_settings, VOLUMES, PLUGINS ...): found ones, and missing ones reported."""

from __future__ import annotations

from clusterwiz.core.importers.ini_reader import IniDocument, IniSection
from clusterwiz.core.importers.report import ReportBuilder
from clusterwiz.core.importers.source import SourceKey
from clusterwiz.core.importers.values import split_list


def referenced_sections(document: IniDocument, report: ReportBuilder, key: SourceKey | None, kind: str,
                        used: set[int], missing_hint: str = "") -> list[IniSection]:
    """The [kind NAME] sections key's comma list names (marked used); names without a section are a decision."""
    if key is None:
        return []
    found, missing = [], []
    for label in split_list(key.value):
        section = document.find(kind, label)
        if section is None:
            missing.append(label)
        else:
            used.add(id(section))
            found.append(section)
    if missing:
        report.decision(key, None, f"names {', '.join(f'[{kind} {m}]' for m in missing)}, which the file does not "
                        f"define{missing_hint}; skipped")
    return found
