"""The clusterwiz app: one factory with explicit dependencies, used by the CLI and by the tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from clusterwiz.core.aws.pool import DaemonExecutor
from clusterwiz.screens.home import HomeScreen, OpenCluster, TeardownCluster
from clusterwiz.screens.review import PlanRequested

if TYPE_CHECKING:
    from clusterwiz.core.aws.catalog import Catalog
    from clusterwiz.core.registry import Registry
    from clusterwiz.core.settings import Settings
    from clusterwiz.core.spec import ClusterSpec
    from clusterwiz.screens.wizard import WizardScreen

CatalogFactory = Callable[["Settings"], "Catalog"]
SANDBOX_TITLE = "clusterwiz · SANDBOX (emulated AWS, nothing billed)"
THREAD_WORKERS = 16  # thread workers that run at once; more wait for one to end


class DeferredCatalog:
    """The catalog, made on first use. Making it imports boto3 (~0.3 s), which must not delay the first screen;
    first use happens in a lookup worker."""

    def __init__(self, factory: Callable[[], Catalog]):
        self._factory = factory
        self._catalog: Catalog | None = None
        self._lock = threading.Lock()

    def get(self) -> Catalog:
        with self._lock:
            if self._catalog is None:
                self._catalog = self._factory()
            return self._catalog

    def close(self) -> None:
        if self._catalog is not None:
            self._catalog.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)


class ClusterwizApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "clusterwiz"
    # Textual's own, shown in every footer: a newcomer must see how to get out.
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", tooltip="Quit clusterwiz (asked first while a run goes on)",
                        priority=True)]

    def __init__(self, settings: Settings, catalog_factory: CatalogFactory, registry: Registry,
                 start_from: ClusterSpec | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.registry = registry
        self.catalog: Any = DeferredCatalog(lambda: catalog_factory(settings))
        self.start_from = start_from
        if settings.sandbox:
            # Every screen's header carries this title on a warning-coloured bar (app.tcss `.sandbox Header`).
            self.title = SANDBOX_TITLE
            self.add_class("sandbox")

    def on_mount(self) -> None:
        # Thread workers run in the loop's default executor; on its daemon threads, a worker blocked on an AWS
        # endpoint that never answers does not hold up the exit (ctrl+q quits at once).
        asyncio.get_running_loop().set_default_executor(DaemonExecutor(THREAD_WORKERS, "worker"))
        if self.settings.sandbox:
            self.start_sandbox()
        if self.start_from is None and self.registry.names():
            self.push_screen(HomeScreen())
        else:
            self.new_cluster(self.start_from)

    @work(thread=True, exclusive=True, group="sandbox-start")
    def start_sandbox(self) -> None:
        """Start the emulator (and make the catalog on it) while the first screen is already up; lookups that
        come first wait for it on the catalog's lock."""
        from clusterwiz.core.errors import ClusterwizError

        try:
            self.catalog.get()
        except ClusterwizError as error:
            self.call_from_thread(self.notify, str(error), title="Sandbox", severity="error", timeout=30,
                                  markup=False)

    def on_unmount(self) -> None:
        self.catalog.close()

    def new_cluster(self, start_from: ClusterSpec | None = None) -> None:
        self.push_screen(self.wizard(start_from))

    def wizard(self, start_from: ClusterSpec | None = None, editing: str | None = None) -> WizardScreen:
        """The wizard, blank or answered from `start_from`; `editing`: the registered cluster it saves over."""
        from clusterwiz.core.newcluster import new_context
        from clusterwiz.core.steps import WizardState
        from clusterwiz.screens.wizard import WizardScreen

        state = WizardState(new_context(self.settings, self.catalog, self.registry, editing=editing))
        if start_from is not None:
            state.load_spec(start_from)
        return WizardScreen(state, start_step="account" if start_from else None)

    def show_home(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if not isinstance(self.screen, HomeScreen):
            if len(self.screen_stack) > 1:
                self.pop_screen()
            self.push_screen(HomeScreen())
        else:
            self.screen.reload()

    async def action_quit(self) -> None:
        from clusterwiz.screens.navigation import running

        runs = [screen for name in self.registry.names() if (screen := running(self, name)) is not None]
        if not runs:
            self.exit()
            return
        from clusterwiz.modals.confirm import ConfirmModal

        what = ", ".join(f"the {run.operation} of {run.cluster}" for run in runs)
        self.push_screen(ConfirmModal(
            "Quit while Terraform runs?",
            f"{what[0].upper()}{what[1:]} is still running. If you quit, Terraform carries on without clusterwiz "
            "until it has finished and saved its state (its output goes to the cluster's logs/terraform.log), and "
            "until then every clusterwiz command finds the cluster busy. To stop it instead, stop it cleanly on its "
            "screen (ctrl+c) first.", confirm="Quit anyway", refuse="Keep running"),
            lambda confirmed: self.exit() if confirmed else None)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("New cluster", "Start the wizard for a new cluster", self.new_cluster)
        yield SystemCommand("Clusters", "List your clusters (home)", self.show_home)
        from clusterwiz.screens.wizard import WizardScreen

        if isinstance(screen, WizardScreen):
            yield SystemCommand("Review", "Review the cluster, its cost and checks", screen.action_review)
            yield SystemCommand("Next step", "Check this step's answer and go on", screen.action_next)
            yield SystemCommand("Previous step", "Go back; your answers are kept", screen.action_back)

    def on_plan_requested(self, message: PlanRequested) -> None:
        from clusterwiz.screens.navigation import show_plan

        show_plan(self, message.name)

    def on_open_cluster(self, message: OpenCluster) -> None:
        from clusterwiz.screens.navigation import show_cluster

        show_cluster(self, message.name)

    def on_teardown_cluster(self, message: TeardownCluster) -> None:
        from clusterwiz.screens.navigation import show_teardown

        show_teardown(self, message.name)


def make_app(settings: Settings, catalog_factory: CatalogFactory | None = None, registry: Registry | None = None,
             start_from: ClusterSpec | None = None) -> ClusterwizApp:
    from clusterwiz.core.newcluster import catalog_for, registry_for

    return ClusterwizApp(settings, catalog_factory or catalog_for, registry or registry_for(settings), start_from)


def run(settings: Settings, start_from: ClusterSpec | None = None) -> int:
    app = make_app(settings, start_from=start_from)
    app.run()
    return app.return_code or 0
