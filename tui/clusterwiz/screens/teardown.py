"""The quickest way to stop paying: every cluster with what it costs per hour now, and the three actions
(stop the fleet, stop everything, destroy), each saying what it saves. `clusterwiz teardown` opens here."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from clusterwiz.core.suggest import cli
from clusterwiz.screens.navigation import live_workspace, show_dashboard, start_run
from clusterwiz.widgets.footer import Footer
from clusterwiz.widgets.stopped_notes import StoppedNotes, show_looked_up

if TYPE_CHECKING:
    from clusterwiz.app import CatalogFactory, ClusterwizApp
    from clusterwiz.core.registry import Registry
    from clusterwiz.core.settings import Settings
    from clusterwiz.core.status import ListedCluster
    from clusterwiz.core.teardown import Savings

class ClusterPriced(Message):
    def __init__(self, name: str, found: ListedCluster | None, savings: Savings | None,
                 volumes: list[str] | None) -> None:
        super().__init__()
        self.name = name
        self.found = found  # None: it could not be looked up
        self.savings = savings
        self.volumes = volumes  # the snapshot offer of its destroy; None when it could not be looked up


class ActionDone(Message):
    def __init__(self, name: str, text: str) -> None:
        super().__init__()
        self.name = name
        self.text = text


class TeardownMenuScreen(Screen[None]):
    DEFAULT_CSS = """
    TeardownMenuScreen #teardown-intro { height: auto; padding: 0 1; margin-bottom: 1; }
    TeardownMenuScreen #teardown-result { height: auto; padding: 0 1; }
    """
    BINDINGS = [
        Binding("f", "stop_fleet", "Stop fleet"),
        Binding("a", "stop_all", "Stop all"),
        Binding("d", "destroy", "Destroy…"),
        Binding("r", "reload", "Refresh"),
        Binding("enter", "open", "Open", show=False),
        Binding("escape", "home", "Clusters"),
        Binding("q", "app.quit", "Quit", show=False),  # the footer names ctrl+q, as on every screen
    ]

    def __init__(self) -> None:
        super().__init__()
        self.savings: dict[str, Savings] = {}
        self.volumes: dict[str, list[str] | None] = {}
        self.billing: list[str] = []  # the clusters that may bill (something of them exists), priced live

    @property
    def cw_app(self) -> ClusterwizApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("What each cluster costs now, and what each action saves per hour. f: stop its compute "
                     "fleet · a: stop all of it (volumes still bill) · d: destroy it · enter: open it.",
                     id="teardown-intro")
        yield DataTable(id="teardown-clusters", cursor_type="row")
        yield StoppedNotes(id="teardown-notes")
        yield Static("", id="teardown-result")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "teardown"
        table = self.query_one(DataTable)
        for label, key in (("Cluster", "name"), ("Region", "region"), ("Status", "status"), ("$/h now", "cost"),
                           ("Stop fleet saves", "fleet"), ("Stop all saves", "all"), ("Destroy saves", "destroy")):
            table.add_column(label, key=key)
        self.action_reload()
        table.focus()

    def action_reload(self) -> None:
        from clusterwiz.core.sandbox import other_area_note
        from clusterwiz.core.status import may_bill, per_hour_cell, state_label

        table = self.query_one(DataTable)
        table.clear()
        self.query_one(StoppedNotes).clear()
        records = self.cw_app.registry.records()
        self.billing = [record.name for record in records if may_bill(record)]
        for record in records:
            table.add_row(record.name, record.spec.region, state_label(record),
                          "…" if record.name in self.billing else per_hour_cell(None), "", "", "", key=record.name)
        settings = self.cw_app.settings
        if not records:
            here = " in the sandbox" if settings.sandbox else ""
            note = other_area_note(settings, "teardown")
            self.query_one("#teardown-result", Static).update(
                f"No clusters{here}: nothing bills here. ✓" + (f"\n{note}" if note else ""))
        self.price(self.billing)

    @work(thread=True, exclusive=True, group="teardown-prices")
    def price(self, names: list[str]) -> None:
        from clusterwiz.core.billing import look_up
        from clusterwiz.core.status import listed
        from clusterwiz.core.teardown import savings, snapshot_offer

        workspace = live_workspace(self.cw_app)()
        sandbox = self.cw_app.settings.sandbox
        for name in names:
            try:
                record = workspace.registry.get(name)
                status = look_up(workspace.session, workspace.catalog, record, sandbox=sandbox)
            except Exception:  # a cluster we cannot look up is shown as unknown, not as an error
                self.post_message(ClusterPriced(name, None, None, None))
                continue
            self.post_message(ClusterPriced(name, listed(record, status, sandbox=sandbox), savings(status),
                                            snapshot_offer(status)))

    def on_cluster_priced(self, message: ClusterPriced) -> None:
        table = self.query_one(DataTable)
        if not show_looked_up(table, self.query_one(StoppedNotes), message.name, message.found):
            return
        self.volumes[message.name] = message.volumes
        if message.savings is not None:
            self.savings[message.name] = message.savings
            table.update_cell(message.name, "fleet", f"{message.savings.stop_fleet:.3f}")
            table.update_cell(message.name, "all", f"{message.savings.stop_all:.3f}")
            table.update_cell(message.name, "destroy", f"{message.savings.destroy:.3f}")

    def _selected(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        name = self._selected()
        if name:
            show_dashboard(self.cw_app, name, tab="teardown")

    def action_stop_fleet(self) -> None:
        self._stop("stop-fleet")

    def action_stop_all(self) -> None:
        self._stop("stop-all")

    def _stop(self, action: str) -> None:
        name = self._selected()
        if name:
            what = "Stopping the compute fleet" if action == "stop-fleet" else "Stopping the whole cluster"
            self.query_one("#teardown-result", Static).update(f"{what} of {name}…")
            self.stop(name, action)

    @work(thread=True, group="teardown-actions")
    def stop(self, name: str, action: str) -> None:
        from clusterwiz.core.teardown import stop_all, stop_fleet

        try:
            operation = stop_fleet if action == "stop-fleet" else stop_all
            result = operation(live_workspace(self.cw_app)(), name)
        except Exception as error:  # e.g. permissions, or the cluster busy in another clusterwiz
            self.post_message(ActionDone(name, f"{name}: {error}"))
            return
        head = f"; head node {', '.join(result.head_instance_ids)} stopping" if result.head_instance_ids else ""
        start = cli("start", name, sandbox=self.cw_app.settings.sandbox)
        self.post_message(ActionDone(name, f"{name}: every queue at 0 nodes{head}. `{start}` brings it back."))

    def on_action_done(self, message: ActionDone) -> None:
        self.query_one("#teardown-result", Static).update(message.text)
        self.action_reload()

    def action_destroy(self) -> None:
        from clusterwiz.modals.destroy import DestroyModal

        name = self._selected()
        if not name:
            return
        saves = f"${self.savings[name].destroy:.3f}/h" if name in self.savings else "what it costs now"
        # A cluster with nothing in AWS has no volume to snapshot; one not looked up yet offers none, and says so.
        volumes = self.volumes.get(name, None if name in self.billing else [])
        self.app.push_screen(DestroyModal(name, volumes, saves),
                             lambda snapshot: self._destroy(name, snapshot))

    def _destroy(self, name: str, snapshot: bool | None) -> None:
        if snapshot is not None:
            start_run(self.cw_app, name, "destroy", forget=True, snapshot=snapshot)

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.action_reload()

    def action_home(self) -> None:
        self.cw_app.show_home()


def teardown_app(settings: Settings, catalog_factory: CatalogFactory | None = None,
                 registry: Registry | None = None) -> ClusterwizApp:
    """The app, opening on the teardown menu instead of the home screen."""
    from clusterwiz.app import ClusterwizApp
    from clusterwiz.core.newcluster import catalog_for, registry_for

    class TeardownApp(ClusterwizApp):
        # Textual finds CSS_PATH next to the module of the class that names it: this one is not app.py.
        CSS_PATH = str(Path(inspect.getfile(ClusterwizApp)).with_name(str(ClusterwizApp.CSS_PATH)))

        def on_mount(self, event: events.Mount) -> None:
            event.prevent_default()  # not the home screen (nor the wizard): straight to the menu
            self.push_screen(TeardownMenuScreen())

    return TeardownApp(settings, catalog_factory or catalog_for, registry or registry_for(settings))
