"""`clusterwiz new`: the wizard, in the app, as plain prompts, or from an answers file."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "new", help="create a cluster with the wizard",
        description="Walk through the questions that define a cluster and save its cluster.yaml.")
    parser.add_argument("--plain", action="store_true",
                        help="ask with plain prompts instead of the full-screen app (screen readers, slow links)")
    parser.add_argument("--answers", metavar="FILE",
                        help="answer every step from a YAML file, without asking (scripts and CI)")
    parser.add_argument("--from", dest="from_file", metavar="FILE",
                        help="start from a cluster.yaml, or a ParallelCluster 2/3, CfnCluster or StarCluster config")
    parser.set_defaults(handler=run_new)


def run_new(args: argparse.Namespace, settings: Any) -> int:
    if args.answers:
        return _run_answers(args.answers, settings)
    start_from = _load_spec(args.from_file, settings) if args.from_file else None
    if args.plain:
        return _run_plain(settings, start_from)
    from clusterwiz.app import run

    return run(settings, start_from=start_from)


def _load_spec(path: str, settings: Any) -> Any:
    """A cluster.yaml, or a ParallelCluster/CfnCluster/StarCluster config imported on the way in."""
    from clusterwiz.core.importers import ImportOptions, spec_from_any

    return spec_from_any(path, ImportOptions(region=settings.region))


def _run_answers(path: str, settings: Any) -> int:
    from pathlib import Path

    import yaml

    from clusterwiz.core.newcluster import catalog_for, new_context, registry_for, save_new_cluster
    from clusterwiz.core.steps import AnswersError, answers_from_mapping

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AnswersError(path, ["the file does not exist; check the path"]) from None
    except yaml.YAMLError as error:
        raise AnswersError(path, [f"not valid YAML ({error}); check the indentation and quoting"]) from None
    registry = registry_for(settings)
    # Closed on the way out: lookups started ahead and still queued must not hold the exit up.
    with catalog_for(settings) as catalog:
        state = answers_from_mapping(data, new_context(settings, catalog, registry), path)
        record = save_new_cluster(state, registry, catalog.session)
    print(f"Saved {record.spec_path}")
    return 0


def _run_plain(settings: Any, start_from: Any) -> int:
    from rich.console import Console

    from clusterwiz.core.newcluster import catalog_for, creates_key, new_context, registry_for, save_new_cluster
    from clusterwiz.core.review import build_review
    from clusterwiz.core.steps import WizardState
    from clusterwiz.core.suggest import cli
    from clusterwiz.plain import PlainWizard, confirm_save, print_review

    console = Console()
    registry = registry_for(settings)
    with catalog_for(settings) as catalog:
        state = WizardState(new_context(settings, catalog, registry))
        if start_from is not None:
            state.load_spec(start_from)
        PlainWizard(state, console).run()
        spec = state.spec()
        review = build_review(spec, catalog, state.context.registry_names, creates_key(state))
        print_review(review, console)
        if not confirm_save(console, review):
            console.print("Not saved.")
            return 1
        record = save_new_cluster(state, registry, catalog.session)
    console.print(f"Saved {record.spec_path}. Next: `{cli('plan', spec.name, sandbox=settings.sandbox)}`.",
                  markup=False)
    return 0
