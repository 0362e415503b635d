"""The plan: what Terraform will create, change or destroy, grouped by module in readable names, with the
details of any resource on demand and the estimated cost; then Apply, or back. A plan that failed says what failed
and offers to edit the cluster in the wizard or to plan again, never to apply."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Header, Static, Tree

from clusterwiz.core.events import ChangeSummary, Diagnostic, PlannedChange
from clusterwiz.core.plan_failure import plan_failure
from clusterwiz.core.resource_names import ResourceName, describe, group_by_module
from clusterwiz.widgets.footer import Footer

if TYPE_CHECKING:
    from clusterwiz.core.cost import CostEstimate
    from clusterwiz.core.disruption import Disruption
    from clusterwiz.core.events import Event
    from clusterwiz.core.terraform import PlanResult
    from clusterwiz.screens.cluster_terraform import ClusterTerraform

ACTION_MARKS = {"create": ("+", "green"), "update": ("~", "yellow"), "delete": ("-", "red"),
                "replace": ("±", "magenta")}


class PlanProgress(Message):
    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


class PlanReady(Message):
    def __init__(self, plan: PlanResult, attributes: dict[str, list[tuple[str, str]]],
                 disruptions: list[Disruption]) -> None:
        super().__init__()
        self.plan = plan
        self.attributes = attributes
        self.disruptions = disruptions


class PlanFailed(Message):
    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class CostReady(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


ApplyCallback = Callable[["PlanScreen", "PlanResult", tuple[PlannedChange, ...]], None]
EditCallback = Callable[["PlanScreen"], None]


class PlanScreen(Screen[None]):
    DEFAULT_CSS = """
    PlanScreen #plan-summary { height: auto; padding: 0 1; text-style: bold; }
    PlanScreen #plan-cost { height: auto; padding: 0 1; }
    PlanScreen #plan-warning { display: none; height: auto; padding: 0 1; color: $error; text-style: bold; }
    PlanScreen.disruptive #plan-warning { display: block; }
    PlanScreen #plan-body { height: 1fr; }
    PlanScreen #plan-tree { width: 1fr; border-right: solid $primary-darken-2; }
    PlanScreen #plan-details-scroll { width: 1fr; padding: 0 1; }
    PlanScreen #plan-buttons { height: 3; align-horizontal: right; }
    PlanScreen #plan-buttons Button { margin-left: 1; }
    PlanScreen.failed #plan-tree { display: none; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+a", "apply", "Apply"),
        Binding("ctrl+r", "plan_again", "Plan again"),
    ]

    def __init__(self, name: str, terraform: ClusterTerraform, on_apply: ApplyCallback,
                 cost: Callable[[], CostEstimate] | None = None, back_label: str = "Back",
                 on_edit: EditCallback | None = None) -> None:
        super().__init__()
        self.back_label = back_label  # names the screen Back returns to: the one the plan was opened from
        self.cluster = name
        self.terraform = terraform
        self.on_apply = on_apply
        self.on_edit = on_edit  # the wizard on this cluster's spec, to fix what made the plan fail
        self.cost = cost
        self.plan: PlanResult | None = None
        self.changes: dict[str, PlannedChange] = {}
        self.diagnostics: list[Diagnostic] = []
        self.attributes: dict[str, list[tuple[str, str]]] = {}
        self.disruptions: list[Disruption] = []  # what applying the plan stops or replaces (core.disruption)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Planning cluster {self.cluster}…", id="plan-summary")
        yield Static("", id="plan-cost")
        yield Static("", id="plan-warning")
        with Horizontal(id="plan-body"):
            yield Tree("Resources", id="plan-tree")
            with VerticalScroll(id="plan-details-scroll"):
                yield Static("Select a resource to see what Terraform will set on it.", id="plan-details")
        with Horizontal(id="plan-buttons"):
            yield Button(self.back_label, id="back")
            yield Button("Edit in wizard", id="edit", classes="hidden")
            yield Button("Plan again", id="plan-again", variant="primary", classes="hidden")
            yield Button("Apply", id="apply", variant="success", disabled=True)
        yield Footer()

    @property
    def failed(self) -> bool:
        return self.has_class("failed")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "apply":
            return self.plan is not None and self.plan.has_changes
        if action == "plan_again":
            return self.failed
        return True

    def on_mount(self) -> None:
        self.sub_title = f"plan {self.cluster}"
        self._start_plan()
        if self.cost is not None:
            self.price()

    def _start_plan(self) -> None:
        self.remove_class("failed", "disruptive")
        self.changes.clear()
        self.diagnostics.clear()
        self.query_one("#plan-summary", Static).update(f"Planning cluster {self.cluster}…")
        self.query_one("#plan-details", Static).update("Select a resource to see what Terraform will set on it.")
        for button in ("#edit", "#plan-again"):
            self.query_one(button, Button).add_class("hidden")
        self.query_one("#apply", Button).remove_class("hidden")
        tree = self.query_one(Tree)
        tree.clear()
        tree.loading = True
        self.refresh_bindings()
        self.make_plan()

    @work(thread=True, exclusive=True, group="plan")
    def make_plan(self) -> None:
        from clusterwiz.core.disruption import plan_disruptions
        from clusterwiz.core.errors import ClusterwizError
        from clusterwiz.core.plan_details import planned_attributes

        try:
            plan = self.terraform.plan(self.cluster, lambda event: self.post_message(PlanProgress(event)))
        except ClusterwizError as error:
            self.post_message(PlanFailed(str(error)))
            return
        except Exception as error:  # shown on the screen, with what it was: never a traceback
            self.post_message(PlanFailed(f"{type(error).__name__}: {error}"))
            return
        try:
            show = self.terraform.planned_values(plan)
        except Exception:  # details are a nicety, but a plan that cannot be read is taken as disruptive
            show = None
        attributes = planned_attributes(show) if show else {}
        disruptions = plan_disruptions(show) if plan.has_changes else []
        self.post_message(PlanReady(plan, attributes, disruptions))

    @work(thread=True, exclusive=True, group="plan-cost")
    def price(self) -> None:
        from clusterwiz.core.review import describe_cost

        assert self.cost is not None
        try:
            text = describe_cost(self.cost())
        except Exception as error:  # the plan is still worth showing without a price
            text = f"No cost estimate: {error}"
        self.post_message(CostReady(text))

    def on_cost_ready(self, message: CostReady) -> None:
        self.query_one("#plan-cost", Static).update(Text(message.text))

    def on_plan_progress(self, message: PlanProgress) -> None:
        event = message.event
        if isinstance(event, PlannedChange) and event.action not in ("noop", "read"):
            self.changes[event.address] = event
            self.query_one("#plan-summary", Static).update(f"Planning cluster {self.cluster}… "
                                                           f"{len(self.changes)} changes so far")
        elif isinstance(event, Diagnostic):
            self.diagnostics.append(event)

    def on_plan_ready(self, message: PlanReady) -> None:
        self.plan = message.plan
        self.attributes = message.attributes
        self.disruptions = message.disruptions
        summary = message.plan.summary
        tree = self.query_one(Tree)
        tree.loading = False
        if not message.plan.has_changes:
            self.query_one("#plan-summary", Static).update(
                f"Cluster {self.cluster} is up to date: nothing to create, change or destroy.")
            return
        self.query_one("#plan-summary", Static).update(_summary_text(summary, len(self.changes)))
        if self.disruptions:
            from clusterwiz.core.disruption import describe_disruptions

            self.query_one("#plan-warning", Static).update(Text(
                f"{describe_disruptions(self.disruptions)}\nApply asks you to confirm it."))
            self.add_class("disruptive")
        tree.root.expand()
        for group, names in group_by_module(self.changes).items():
            branch = tree.root.add(f"{group} ({len(names)})", expand=True)
            for name in names:
                branch.add_leaf(self._label(name), data=name)
        tree.focus()
        apply = self.query_one("#apply", Button)
        apply.disabled = False
        self.refresh_bindings()

    def on_plan_failed(self, message: PlanFailed) -> None:
        failure = plan_failure(message.message, self.diagnostics)
        self.query_one(Tree).loading = False
        self.add_class("failed")  # the error takes the tree's place: Terraform's text reads at the whole width
        self.query_one("#plan-summary", Static).update(Text(failure.headline, style="bold red"))
        text = Text()
        for hint in failure.hints:
            text.append(f"{hint.problem}\nWhat to do: {hint.fix}\n\n", style="bold")
        where = "in the wizard (Edit in wizard) or outside clusterwiz" if self.on_edit else "outside clusterwiz"
        text.append(f"Fix it {where}, then Plan again.\n\n", style="bold")
        text.append(failure.text)
        self.query_one("#plan-details", Static).update(text)
        self.query_one("#apply", Button).add_class("hidden")
        if self.on_edit is not None:
            self.query_one("#edit", Button).remove_class("hidden")
        again = self.query_one("#plan-again", Button)
        again.remove_class("hidden")
        again.focus()
        self.refresh_bindings()

    def _label(self, name: ResourceName) -> Text:
        mark, style = ACTION_MARKS.get(self.changes[name.address].action, ("·", "dim"))
        return Text.assemble((f"{mark} ", style), name.name)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[Any]) -> None:
        if isinstance(event.node.data, ResourceName):
            self.show_details(event.node.data.address)

    def show_details(self, address: str) -> None:
        described = describe(address)
        change = self.changes.get(address)
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold")
        table.add_column()
        table.add_row("What", described.name)
        table.add_row("Action", change.action if change else "")
        table.add_row("Type", described.resource_type)
        table.add_row("Address", Text(address, style="dim", overflow="fold"))
        for key, value in self.attributes.get(address, []):
            table.add_row(key, Text(value, style="dim" if value.startswith("(") else ""))
        self.query_one("#plan-details", Static).update(table)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {"apply": self.action_apply, "back": self.action_back, "edit": self.action_edit,
                   "plan-again": self.action_plan_again}
        action = actions.get(event.button.id or "")
        if action is not None:
            action()

    def action_apply(self) -> None:
        if self.plan is None or not self.plan.has_changes:
            return
        if self.disruptions:
            from clusterwiz.core.disruption import describe_disruptions
            from clusterwiz.modals.confirm import ConfirmModal

            self.app.push_screen(ConfirmModal(
                f"Apply a disruptive change to cluster {self.cluster}?",
                Text(f"{describe_disruptions(self.disruptions)}\n\nApply it only when no job is running."),
                confirm="Apply anyway", refuse="Back"), self._apply_if_confirmed)
            return
        self._apply()

    def _apply_if_confirmed(self, confirmed: bool | None) -> None:
        if confirmed and self.plan is not None:
            self._apply()

    def _apply(self) -> None:
        assert self.plan is not None
        plan, self.plan = self.plan, None
        self.on_apply(self, plan, tuple(self.changes.values()))

    def action_plan_again(self) -> None:
        if self.failed:
            self._start_plan()

    def action_edit(self) -> None:
        if self.on_edit is not None:
            self.on_edit(self)

    def action_back(self) -> None:
        if self.plan is not None:
            self.terraform.discard(self.plan)
            self.plan = None
        self.app.pop_screen()


def _summary_text(summary: ChangeSummary | None, changes: int) -> str:
    if summary is None:
        return f"Plan: {changes} changes."
    return (f"Plan: {summary.add} to create, {summary.change} to change, {summary.remove} to destroy. "
            "Select a resource to see its details.")
