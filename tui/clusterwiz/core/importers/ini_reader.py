"""A tolerant reader for the INI files ParallelCluster v2, CfnCluster and StarCluster users wrote.

configparser rejects or misreads what real files hold (duplicate keys, inline comments after
tabs, values that are only a comment), so this reader does what those tools' users meant:
section kinds and keys in any case, the last of duplicate keys wins (the earlier ones are kept
for the report), and every key remembers its file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from clusterwiz.core.importers.problems import ImportFailed
from clusterwiz.core.importers.source import SourceKey

_HEADER = re.compile(r"^\[(?P<inside>[^\]]*)\]\s*(?:[#;].*)?$")
# An inline comment starts with # or ; after a space or tab (a value such as "a#b" keeps its #).
_INLINE_COMMENT = re.compile(r"[ \t][#;]")


@dataclass(eq=False)
class IniSection:
    kind: str
    label: str | None
    file: str
    line: int
    entries: dict[str, SourceKey] = field(default_factory=dict)
    overridden: list[tuple[SourceKey, SourceKey]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"[{self.kind} {self.label}]" if self.label is not None else f"[{self.kind}]"

    def get(self, key: str) -> SourceKey | None:
        return self.entries.get(key.lower())

    def settings(self) -> list[SourceKey]:
        return list(self.entries.values())

    def all_keys(self) -> list[SourceKey]:
        """Every key written in the section, including those a later duplicate overrode."""
        return [*self.entries.values(), *(old for old, _ in self.overridden)]

    def add(self, entry: SourceKey) -> None:
        previous = self.entries.get(entry.normalized_key)
        if previous is not None:
            self.overridden.append((previous, entry))
        self.entries[entry.normalized_key] = entry


@dataclass
class IniDocument:
    path: Path
    sections: list[IniSection] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[IniSection]:
        return [s for s in self.sections if s.kind == kind]

    def find(self, kind: str, label: str | None) -> IniSection | None:
        """The section [kind label]; labels match exactly first, then ignoring case."""
        candidates = self.of_kind(kind)
        for section in candidates:
            if section.label == label:
                return section
        if label is not None:
            for section in candidates:
                if section.label is not None and section.label.casefold() == label.casefold():
                    return section
        return None

    def labels(self, kind: str) -> list[str]:
        return [s.label if s.label is not None else "(unlabeled)" for s in self.of_kind(kind)]

    def extend(self, other: IniDocument) -> None:
        """Merge the sections of an included file: same sections combine, later keys win."""
        for section in other.sections:
            mine = self.find(section.kind, section.label)
            if mine is None or mine.label != section.label:
                self.sections.append(section)
                continue
            for entry in section.settings():
                mine.add(entry)


def split_value(raw: str) -> tuple[str, str | None]:
    """(value, comment) of the text after '=': an inline comment and surrounding blanks removed."""
    stripped = raw.strip()
    if stripped[:1] in ("#", ";"):
        return "", stripped
    match = _INLINE_COMMENT.search(stripped)
    if match is None:
        return stripped, None
    return stripped[: match.start()].rstrip(), stripped[match.start():].strip()


def parse_ini(text: str, path: Path) -> IniDocument:
    document = IniDocument(path)
    name = path.name
    current: IniSection | None = None
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if not line or line[0] in "#;":
            continue
        header = _HEADER.match(line)
        if header:
            current = _open_section(document, header.group("inside"), name, number)
            continue
        key, value_text = _split_key(line)
        if key is None:
            raise ImportFailed(path, number, f"{line!r} is neither a [section], a 'key = value' nor a comment; "
                               "fix or remove the line")
        if current is None:
            raise ImportFailed(path, number, f"'{key}' comes before any [section]; put it under a section such "
                               "as [global], or remove it")
        value, comment = split_value(value_text)
        current.add(SourceKey(current.title, key, value, name, number, comment))
    return document


def _open_section(document: IniDocument, inside: str, file: str, line: int) -> IniSection:
    words = inside.split(None, 1)
    if not words:
        raise ImportFailed(document.path, line, "'[]' is an empty section header; name the section or remove it")
    kind = words[0].lower()
    label = words[1].strip() if len(words) > 1 else None
    # StarCluster writes "[aws info]": that is one section kind, not a kind and a label.
    if kind == "aws" and label is not None and label.lower() == "info":
        kind, label = "aws info", None
    existing = document.find(kind, label)
    if existing is not None and existing.label == label:
        return existing
    section = IniSection(kind, label, file, line)
    document.sections.append(section)
    return section


def _split_key(line: str) -> tuple[str | None, str]:
    """Split at the first '=' or ':' (what configparser does); keys never hold either."""
    positions = [p for p in (line.find("="), line.find(":")) if p > 0]
    if not positions:
        return None, ""
    cut = min(positions)
    key = line[:cut].strip()
    if not key:
        return None, ""
    return key, line[cut + 1:]


def read_ini(path: Path) -> IniDocument:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise ImportFailed(path, None, "the file does not exist; check the path") from None
    except OSError as exc:
        raise ImportFailed(path, None, f"cannot be read ({exc.strerror})") from None
    return parse_ini(text, path)
