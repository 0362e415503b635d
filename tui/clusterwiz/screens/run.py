"""The apply (or destroy) of a cluster, live: a table of every resource, progress, the log, and what next.

The run is a thread worker owned by the app, and the screen is installed under `run_screen_name(name)`,
so leaving the screen does not stop the run: coming back to the cluster shows it where it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, DataTable, Header, Log, ProgressBar, Static, TabbedContent, TabPane

from clusterwiz.core.run_progress import COLUMNS, ResourceRow, RunProgress, column_widths
from clusterwiz.modals.confirm import ConfirmModal
from clusterwiz.widgets.footer import Footer

if TYPE_CHECKING:
    from clusterwiz.core.events import Event, PlannedChange
    from clusterwiz.core.teardown import Leftover
    from clusterwiz.core.terraform import PlanResult
    from clusterwiz.screens.cluster_terraform import ClusterTerraform

Operation = Literal["apply", "destroy"]
STATUS_STYLES = {"done": "green", "failed": "bold red", "stopped": "yellow", "waiting": "dim"}
TICK_SECONDS = 1.0
SCROLLBAR_CELLS = 2  # kept free for the table's scrollbar, which shows once the rows outgrow it


def run_screen_name(cluster: str) -> str:
    return f"run-{cluster}"


class RunEvent(Message):
    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


class RunNote(Message):
    """Something the run did besides Terraform (e.g. snapshots), for the log."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class RunFinished(Message):
    def __init__(self, outcome: str, message: str, leftovers: list[Leftover] | None = None) -> None:
        super().__init__()
        self.outcome = outcome
        self.message = message
        self.leftovers = leftovers


