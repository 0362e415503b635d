"""A cluster's budget: the most it may cost since its creation (node/budget.py counts the spend and stops it).

The spec's budget_usd is the head node's `clusterwiz:budget-usd` tag, which its agent reads each pass, so a new
budget reaches a running cluster at once; the agent puts what the cluster spent on the `clusterwiz:spend-usd` tag,
the one figure status, the dashboard, the home screen and the teardown menu show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clusterwiz.core.errors import ClusterwizError
from clusterwiz.core.spec import ClusterSpec
from clusterwiz.core.suggest import cli
from clusterwiz.node.budget import BUDGET_TAG, GRACE_SECONDS, WARN_SHARE

if TYPE_CHECKING:
    from clusterwiz.core.lifecycle import Workspace

NONE = ("none", "off", "never")


def parse_budget(text: str) -> float | None:
    """`50`, `$49.99`, or none (None); whether it is a usable amount is the spec's rule (ClusterSpec.budget_usd)."""
    value = text.strip().lower().removeprefix("$")
    if value in NONE:
        return None
    try:
        return float(value)
    except ValueError:
        raise BudgetError(f"{text!r} is not an amount; give the budget in US dollars, e.g. 50 or 49.99, or "
                              "none for no budget") from None


def spec_with_budget(spec: ClusterSpec, budget_usd: float | None) -> ClusterSpec:
    """The same spec with another budget (checked as a spec is: 0 or less is refused)."""
    return ClusterSpec.from_mapping({**spec.model_dump(), "budget_usd": budget_usd},
                                    f"cluster {spec.name} with this budget")


def set_budget(workspace: Workspace, name: str, budget_usd: float | None) -> list[str]:
    """A new budget (None: none) in the spec and its Terraform, and at once on the running head node's tag.
    Returns the head instances retagged (none for a cluster not applied yet)."""
    from clusterwiz.core.expiry import retag_head_nodes

    changed = spec_with_budget(workspace.registry.get(name).spec, budget_usd)
    return retag_head_nodes(workspace, changed, BUDGET_TAG, None if budget_usd is None else f"{budget_usd:g}")


class BudgetError(ClusterwizError):
    """A budget that cannot be used, or a cluster that cannot start because its budget is spent."""


def refuse_if_spent(name: str, raw_heads: list[dict], budget_usd: float | None, *, sandbox: bool) -> None:
    """Starting a cluster whose budget is spent would stop it again at its head node's first pass: say how to
    raise the budget instead."""
    from clusterwiz.core.status import head_spend

    spend_usd = head_spend(raw_heads)
    if budget_usd is not None and spend_usd is not None and spend_usd >= budget_usd:
        raised = raised_budget(spend_usd, budget_usd)
        raise BudgetError(f"cluster {name} spent {spend_figure(spend_usd, budget_usd)}, so it cannot be started: it "
                          f"would stop again at once; raise its budget first: "
                          f"{cli('budget', name, raised, sandbox=sandbox)} (or none)")


def raised_budget(spend_usd: float, budget_usd: float) -> str:
    """The budget the messages suggest: twice this one, or this one again on top of the spend if that is more."""
    return f"{max(2 * budget_usd, spend_usd + budget_usd):g}"


def spend_figure(spend_usd: float | None, budget_usd: float | None) -> str | None:
    """The one spend figure every front-end shows: '$41.20 of its $50 budget (82%)', '$3.10 (no budget)', or
    None for a cluster with neither a budget nor a spend counted."""
    if spend_usd is None:
        return None if budget_usd is None else f"not counted yet, of its ${budget_usd:g} budget"
    if budget_usd is None:
        return f"${spend_usd:.2f} (no budget)"
    return f"${spend_usd:.2f} of its ${budget_usd:g} budget ({100 * spend_usd / budget_usd:.0f}%)"


def describe_spend(spend_usd: float | None, budget_usd: float | None) -> str | None:
    """What `clusterwiz status` and the dashboard say of the spend since the cluster's creation; None: nothing
    (no budget, and the head node counted nothing yet)."""
    figure = spend_figure(spend_usd, budget_usd)
    return f"Spent since creation: {figure}" if figure else None


def budget_warning(name: str, spend_usd: float | None, budget_usd: float | None, *, sandbox: bool) -> str | None:
    """From 80% of the budget on, what happens at 100% and the command that raises it."""
    if spend_usd is None or budget_usd is None or spend_usd < WARN_SHARE * budget_usd:
        return None
    raised = raised_budget(spend_usd, budget_usd)
    return (f"the cluster spent {spend_figure(spend_usd, budget_usd)}: at 100% no new job starts and it stops "
            f"once its running jobs end ({GRACE_SECONDS / 60:g} min at most); raise it with "
            f"`{cli('budget', name, raised, sandbox=sandbox)}`")
