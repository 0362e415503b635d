"""Errors an import can end with: the file cannot be read as its format, or it needs a decision."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from clusterwiz.core.errors import ClusterwizError

if TYPE_CHECKING:
    from clusterwiz.core.importers.report import ImportReport


class ImportFailed(ClusterwizError):
    """The file (at a line, when known) cannot be read; the message says what to fix."""

    def __init__(self, path: Path | str, line: int | None, problem: str):
        self.path = Path(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}, line {line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {problem}")


class ImportNeedsDecision(ClusterwizError):
    """The import stopped at values only the user can give; the report lists them."""

    def __init__(self, path: Path | str, report: ImportReport):
        self.path = Path(path)
        self.report = report
        lines = "\n".join(f"  - {item.source}" + (f" ({item.location})" if item.location else "") + f": {item.note}"
                          for item in report.blocking)
        super().__init__(f"{self.path} cannot become a cluster spec until you decide:\n{lines}")
