"""How the app reaches the plan, run, dashboard and teardown screens of a cluster.

The app's message handlers call these; tests call them with a `ClusterTerraform` that replays
recorded Terraform output. A cluster has at most one run screen, installed under a name of its own,
so a run goes on while the user looks elsewhere and is found again by opening the cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from clusterwiz.screens.run import RunScreen, run_screen_name

if TYPE_CHECKING:
    from clusterwiz.app import ClusterwizApp
    from clusterwiz.core.cost import CostEstimate
    from clusterwiz.core.events import PlannedChange
    from clusterwiz.core.lifecycle import Workspace
    from clusterwiz.core.terraform import PlanResult
    from clusterwiz.screens.cluster_terraform import ClusterTerraform
    from clusterwiz.screens.plan import PlanScreen
    from clusterwiz.screens.run import Operation


def live_workspace(app: ClusterwizApp) -> Callable[[], Workspace]:
    """The app's settings, registry and catalog as a lifecycle Workspace; call it in a worker (boto3 loads)."""

    def workspace() -> Workspace:
        from clusterwiz.core.lifecycle import Workspace
        from clusterwiz.core.sandbox import ensure_emulator

        catalog = app.catalog.get()
        # Terraform reaches the sandbox through the emulator's endpoint and throwaway credentials.
        emulator = ensure_emulator(app.settings.home) if app.settings.sandbox else None
        return Workspace(settings=app.settings, registry=app.registry, session=catalog.session, catalog=catalog,
                         emulator=emulator)

    return workspace


def live_terraform(app: ClusterwizApp) -> ClusterTerraform:
    from clusterwiz.screens.cluster_terraform import LiveClusterTerraform

    return LiveClusterTerraform(live_workspace(app))


def run_screen(app: ClusterwizApp, name: str, terraform: ClusterTerraform | None = None) -> RunScreen:
    """The cluster's run screen, made (and installed) on first use."""
    key = run_screen_name(name)
    if not app.is_screen_installed(key):
        app.install_screen(RunScreen(name, terraform or live_terraform(app),
                                     on_success=lambda screen: show_dashboard(app, screen.cluster, replacing=screen),
                                     on_edit=lambda screen: edit_in_wizard(app, screen.cluster, replacing=screen),
                                     on_gone=lambda screen: app.show_home()), key)
    screen = app.get_screen(key)
    assert isinstance(screen, RunScreen)
    return screen


def running(app: ClusterwizApp, name: str) -> RunScreen | None:
    key = run_screen_name(name)
    if app.is_screen_installed(key):
        screen = app.get_screen(key)
        if isinstance(screen, RunScreen) and screen.running:
            return screen
    return None


def show_run(app: ClusterwizApp, screen: RunScreen) -> None:
    if app.screen is screen:
        return
    if screen in app.screen_stack:
        while app.screen is not screen:
            app.pop_screen()
        return
    app.push_screen(screen)


def show_plan(app: ClusterwizApp, name: str, terraform: ClusterTerraform | None = None) -> None:
    from clusterwiz.screens.plan import PlanScreen

    busy = running(app, name)
    if busy is not None:
        app.notify(f"The {busy.operation} of {name} is still running; here it is.", title=name)
        show_run(app, busy)
        return
    terraform = terraform or run_screen(app, name).terraform

    def cost() -> CostEstimate:
        from clusterwiz.core.cost import estimate

        return estimate(app.registry.get(name).spec, app.catalog.get())

    def apply(plan_screen: PlanScreen, plan: PlanResult, planned: tuple[PlannedChange, ...]) -> None:
        start_run(app, name, "apply", terraform, plan=plan, planned=planned, replacing=plan_screen)

    app.push_screen(PlanScreen(name, terraform, on_apply=apply, cost=cost, back_label=back_label(app.screen),
                               on_edit=lambda plan_screen: edit_in_wizard(app, name, replacing=plan_screen)))


def back_label(screen: object) -> str:
    """The label of a Back that pops back to `screen`, naming it."""
    from clusterwiz.screens.dashboard import DashboardScreen
    from clusterwiz.screens.review import ReviewScreen

    names = {ReviewScreen: "Back to review", DashboardScreen: "Back to dashboard"}
    return next((label for kind, label in names.items() if isinstance(screen, kind)), "Back")


def start_run(app: ClusterwizApp, name: str, operation: Operation, terraform: ClusterTerraform | None = None,
              plan: PlanResult | None = None, planned: tuple[PlannedChange, ...] = (), forget: bool = False,
              snapshot: bool = False, replacing: object = None) -> RunScreen:
    """Begin an apply or destroy and show it; `replacing` is the screen it takes the place of (the plan)."""
    screen = run_screen(app, name, terraform)
    screen.begin(operation, plan=plan, planned=planned, forget=forget, snapshot=snapshot)
    if replacing is not None and app.screen is replacing and screen not in app.screen_stack:
        app.switch_screen(screen)
    else:
        show_run(app, screen)
    return screen


def show_dashboard(app: ClusterwizApp, name: str, replacing: object = None, tab: str = "overview") -> None:
    from clusterwiz.screens.dashboard import DashboardScreen

    dashboard = DashboardScreen(name, live_workspace(app), tab=tab)
    if replacing is not None and app.screen is replacing:
        app.switch_screen(dashboard)
    else:
        app.push_screen(dashboard)


def show_cluster(app: ClusterwizApp, name: str) -> None:
    """Open a cluster: its run while one is under way, else its dashboard."""
    busy = running(app, name)
    if busy is not None:
        show_run(app, busy)
    else:
        show_dashboard(app, name)


def show_teardown(app: ClusterwizApp, name: str) -> None:
    """The cluster's teardown panel (its run, while one is under way)."""
    busy = running(app, name)
    if busy is not None:
        show_run(app, busy)
    else:
        show_dashboard(app, name, tab="teardown")


def edit_in_wizard(app: ClusterwizApp, name: str, replacing: object = None) -> None:
    """The wizard on the cluster's spec, saving over it: the one already open for it (under the plan it opened),
    else a new one, in place of `replacing` when that is the screen on show."""
    from clusterwiz.screens.wizard import WizardScreen

    open_already = next((screen for screen in app.screen_stack
                         if isinstance(screen, WizardScreen) and screen.state.context.editing == name), None)
    if open_already is not None:
        while app.screen is not open_already:
            app.pop_screen()
        return
    wizard = app.wizard(app.registry.get(name).spec, editing=name)
    if replacing is not None and app.screen is replacing:
        app.switch_screen(wizard)
    else:
        app.push_screen(wizard)
