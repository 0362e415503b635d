"""Importers: ParallelCluster v2 / CfnCluster / StarCluster INI and ParallelCluster 3 YAML -> ClusterSpec.

`import_config(path, options, format)` returns the spec and an ImportReport that says what became
of every key in the file. It raises ImportFailed (the file, the line, the problem) or
ImportNeedsDecision (values only the user can give, e.g. a placeholder region).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from clusterwiz.core.importers.detect import FORMAT_LABELS, FORMATS, detect_ini_format, looks_like_yaml
from clusterwiz.core.importers.problems import ImportFailed, ImportNeedsDecision
from clusterwiz.core.importers.report import ImportReport
from clusterwiz.core.importers.spec_draft import ImportOptions
from clusterwiz.core.spec import ClusterSpec
from clusterwiz.core.spec_yaml import InputRefused, load_spec_yaml, read_bounded

__all__ = ["FORMATS", "FORMAT_LABELS", "ImportFailed", "ImportNeedsDecision", "ImportOptions", "ImportReport",
           "ImportResult", "import_config", "spec_from_any"]


@dataclass
class ImportResult:
    spec: ClusterSpec
    report: ImportReport
    format: str


def _read(path: Path) -> str:
    try:
        return read_bounded(path).decode("utf-8", errors="replace")
    except InputRefused as refused:
        raise ImportFailed(path, None, str(refused)) from None
    except FileNotFoundError:
        raise ImportFailed(path, None, "the file does not exist; check the path") from None
    except IsADirectoryError:
        raise ImportFailed(path, None, "is a directory; give the config file inside it") from None
    except OSError as exc:
        raise ImportFailed(path, None, f"cannot be read ({exc.strerror})") from None


def import_config(path: Path | str, options: ImportOptions | None = None,
                  format: str | None = None) -> ImportResult:
    from clusterwiz.core.importers.ini_reader import parse_ini
    from clusterwiz.core.importers.parallelcluster2 import CFNCLUSTER, PCLUSTER2, import_parallelcluster2
    from clusterwiz.core.importers.parallelcluster3 import import_parallelcluster3
    from clusterwiz.core.importers.starcluster import import_starcluster

    path = Path(path)
    options = options or ImportOptions()
    if format is not None and format not in FORMATS:
        raise ImportFailed(path, None, f"--format {format} is not one of {', '.join(FORMATS)}")
    text = _read(path)
    if format == "pcluster3" or (format is None and looks_like_yaml(path, text)):
        spec, report = import_parallelcluster3(path, text, options)
        return ImportResult(spec, report, "pcluster3")
    document = parse_ini(text, path)
    format = format or detect_ini_format(document, text)
    if format == "starcluster":
        spec, report = import_starcluster(document, options)
    else:
        spec, report = import_parallelcluster2(document, options, CFNCLUSTER if format == "cfncluster" else PCLUSTER2)
    return ImportResult(spec, report, format)


def spec_from_any(path: Path | str, options: ImportOptions | None = None) -> ClusterSpec:
    """A clusterwiz cluster.yaml as it is, or any config the importers read, converted (`new --from FILE`)."""
    path = Path(path)
    text = _read(path)
    try:
        data = load_spec_yaml(text) if looks_like_yaml(path, text) else None
    except InputRefused:
        data = None  # not a clusterwiz spec; the importers say what they make of it
    if isinstance(data, dict) and ("version" in data or {"name", "queues"} <= data.keys()):
        return ClusterSpec.from_yaml(text, str(path))
    return import_config(path, options).spec
