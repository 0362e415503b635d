"""One cluster's dashboard: how to reach it, what it is, what runs and what it costs now (refreshed from AWS
by tag in workers), an SSH panel, and a teardown panel whose every action says what it saves per hour."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, DataTable, Header, Input, Log, Static, TabbedContent, TabPane

from clusterwiz.widgets.footer import Footer

if TYPE_CHECKING:
    from clusterwiz.core.lifecycle import Workspace
    from clusterwiz.core.spec import ClusterSpec
    from clusterwiz.core.ssh import SshTarget
    from clusterwiz.core.status import ClusterStatus
    from clusterwiz.core.teardown import Savings

REFRESH_SECONDS = 10.0
TABS = ("overview", "nodes", "ssh", "teardown")


def spec_brief(spec: ClusterSpec) -> list[str]:
    """The cluster's settings in a few lines."""
    lines = [f"{spec.region}, {spec.os}, head node {spec.head_node.instance_type}"]
    for queue in spec.queues:
        lines.append(f"queue {queue.name}: {', '.join(queue.instance_types)} {queue.capacity}, "
                     f"{queue.min_nodes}-{queue.max_nodes} nodes")
    for volume in spec.shared_storage:
        what = f"existing {volume.volume_id}" if volume.volume_id else f"new {volume.size_gib or '?'} GiB " \
               f"{volume.volume_type}"
        lines.append(f"{volume.mount_dir}: {what}")
    lines.append(f"idle nodes stop after {spec.scaledown_idle_minutes} min; key pair {spec.key_pair or 'none'}")
    return lines


@dataclass(frozen=True)
class Snapshot:
    """What one refresh found."""

    status: ClusterStatus | None
    status_error: str | None
    savings: Savings | None
    target: SshTarget | None
    ssh_error: str | None
    outputs: dict[str, Any]