class RunScreen(Screen[None]):
    # The counts keep one width ("100/100 · 59:59"): a bar that changed length as they grew would keep the filled
    # part it had worked out for its old length (Textual rounds it to the bar's width when it is set).
    DEFAULT_CSS = """
    RunScreen #run-heading { height: auto; padding: 0 1; text-style: bold; }
    RunScreen #run-progress-line { height: 1; padding: 0 1; }
    RunScreen #run-progress-line ProgressBar { width: 1fr; }
    RunScreen #run-progress-line Bar { width: 1fr; }
    RunScreen #run-counts { width: 17; padding: 0 1; text-align: right; }
    RunScreen #run-tabs { height: 1fr; }
    RunScreen #run-result { height: auto; max-height: 12; padding: 0 1; }
    RunScreen #run-result.failed { border-left: thick $error; }
    RunScreen #run-result.interrupted { border-left: thick $warning; }
    RunScreen #run-result.done { border-left: thick $success; }
    RunScreen #run-buttons { height: 3; align-horizontal: right; }
    RunScreen #run-buttons Button { margin-left: 1; }
    RunScreen .problem { height: auto; margin-bottom: 1; }
    """
    BINDINGS = [
        Binding("ctrl+c", "cancel", "Cancel run", priority=True),
        # One key, two words: while Terraform works, leaving does not stop it; once it has ended, it is a plain Back.
        Binding("escape", "leave", "Back (a run keeps going)"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, name: str, terraform: ClusterTerraform,
                 on_success: Callable[[RunScreen], None] | None = None,
                 on_edit: Callable[[RunScreen], None] | None = None,
                 on_gone: Callable[[RunScreen], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.cluster = name
        self.terraform = terraform
        self.on_success = on_success
        self.on_edit = on_edit
        self.on_gone = on_gone  # Back once a destroy has ended: the cluster's own screens have nothing left to show
        self.clock = clock
        self.operation: Operation = "apply"
        self.plan: PlanResult | None = None
        self.forget = False
        self.snapshot = False
        self.progress = RunProgress("apply", clock=clock)
        self.progress.finish("done")
        self.cancel_requested = False
        self.notes: list[str] = []
        self._begin_on_mount = False
        self._widths: dict[str, int] = {}

    @property
    def running(self) -> bool:
        return self.progress.outcome == "running"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self._heading(), id="run-heading")
        with Horizontal(id="run-progress-line"):
            yield ProgressBar(total=None, show_eta=False, show_percentage=False, id="run-bar")
            yield Static("", id="run-counts")
        with TabbedContent(id="run-tabs"):
            with TabPane("Resources", id="resources-tab"):
                yield DataTable(id="run-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Log", id="log-tab"):
                yield Log(id="run-log", highlight=False)
            with TabPane("Problem", id="problem-tab"), VerticalScroll(id="problems"):
                yield Static("Nothing went wrong (yet).", id="problem-none")
        yield Static("", id="run-result", classes="hidden")
        with Horizontal(id="run-buttons"):
            yield Button("Leave (keeps running)", id="leave")
            yield Button("Retry", id="retry", variant="primary", classes="hidden")
            yield Button("Edit in wizard", id="edit", classes="hidden")
            yield Button("Destroy what was created", id="destroy", variant="error", classes="hidden")
            yield Button("Remove leftovers", id="remove-leftovers", variant="error", classes="hidden")
            yield Button("Open dashboard", id="dashboard", variant="success", classes="hidden")
            yield Button("Cancel", id="cancel", variant="error")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return self.running and not self.cancel_requested
        if action in ("leave", "back"):
            return self.running == (action == "leave")
        return True

    def _heading(self) -> str:
        verb = "Creating" if self.operation == "apply" else "Destroying"
        return f"{verb} cluster {self.cluster}"

    def on_mount(self) -> None:
        self._show_rows()
        self.set_interval(TICK_SECONDS, self._tick)
        if self._begin_on_mount:
            self._start()

    # -- the run ----------------------------------------------------------------------------------

    def begin(self, operation: Operation, plan: PlanResult | None = None,
              planned: tuple[PlannedChange, ...] = (), forget: bool = False, snapshot: bool = False) -> None:
        """Start an apply of `plan` (or of a fresh plan), or a destroy; shows its resources from `planned`.
        `forget`: after a destroy that leaves nothing tagged in AWS, remove the cluster from the registry;
        `snapshot`: before a destroy, snapshot the volumes clusterwiz created."""
        if self.running:
            raise RuntimeError(f"the {self.operation} of {self.cluster} is still running")
        self.operation = operation
        self.plan = plan
        self.forget = forget
        self.snapshot = snapshot
        self.progress = RunProgress.planned(operation, planned, clock=self.clock)
        if self.is_mounted:
            self._start()
        else:
            self._begin_on_mount = True

    def _start(self) -> None:
        """Run in a worker of the app's, not the screen's: it must outlive the screen being shown."""
        self._begin_on_mount = False
        self.cancel_requested = False
        self.notes: list[str] = []
        self._reset_view()
        self.refresh_bindings()
        self.app.run_worker(self._work, thread=True, group=run_screen_name(self.cluster),
                            name=f"{self.operation} {self.cluster}", exit_on_error=False)

    def _work(self) -> None:
        from clusterwiz.core.errors import ClusterwizError
        from clusterwiz.core.terraform import TerraformInterrupted

        post = self.post_message
        try:
            if self.operation == "destroy" and self.snapshot:
                snapshots = self.terraform.snapshot_volumes(self.cluster)
                post(RunNote(f"Snapshots kept from the cluster's volumes: {', '.join(snapshots) or 'none'}"))
                self.snapshot = False  # taken: a retry does not take them again
            plan = self.plan
            if plan is None:
                plan = self.terraform.plan(self.cluster, lambda event: post(RunEvent(event)),
                                           destroy=self.operation == "destroy")
            self.plan = None  # applied or not, a plan is used once
            if self.cancel_requested:
                self.terraform.discard(plan)
                post(RunFinished("interrupted", "Stopped before any change was made."))
                return
            if plan.has_changes:
                self.terraform.apply(self.cluster, plan, lambda event: post(RunEvent(event)))
            else:
                self.terraform.discard(plan)
            leftovers = None
            if self.operation == "destroy":
                leftovers = self.terraform.leftovers(self.cluster, forget=self.forget)
        except TerraformInterrupted as stopped:
            post(RunFinished("interrupted", str(stopped)))
        except ClusterwizError as error:
            post(RunFinished("failed", str(error)))
        except Exception as error:  # shown in the screen: the user must see why the run stopped
            post(RunFinished("failed", f"{type(error).__name__}: {error}"))
        else:
            post(RunFinished("done", "", leftovers))

    def on_run_event(self, message: RunEvent) -> None:
        row = self.progress.handle(message.event)
        self.query_one(Log).write_lines(self.progress.log[-1].splitlines())
        if row is not None:
            self._show_row(row)
            self._show_counts()

    def on_run_note(self, message: RunNote) -> None:
        self.progress.log.append(message.text)
        self.query_one(Log).write_line(message.text)
        self.notes.append(message.text)

    async def on_run_finished(self, message: RunFinished) -> None:
        for row in self.progress.finish(message.outcome, message.message):  # type: ignore[arg-type]
            self._show_row(row)
        self._show_counts()
        ended = {"done": "done", "failed": "failed", "interrupted": "stopped"}[message.outcome]
        self.query_one("#run-heading", Static).update(f"{self._heading()}: {ended}")
        self.refresh_bindings()
        self.query_one("#cancel", Button).display = False
        self._label_leave("Back to clusters" if self.progress.destroyed else "Back")
        result = self.query_one("#run-result", Static)
        result.set_classes(message.outcome)
        result.update(Text(self._result_text(message)))
        if self.app.screen is not self:  # the user went elsewhere meanwhile
            self.app.notify(self._result_text(message).splitlines()[0], markup=False,
                            title=f"{self.operation} of {self.cluster}: {message.outcome}", timeout=15)
        if message.outcome == "failed":
            await self._show_problems()
            self.query_one(TabbedContent).active = "problem-tab"
        if message.outcome in ("failed", "interrupted"):
            for button in ("retry", "edit", "destroy"):
                self.query_one(f"#{button}", Button).remove_class("hidden")
            if self.operation == "destroy":
                self.query_one("#edit", Button).add_class("hidden")
            self.query_one("#retry", Button).focus()
        elif message.leftovers:
            leftovers = self.query_one("#remove-leftovers", Button)
            leftovers.remove_class("hidden")
            leftovers.disabled = False
            leftovers.focus()
        elif self.operation == "apply":
            self.query_one("#dashboard", Button).remove_class("hidden")
            self.query_one("#dashboard", Button).focus()
            if self.on_success is not None and self.app.screen is self:  # never pull the user away
                self.on_success(self)

    def _result_text(self, message: RunFinished) -> str:
        name = self.cluster
        if message.outcome == "done" and self.operation == "apply":
            return f"Cluster {name} is up: {self.progress.done} resources created or changed."
        if message.outcome == "done":
            notes = "".join(f"\n{note}" for note in self.notes)
            if message.leftovers:
                listing = "\n".join(f"  • {left.kind} {left.resource_id}: {left.action}" for left in message.leftovers)
                return (f"Destroyed, but AWS still has these resources tagged with {name} (they may bill):\n"
                        f"{listing}\nPress 'Remove leftovers' to remove them, or remove them in the AWS console; "
                        f"the cluster stays in your list until nothing is left.{notes}")
            kept = "" if self.forget else " Its settings are kept: apply it again whenever you like."
            return f"Cluster {name} is gone: nothing tagged with it is left in AWS.{kept}{notes}"
        surely, maybe = self.progress.existing_now()
        lines = [message.message.splitlines()[0] if message.message else ""]
        what = "still exist" if self.operation == "destroy" else "exist now"
        if surely:
            lines.append(f"These {what}: " + ", ".join(row.name.name for row in surely) + ".")
        if maybe:
            lines.append("Terraform was working on these, so they may exist: "
                         + ", ".join(row.name.name for row in maybe) + ".")
        if self.operation == "apply":
            lines.append("Retry to finish the cluster, or destroy what was created so nothing bills.")
        else:
            lines.append("Retry to finish removing the cluster; until then, what is left may bill.")
        return "\n".join(line for line in lines if line)

    async def _show_problems(self) -> None:
        failures = self.progress.failures()
        if not failures:
            return
        problems = self.query_one("#problems", VerticalScroll)
        await problems.remove_children()
        for failure in failures:
            text = Text()
            if failure.resource is not None:
                text.append(failure.resource.name, style="bold")
                text.append(f" failed ({failure.resource.address})\n")
            if failure.hint is not None:
                text.append(f"{failure.hint.problem}\n", style="bold")
                text.append("What to do: ", style="bold")
                text.append(f"{failure.hint.fix}\n")
            if text:
                await problems.mount(Static(text, classes="problem"))
            await problems.mount(Static(Text(failure.diagnostic.text), classes="problem diagnostic"))

    # -- the view ---------------------------------------------------------------------------------

    def on_resize(self) -> None:
        self._show_rows()

    def _show_rows(self) -> None:
        table = self.query_one(DataTable)
        rows = self.progress.in_order()
        # Columns are sized by core.run_progress.column_widths, never by what a run happened to show so far.
        padding = 2 * table.cell_padding * (len(COLUMNS) - 1)
        widths = column_widths(self.size.width - SCROLLBAR_CELLS - padding, [row.name.name for row in rows])
        table.clear(columns=widths != self._widths)
        if widths != self._widths:
            self._widths = widths
            for key, label in COLUMNS:
                table.add_column(label, key=key, width=widths.get(key))
        for row in rows:
            table.add_row(*self._cells(row).values(), key=row.address)

    def _show_row(self, row: ResourceRow) -> None:
        table = self.query_one(DataTable)
        if row.address not in table.rows:  # a row not shown yet (planned meanwhile, or unplanned) takes its place
            self._show_rows()
            return
        for key, value in self._cells(row).items():
            table.update_cell(row.address, key, value)

    def _cells(self, row: ResourceRow) -> dict[str, str | Text]:
        elapsed = row.elapsed_at(self.clock())
        return {
            "what": Text(row.name.name, overflow="ellipsis"),
            "action": row.action,
            "status": Text(row.status, style=STATUS_STYLES.get(row.status, "bold")),
            "elapsed": f"{elapsed:.0f}s" if elapsed is not None else "",
            "id": Text(row.aws_id or "", overflow="ellipsis"),
            "address": Text(row.address, style="dim"),
        }

    def _show_counts(self) -> None:
        progress = self.progress
        bar = self.query_one(ProgressBar)
        bar.update(total=progress.total or None, progress=progress.done)
        minutes, seconds = divmod(int(progress.elapsed()), 60)
        self.query_one("#run-counts", Static).update(f"{progress.done}/{progress.total} · {minutes}:{seconds:02d}")

    def _tick(self) -> None:
        if not self.running:
            return
        for row in self.progress.rows.values():
            if row.status not in ("waiting", "done", "failed", "stopped"):
                self._show_row(row)
        self._show_counts()

    # -- actions ----------------------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {"cancel": self.action_cancel, "leave": self.action_back, "retry": self.action_retry,
                   "edit": self.action_edit, "destroy": self.action_destroy,
                   "dashboard": self.action_dashboard, "remove-leftovers": self.action_remove_leftovers}
        action = actions.get(event.button.id or "")
        if action is not None:
            action()

    def action_cancel(self) -> None:
        if not self.running or self.cancel_requested:
            return
        made = "created so far stays" if self.operation == "apply" else "not yet removed stays"
        self.app.push_screen(ConfirmModal(
            f"Stop the {self.operation} of {self.cluster}?",
            f"Terraform finishes the resources it is working on, saves its state and stops. What was {made}; "
            f"you can then retry, or destroy it.", confirm="Stop it", refuse="Keep going"),
            self._cancel_confirmed)

    def _cancel_confirmed(self, confirmed: bool | None) -> None:
        if not confirmed or not self.running:
            return
        self.cancel_requested = True
        self.refresh_bindings()
        self.query_one("#cancel", Button).disabled = True
        self.query_one("#run-heading", Static).update(f"{self._heading()} — stopping cleanly…")
        self.terraform.cancel()

    def action_leave(self) -> None:
        self.app.pop_screen()

    def action_back(self) -> None:
        if self.progress.destroyed and self.on_gone is not None:
            self.on_gone(self)
        else:
            self.app.pop_screen()

    def action_retry(self) -> None:
        if not self.running:
            self.begin(self.operation, forget=self.forget)

    def _reset_view(self) -> None:
        self.sub_title = f"{self.operation} {self.cluster}"
        self.query_one("#run-heading", Static).update(self._heading())
        self._show_rows()
        self.query_one(Log).clear()
        self.query_one("#run-result", Static).set_classes("hidden")
        for button in ("retry", "edit", "destroy", "dashboard", "remove-leftovers"):
            self.query_one(f"#{button}", Button).add_class("hidden")
        cancel = self.query_one("#cancel", Button)
        cancel.display = True
        cancel.disabled = False
        self._label_leave("Leave (keeps running)")
        self.query_one(TabbedContent).active = "resources-tab"
        self._show_counts()

    def _label_leave(self, label: str) -> None:
        leave = self.query_one("#leave", Button)
        leave.label = label
        # A button's label is not laid out again by itself: its width would stay the old label's.
        leave.refresh(layout=True)

    def action_edit(self) -> None:
        if self.on_edit is not None and not self.running:
            self.on_edit(self)

    def action_destroy(self) -> None:
        if self.running:
            return
        self.app.push_screen(ConfirmModal(
            f"Destroy what was created for {self.cluster}?",
            "Terraform removes every resource it created for this cluster; existing volumes you chose are "
            "detached and kept. The cluster's settings stay, so you can create it again.",
            confirm="Destroy", refuse="Back"), self._destroy_confirmed)

    def _destroy_confirmed(self, confirmed: bool | None) -> None:
        if confirmed and not self.running:
            self.begin("destroy")  # the cluster stays registered: its settings can be applied again

    def action_remove_leftovers(self) -> None:
        self.query_one("#remove-leftovers", Button).disabled = True
        self.app.run_worker(self._remove_leftovers, thread=True, group=run_screen_name(self.cluster),
                            name=f"remove leftovers of {self.cluster}", exit_on_error=False)

    def _remove_leftovers(self) -> None:
        try:
            for removal in self.terraform.remove_leftovers(self.cluster):
                verb = "removed" if removal.removed else f"not removed: {removal.error}"
                self.post_message(RunNote(f"{removal.leftover.kind} {removal.leftover.resource_id} {verb}"))
            left = self.terraform.leftovers(self.cluster, forget=self.forget)
        except Exception as error:  # shown on the screen: the user can retry or use the console
            self.post_message(RunNote(f"Could not remove the leftovers: {error}"))
            left = None
        self.post_message(RunFinished("done", "", left))

    def action_dashboard(self) -> None:
        if self.on_success is not None:
            self.on_success(self)
