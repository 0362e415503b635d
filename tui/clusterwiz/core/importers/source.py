"""One key read from a source file, with where it was written, as the import report shows it."""

from __future__ import annotations

from dataclasses import dataclass

# Keys whose values are never shown, copied or stored: credentials and account numbers.
SECRET_KEYS = frozenset({"aws_access_key_id", "aws_secret_access_key", "aws_user_id"})


@dataclass(eq=False)
class SourceKey:
    """A key = value from an INI section, or a leaf of a YAML document (section is then "")."""

    section: str
    key: str
    value: str
    file: str
    line: int | None
    comment: str | None = None

    @property
    def name(self) -> str:
        return f"{self.section} {self.key}" if self.section else self.key

    @property
    def normalized_key(self) -> str:
        return self.key.lower()

    @property
    def secret(self) -> bool:
        return self.normalized_key in SECRET_KEYS

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file

    @property
    def shown_value(self) -> str:
        return "(hidden)" if self.secret else self.value