class StatusReady(Message):
    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class CommandDone(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class TeardownDone(Message):
    def __init__(self, text: str, failed: bool) -> None:
        super().__init__()
        self.text = text
        self.failed = failed


class DashboardScreen(Screen[None]):
    DEFAULT_CSS = """
    DashboardScreen .dash-text { height: auto; padding: 0 1; margin-bottom: 1; }
    DashboardScreen .dash-heading { height: auto; padding: 0 1; text-style: bold; color: $accent; }
    DashboardScreen DataTable { height: auto; max-height: 12; margin-bottom: 1; }
    DashboardScreen .dash-buttons { height: 3; }
    DashboardScreen .dash-buttons Button { margin-right: 1; }
    DashboardScreen #ssh-input { width: 1fr; }
    DashboardScreen #ssh-output { height: 1fr; min-height: 6; }
    DashboardScreen .teardown-row { height: 3; }
    DashboardScreen .teardown-row Button { width: 24; }
    DashboardScreen .teardown-row Static { width: 1fr; padding: 1 1 0 1; }
    """
    BINDINGS = [
        Binding("r", "refresh", "Refresh"),
        Binding("p", "plan", "Plan / apply"),
        Binding("t", "show_tab('teardown')", "Teardown"),
        Binding("s", "show_tab('ssh')", "SSH"),
        Binding("d", "destroy", "Destroy…"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, name: str, workspace: Callable[[], Workspace], tab: str = "overview",
                 refresh_seconds: float = REFRESH_SECONDS) -> None:
        super().__init__()
        self.cluster = name
        self.workspace_factory = workspace
        self.first_tab = tab
        self.refresh_seconds = refresh_seconds
        self.snapshot: Snapshot | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="dash-tabs", initial=self.first_tab):
            with TabPane("Overview", id="overview"), VerticalScroll():
                yield Static("Looking the cluster up in AWS…", id="dash-address", classes="dash-text")
                yield Static("", id="dash-cost", classes="dash-text")
                with Horizontal(classes="dash-buttons"):
                    yield Button("Plan / apply changes", id="plan", variant="primary")
                yield Static("Settings", classes="dash-heading")
                yield Static("", id="dash-spec", classes="dash-text")
            with TabPane("Nodes", id="nodes"), VerticalScroll():
                yield Static("Instances", classes="dash-heading")
                yield DataTable(id="instances", cursor_type="row")
                yield Static("Queues", classes="dash-heading")
                yield DataTable(id="groups", cursor_type="row")
                yield Static("Volumes", classes="dash-heading")
                yield DataTable(id="volumes", cursor_type="row")
            with TabPane("SSH", id="ssh"), Vertical():
                yield Static("", id="ssh-command", classes="dash-text")
                with Horizontal(classes="dash-buttons"):
                    yield Button("Open a shell", id="ssh-shell", variant="primary")
                    yield Button("Copy the command", id="ssh-copy")
                with Horizontal(classes="dash-buttons"):
                    yield Input(placeholder="a command to run on the head node, e.g. sinfo", id="ssh-input")
                    yield Button("Run", id="ssh-run")
                yield Log(id="ssh-output", highlight=False)
            with TabPane("Teardown", id="teardown"), VerticalScroll():
                yield Static("Stop paying for what you do not use. Every action can be undone except destroy.",
                             classes="dash-text")
                for action, label in (("stop-fleet", "Stop compute fleet"), ("stop-all", "Stop whole cluster"),
                                      ("start", "Start again"), ("destroy", "Destroy…")):
                    with Horizontal(classes="teardown-row"):
                        yield Button(label, id=action, variant="error" if action == "destroy" else "default")
                        yield Static("", id=f"{action}-saves")
                yield Static("", id="teardown-status", classes="dash-text")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"cluster {self.cluster}"
        columns = {
            "instances": ("Role", "Queue", "Type", "State", "Zone", "Capacity", "Launched", "Bootstrap", "Id"),
            "groups": ("Queue", "Group", "Min", "Desired", "Max", "In service"),
            "volumes": ("Name", "Id", "Size", "Type", "State", "Attached", "Kept on destroy"),
        }
        for table_id, labels in columns.items():
            self.query_one(f"#{table_id}", DataTable).add_columns(*labels)
        self._show_spec()
        self.action_refresh()
        self.set_interval(self.refresh_seconds, self.action_refresh)

    def _show_spec(self) -> None:
        try:
            record = self.cw_registry().get(self.cluster)
        except Exception as error:  # e.g. the cluster was destroyed and forgotten meanwhile
            self.query_one("#dash-spec", Static).update(Text(str(error)))
            return
        lines = spec_brief(record.spec)
        lines.append(f"status {record.metadata.status}; last applied {record.metadata.applied or 'never'}")
        self.query_one("#dash-spec", Static).update(Text("\n".join(lines)))

    def cw_registry(self) -> Any:
        return self.app.registry  # type: ignore[attr-defined]

    # -- live status --------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.load_status()

    @work(thread=True, exclusive=True, group="dashboard-status")
    def load_status(self) -> None:
        self.post_message(StatusReady(self._look_up()))

    def _look_up(self) -> Snapshot:
        from clusterwiz.core.billing import look_up
        from clusterwiz.core.lifecycle import cluster_outputs
        from clusterwiz.core.ssh import cluster_ssh_target
        from clusterwiz.core.teardown import savings

        status = saved = target = None
        status_error = ssh_error = None
        outputs: dict[str, Any] = {}
        try:
            workspace = self.workspace_factory()
            record = workspace.registry.get(self.cluster)
            status = look_up(workspace.session, workspace.catalog, record, sandbox=workspace.settings.sandbox)
            saved = savings(status)
        except Exception as error:  # shown where the figures would be; the next refresh tries again
            return Snapshot(None, str(error), None, None, None, {})
        try:
            outputs = cluster_outputs(workspace, self.cluster)
        except Exception:  # no outputs before the first apply: the live status says enough
            outputs = {}
        try:
            target = cluster_ssh_target(workspace, self.cluster)
        except Exception as error:  # a missing key, open permissions, no address: each says its fix
            ssh_error = str(error)
        return Snapshot(status, status_error, saved, target, ssh_error, outputs)

    def on_status_ready(self, message: StatusReady) -> None:
        snapshot = self.snapshot = message.snapshot
        address = self.query_one("#dash-address", Static)
        if snapshot.status is None:
            address.update(Text(f"Could not look the cluster up: {snapshot.status_error}", style="red"))
            return
        status = snapshot.status
        head = status.head
        lines = []
        if head is None:
            lines.append("The cluster has no head node: it is not created yet, or it was destroyed. Press p to "
                         "plan and apply it.")
        else:
            dns = snapshot.outputs.get("head_node_public_dns") or ""
            lines.append(f"Head node {head.instance_id}: {head.state}, {head.public_ip or 'no public address'}"
                         + (f" ({dns})" if dns and head.state == "running" else ""))
        target = snapshot.target
        if target is None:
            lines.append(f"ssh: {snapshot.ssh_error}")
        else:
            lines.append(f"ssh{' (emulated: nothing to log in to)' if target.emulated else ''}: "
                         f"{target.shell_command()}")
        address.update(Text("\n".join(lines)))
        from clusterwiz.core.budget import describe_spend

        spent = describe_spend(status.spend_usd, status.budget_usd)
        cost_lines = [status.cost.describe(), *([spent] if spent else []), *status.notes]
        self.query_one("#dash-cost", Static).update(Text("\n".join(cost_lines)))
        self._fill_tables(status)
        self._show_ssh(snapshot)
        self._show_savings(snapshot)

    def _fill_tables(self, status: ClusterStatus) -> None:
        instances = self.query_one("#instances", DataTable)
        instances.clear()
        for i in status.instances:
            instances.add_row(i.role, i.queue or "", i.instance_type, i.state, i.availability_zone, i.lifecycle,
                              i.launch_time.strftime("%Y-%m-%d %H:%M"), i.bootstrap or "", i.instance_id)
        groups = self.query_one("#groups", DataTable)
        groups.clear()
        for g in status.groups:
            if g.exists:
                groups.add_row(g.queue, g.name, str(g.min_size), str(g.desired), str(g.max_size), str(g.in_service))
            else:
                groups.add_row(g.queue, g.name, "", "", "", "missing")
        volumes = self.query_one("#volumes", DataTable)
        volumes.clear()
        for v in status.volumes:
            volumes.add_row(v.name or "", v.volume_id, f"{v.size_gib} GiB", v.volume_type, v.state,
                            v.attached_to or "no", "yes (yours)" if v.existing else "no")

    def _show_ssh(self, snapshot: Snapshot) -> None:
        from clusterwiz.core.ssh import SANDBOX_NOTICE

        target = snapshot.target
        if target is None:
            text = f"SSH is not possible now: {snapshot.ssh_error}"
        elif target.emulated:
            text = f"{SANDBOX_NOTICE}\n{target.shell_command()}"
        else:
            text = f"Log in to the head node with:\n{target.shell_command()}"
        self.query_one("#ssh-command", Static).update(Text(text))
        self.query_one("#ssh-copy", Button).disabled = target is None
        for button in ("#ssh-shell", "#ssh-run"):
            self.query_one(button, Button).disabled = target is None or target.emulated

    def _show_savings(self, snapshot: Snapshot) -> None:
        saved = snapshot.savings
        if saved is None:
            return
        self.query_one("#stop-fleet-saves", Static).update(
            f"every queue to 0 nodes; head node and volumes stay: saves ${saved.stop_fleet:.3f}/h")
        self.query_one("#stop-all-saves", Static).update(
            f"fleet to 0 and head node stopped; only volumes bill (${saved.left_when_stopped:.3f}/h): saves "
            f"${saved.stop_all:.3f}/h")
        self.query_one("#start-saves", Static).update("head node first, then each queue back to its sizes")
        self.query_one("#destroy-saves", Static).update(
            f"remove everything clusterwiz created (type the name to confirm): saves ${saved.destroy:.3f}/h")

    # -- SSH ------------------------------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions: dict[str, Callable[[], None]] = {
            "ssh-shell": self.action_shell, "ssh-copy": self.action_copy, "ssh-run": self.action_run_command,
            "stop-fleet": lambda: self.teardown("stop-fleet"), "stop-all": lambda: self.teardown("stop-all"),
            "start": lambda: self.teardown("start"), "destroy": self.action_destroy, "plan": self.action_plan,
        }
        action = actions.get(event.button.id or "")
        if action is not None:
            action()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "ssh-input":
            self.action_run_command()

    def action_shell(self) -> None:
        from clusterwiz.core.ssh import SshError, open_session

        target = self.snapshot.target if self.snapshot else None
        if target is None:
            return
        try:
            with self.app.suspend():
                open_session(target)
        except SuspendNotSupported:
            self.notify(f"This terminal cannot be handed over; run this in another one:\n{target.shell_command()}",
                        title="Open a shell", timeout=20, markup=False)
        except SshError as error:
            self.notify(str(error), title="SSH", severity="error", timeout=20, markup=False)

    def action_copy(self) -> None:
        if self.snapshot and self.snapshot.target:
            self.app.copy_to_clipboard(self.snapshot.target.shell_command())
            self.notify("The ssh command is on the clipboard.", title="Copied")

    def action_run_command(self) -> None:
        command = self.query_one("#ssh-input", Input).value.strip()
        target = self.snapshot.target if self.snapshot else None
        if command and target is not None:
            self.query_one("#ssh-output", Log).write_line(f"$ {command}")
            self.run_remote(target, command)

    @work(thread=True, exclusive=True, group="dashboard-ssh")
    def run_remote(self, target: SshTarget, command: str) -> None:
        from clusterwiz.core.ssh import SshError, run_command

        try:
            result = run_command(target, command)
        except SshError as error:
            self.post_message(CommandDone(str(error)))
            return
        text = result.stdout + result.stderr
        if result.exit_code:
            text += f"(exit code {result.exit_code})\n"
        self.post_message(CommandDone(text))

    def on_command_done(self, message: CommandDone) -> None:
        self.query_one("#ssh-output", Log).write_lines(message.text.rstrip("\n").splitlines())

    # -- teardown -------------------------------------------------------------------------------------

    def teardown(self, action: str) -> None:
        for button in ("stop-fleet", "stop-all", "start", "destroy"):
            self.query_one(f"#{button}", Button).disabled = True
        words = {"stop-fleet": "Stopping the compute fleet…", "stop-all": "Stopping the whole cluster…",
                 "start": "Starting the cluster (waits for the head node)…"}
        self.query_one("#teardown-status", Static).update(words[action])
        self.run_teardown(action)

    @work(thread=True, exclusive=True, group="dashboard-teardown")
    def run_teardown(self, action: str) -> None:
        from clusterwiz.core.teardown import start_cluster, stop_all, stop_fleet

        operations = {"stop-fleet": stop_fleet, "stop-all": stop_all, "start": start_cluster}
        try:
            result = operations[action](self.workspace_factory(), self.cluster)
        except Exception as error:  # e.g. permissions, or the cluster busy in another clusterwiz
            self.post_message(TeardownDone(str(error), failed=True))
            return
        queues = ", ".join(f"{queue} {size.min_size}/{size.desired}/{size.max_size}"
                           for queue, size in result.groups.items())
        heads = ", ".join(result.head_instance_ids)
        done = {"stop-fleet": f"Fleet stopped (queues were {queues or 'already at 0'}).",
                "stop-all": f"Fleet stopped and head node {heads or '(already stopped)'} stopping.",
                "start": f"Started: head node {heads or '(was running)'}; queues {queues or 'unchanged'}."}
        self.post_message(TeardownDone(done[action], failed=False))

    def on_teardown_done(self, message: TeardownDone) -> None:
        for button in ("stop-fleet", "stop-all", "start", "destroy"):
            self.query_one(f"#{button}", Button).disabled = False
        self.query_one("#teardown-status", Static).update(
            Text(message.text, style="red" if message.failed else "green"))
        self.action_refresh()

    def action_destroy(self) -> None:
        from clusterwiz.core.teardown import snapshot_offer
        from clusterwiz.modals.destroy import DestroyModal

        status = self.snapshot.status if self.snapshot else None
        saves = f"${self.snapshot.savings.destroy:.3f}/h" if self.snapshot and self.snapshot.savings else \
            "what it costs now"
        volumes = snapshot_offer(status) if status else None
        self.app.push_screen(DestroyModal(self.cluster, volumes, saves), self._destroy_confirmed)

    def _destroy_confirmed(self, snapshot: bool | None) -> None:
        from clusterwiz.screens.navigation import start_run

        if snapshot is None:
            return
        start_run(self.app, self.cluster, "destroy", forget=True, snapshot=snapshot,  # type: ignore[arg-type]
                  replacing=self)

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_plan(self) -> None:
        from clusterwiz.screens.navigation import show_plan

        show_plan(self.app, self.cluster)  # type: ignore[arg-type]

    def action_back(self) -> None:
        self.app.pop_screen()
