"""Where the shared corpus lives, and the golden-report comparison the importer tests use."""

from __future__ import annotations

import json
import os
from pathlib import Path

CORPUS = Path(os.environ.get("CLUSTERWIZ_CORPUS", Path(__file__).resolve().parents[1] / "data" / "corpus"))
GOLDEN = Path(__file__).parent / "golden"
CONFIG_DIRS = ("pcluster2", "cfncluster", "starcluster", "pcluster3")


def corpus_files() -> list[Path]:
    return sorted(p for d in CONFIG_DIRS for p in (CORPUS / d).iterdir() if p.is_file())


def golden_text(result) -> str:
    """The whole report and the spec, as one stable JSON document."""
    return json.dumps({"report": result.report.to_json(), "spec": result.spec.model_dump(mode="json")},
                      indent=2, sort_keys=True) + "\n"
