"""The home screen: every cluster in the registry, with what it costs now; new, open, teardown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from clusterwiz.widgets.footer import Footer
from clusterwiz.widgets.stopped_notes import StoppedNotes, show_looked_up

if TYPE_CHECKING:
    from clusterwiz.app import ClusterwizApp
    from clusterwiz.core.billing import BillingNow
    from clusterwiz.core.registry import ClusterRecord
    from clusterwiz.core.status import ListedCluster

class ClusterLookedUp(Message):
    def __init__(self, name: str, found: ListedCluster | None) -> None:
        super().__init__()
        self.name = name
        self.found = found  # None: it could not be looked up


class BillingLookedUp(Message):
    def __init__(self, billing: BillingNow) -> None:
        super().__init__()
        self.billing = billing


class OpenCluster(Message):
    """Show a cluster's dashboard; the app handles it."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class TeardownCluster(Message):
    """Take a cluster back to zero cost; the app handles it."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


def nodes_text(record: ClusterRecord) -> str:
    spec = record.spec
    low = sum(q.min_nodes for q in spec.queues)
    high = sum(q.max_nodes for q in spec.queues)
    return f"1 head + {low}-{high}"


class HomeScreen(Screen[None]):
    BINDINGS = [
        Binding("n", "new_cluster", "New cluster"),
        Binding("o", "open", "Open"),
        Binding("t", "teardown", "Teardown"),
        Binding("q", "app.quit", "Quit"),
    ]

    empty = False  # no cluster to list: only New cluster is offered

    @property
    def cw_app(self) -> ClusterwizApp:
        return self.app  # type: ignore[return-value]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (self.empty and action in ("open", "teardown"))

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Your clusters. A cluster bills by the hour while it runs: tear down what you do not use.",
                     id="home-intro")
        yield Static(id="home-billing", markup=False)
        yield DataTable(id="clusters", cursor_type="row")
        yield Static(id="home-empty", markup=False)
        yield StoppedNotes(id="home-notes")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "clusters"
        table = self.query_one(DataTable)
        table.add_column("Name", key="name")
        table.add_column("Region", key="region")
        table.add_column("Status", key="status")
        table.add_column("Nodes", key="nodes")
        table.add_column("$/h now", key="cost")
        self.reload()
        table.focus()

    def on_screen_resume(self) -> None:
        # Back from a dashboard or a destroy: the registry may have changed under the list.
        if self.query_one(DataTable).columns:
            self.reload()

    def reload(self) -> None:
        from clusterwiz.core.billing import billing_now
        from clusterwiz.core.status import may_bill, per_hour_cell, state_label

        table = self.query_one(DataTable)
        table.clear()
        self.query_one(StoppedNotes).clear()
        records = self.cw_app.registry.records()
        self.show_empty(not records)
        billing = [record for record in records if may_bill(record)]
        names = {record.name for record in billing}
        for record in records:
            table.add_row(record.name, record.spec.region, state_label(record), nodes_text(record),
                          "…" if record.name in names else per_hour_cell(None), key=record.name)
        self.show_billing(billing_now(self.cw_app.settings.home, sandbox=self.cw_app.settings.sandbox))
        if billing:
            self.price(billing)

    def show_empty(self, empty: bool) -> None:
        from clusterwiz.core.suggest import first_cluster

        self.empty = empty
        self.query_one(DataTable).display = not empty  # a bare header says nothing to a newcomer
        shown = self.query_one("#home-empty", Static)
        shown.update(first_cluster("press n (New cluster)", sandbox=self.cw_app.settings.sandbox) if empty else "")
        shown.display = empty
        self.refresh_bindings()

    def show_billing(self, billing: BillingNow) -> None:
        line = billing.line()
        shown = self.query_one("#home-billing", Static)
        shown.update(line or "")
        shown.display = line is not None

    @work(thread=True, exclusive=True, group="home-cost")
    def price(self, records: list[ClusterRecord]) -> None:
        from clusterwiz.core.billing import billing_now, look_up
        from clusterwiz.core.status import listed
        from clusterwiz.screens.navigation import live_workspace

        workspace = live_workspace(self.cw_app)()
        sandbox = self.cw_app.settings.sandbox
        for record in records:
            try:
                status = look_up(workspace.session, workspace.catalog, record, sandbox=sandbox)
            except Exception:  # a cluster we cannot look up is shown as unknown, not as an error
                self.post_message(ClusterLookedUp(record.name, None))
                continue
            self.post_message(ClusterLookedUp(record.name, listed(record, status, sandbox=sandbox)))
        self.post_message(BillingLookedUp(billing_now(self.cw_app.settings.home, sandbox=sandbox)))

    def on_cluster_looked_up(self, message: ClusterLookedUp) -> None:
        show_looked_up(self.query_one(DataTable), self.query_one(StoppedNotes), message.name, message.found)

    def on_billing_looked_up(self, message: BillingLookedUp) -> None:
        self.show_billing(message.billing)

    def _selected(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_new_cluster(self) -> None:
        self.cw_app.new_cluster()

    def action_open(self) -> None:
        name = self._selected()
        if name:
            self.app.post_message(OpenCluster(name))

    def action_teardown(self) -> None:
        name = self._selected()
        if name:
            self.app.post_message(TeardownCluster(name))
