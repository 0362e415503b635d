"""The wizard edits a saved cluster (issue 16): once saved, going back to the wizard (from the review, or Edit in
wizard on a failed plan or run) and saving again updates the cluster's spec, where it used to say that a cluster of
that name already exists."""

from __future__ import annotations

from clusterwiz.screens.navigation import edit_in_wizard
from clusterwiz.screens.review import ReviewScreen
from clusterwiz.screens.wizard import WizardScreen
from tests.tui.driving import at_step, next_step, problem, settle, synchronous, type_into
from tests.tui.test_wizard_newcomer import reviewed
from tests.tui.test_wizard_pilot import SIZE, app_for, pick_step, spec_of


def not_saved(app) -> list[str]:
    return [n.message for n in app._notifications if n.title == "Not saved"]


@synchronous
async def test_back_in_the_wizard_after_saving_then_saving_again_updates_the_cluster(settings, catalog, registry,
                                                                                   account) -> None:
    app = app_for(settings, catalog, registry, start_from=spec_of(account))
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, "account")
        lines = await reviewed(pilot)
        assert "already exists" not in lines
        await pilot.press("ctrl+s")  # Save
        await settle(pilot)
        assert registry.names() == ["lab"] and not not_saved(app)

        await pilot.press("escape")  # back to the wizard, to change an answer
        await settle(pilot)
        await pick_step(pilot, "cost_limits")
        await type_into(pilot, "idle_stop_minutes", "30")
        await next_step(pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        findings = " ".join(str(finding.render()) for finding in review.query(".finding-text"))
        assert "already exists" not in findings
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not not_saved(app)
        assert registry.names() == ["lab"] and registry.get("lab").spec.idle_stop_minutes == 30


@synchronous
async def test_edit_in_wizard_opens_the_clusters_spec_keeps_its_name_and_saves_over_it(settings, catalog, registry,
                                                                                       account) -> None:
    registry.create(spec_of(account))
    app = app_for(settings, catalog, registry)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        edit_in_wizard(app, "lab")  # what Edit in wizard on a failed plan or run does
        await at_step(pilot, "account")
        wizard = app.screen
        assert isinstance(wizard, WizardScreen) and wizard.state.spec() == registry.get("lab").spec
        await next_step(pilot)
        await at_step(pilot, "name")
        await type_into(pilot, "name", "other")
        await next_step(pilot)
        assert "this is cluster 'lab'" in problem(pilot, "name")
        await type_into(pilot, "name", "lab")
        await next_step(pilot)
        await at_step(pilot, "region")  # its own name is not "taken"
        await pick_step(pilot, "cost_limits")
        await type_into(pilot, "idle_stop_minutes", "45")
        await next_step(pilot)
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not not_saved(app)
        assert registry.names() == ["lab"] and registry.get("lab").spec.idle_stop_minutes == 45
