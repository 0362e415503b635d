"""The wizard's idle stop (issue 17): on at 60 minutes for a new cluster, refused in the form's words when the spec
would refuse it, turned off with its switch, and said in the review."""

from __future__ import annotations

from textual.widgets import Input, Static, Switch

from clusterwiz.core.steps import STEPS
from tests.tui.driving import (
    at_step,
    next_step,
    on_show,
    problem,
    settle,
    shown,
    synchronous,
    type_into,
    wizard,
)
from tests.tui.test_wizard_newcomer import review_lines, reviewed
from tests.tui.test_wizard_pilot import SIZE, app_for, pick_step, spec_of


@synchronous
async def test_a_new_cluster_stops_itself_after_an_hour_unless_turned_off(settings, catalog, registry,
                                                                          account) -> None:
    app = app_for(settings, catalog, registry)
    async with app.run_test(size=SIZE) as pilot:
        for step in STEPS[:-1]:  # every default taken, up to the last step
            await at_step(pilot, step.id)
            await next_step(pilot)
        await at_step(pilot, "cost_limits")
        assert shown(app, "#f-0-stop_when_idle", Switch).value is True
        assert shown(app, "#f-0-idle_stop_minutes", Input).value == "60"
        name = wizard(pilot).state.answers["name"]["name"]
        assert str(shown(app, "#d-0-idle_stop_minutes", Static).render()) == (
            "no job and nobody logged in for 60 minutes: the whole cluster stops itself, only its storage bills; "
            f"`clusterwiz start {name}` brings it back")

        await type_into(pilot, "idle_stop_minutes", "10")
        await next_step(pilot)
        await at_step(pilot, "cost_limits")  # refused: idle nodes are still being removed after 10 minutes
        assert problem(pilot, "idle_stop_minutes") == (
            "✗ is 10 but idle nodes are removed after 10 minutes (node scale-down time); the cluster would stop "
            "before its nodes scale down: use more than 10")

        shown(app, "#f-0-stop_when_idle", Switch).focus()
        await pilot.press("space")  # off
        await pilot.pause(0.5)  # the switch changes which fields show: the form is rebuilt once it rests
        await settle(pilot)
        assert not on_show(app, "#f-0-idle_stop_minutes")
        await next_step(pilot)
        assert "Idle stop: off; the cluster bills until you stop or destroy it." in review_lines(app)
        await pilot.press("ctrl+s")
        await settle(pilot)

    [name] = registry.names()
    assert registry.get(name).spec.idle_stop_minutes is None


@synchronous
async def test_a_clusters_own_idle_stop_is_shown_changed_and_reviewed(settings, catalog, registry,
                                                                       account) -> None:
    app = app_for(settings, catalog, registry, start_from=spec_of(account, idle_stop_minutes=240))
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, "account")
        await pick_step(pilot, "cost_limits")
        assert shown(app, "#f-0-idle_stop_minutes", Input).value == "240"
        await type_into(pilot, "idle_stop_minutes", "90")
        summary = await reviewed(pilot)
        assert ("Idle stop: after 90 minutes with no job and nobody logged in, the whole cluster stops itself and "
                "only its storage bills until you start it again.") in summary


@synchronous
async def test_an_expiry_typed_as_a_duration_becomes_a_time_in_the_spec(settings, catalog, registry,
                                                                         account) -> None:
    from datetime import UTC, datetime, timedelta

    app = app_for(settings, catalog, registry)
    async with app.run_test(size=SIZE) as pilot:
        for step in STEPS[:-1]:
            await at_step(pilot, step.id)
            await next_step(pilot)
        await at_step(pilot, "cost_limits")
        assert shown(app, "#f-0-expires", Input).value == ""  # never, unless asked

        await type_into(pilot, "expires", "2020-01-01T00:00Z")
        await next_step(pilot)
        await at_step(pilot, "cost_limits")
        assert "is in the past" in problem(pilot, "expires")

        await type_into(pilot, "expires", "8h")
        await settle(pilot)
        assert "the whole cluster stops in 8 h 0 min" in str(shown(app, "#d-0-expires", Static).render()) or \
            "the whole cluster stops in 7 h 59 min" in str(shown(app, "#d-0-expires", Static).render())
        typed = datetime.now(UTC)
        await next_step(pilot)
        assert "Expires: the whole cluster stops in " in review_lines(app)
        await pilot.press("ctrl+s")
        await settle(pilot)

    [name] = registry.names()
    expires_at = registry.get(name).spec.expires_at
    assert abs(expires_at - (typed + timedelta(hours=8))) < timedelta(minutes=1)
