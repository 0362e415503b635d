"""The wizard as a newcomer drives it (issue 16): edits kept however a step is left, Enter and Esc, the review's
"Go to", typing to search, what cannot be chosen, and problems said in the form's words while they are fixed."""

from __future__ import annotations

from textual.widgets import Button, DataTable, Input, Static

from clusterwiz.core.constraints import NAME_MAX_LENGTH
from clusterwiz.modals.confirm import ConfirmModal
from clusterwiz.screens.home import HomeScreen
from clusterwiz.screens.review import ReviewScreen
from clusterwiz.widgets.choice_table import ChoiceTable
from clusterwiz.widgets.footer import Footer
from tests.catalog.account import REGION
from tests.tui.driving import at_step, click, next_step, problem, settle, shown, synchronous, type_into, wizard
from tests.tui.test_wizard_pilot import SIZE, app_for, pick_step, spec_of


def review_lines(app) -> str:
    screen = app.screen
    assert isinstance(screen, ReviewScreen), f"expected the review, got {type(screen).__name__}"
    return str(screen.query_one("#review-lines", Static).render())


def sidebar(app) -> dict[str, str]:
    return {option.id: str(option.prompt) for option in app.screen.query_one("#step-list").options}


async def reviewed(pilot) -> str:
    await pilot.press("ctrl+s")
    await settle(pilot)
    return review_lines(pilot.app)


@synchronous
async def test_an_edit_is_kept_however_the_user_leaves_the_step(settings, catalog, registry, account) -> None:
    app = app_for(settings, catalog, registry, start_from=spec_of(account, network={
        "availability_zone": f"{REGION}a", "ssh_cidr": "0.0.0.0/0"}))
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, "account")
        await pick_step(pilot, "network")
        await type_into(pilot, "ssh_cidr", "")  # back to "only my address"
        await pick_step(pilot, "key_pair")  # left by the sidebar
        assert "SSH: allowed only from your current public address." in await reviewed(pilot)

        await pilot.press("escape")  # from the review back to the wizard
        await at_step(pilot, "key_pair")
        await pick_step(pilot, "name")
        await type_into(pilot, "name", "lab2")
        await pilot.press("ctrl+o")  # left by Back
        await at_step(pilot, "account")
        assert "Cluster lab2 in region" in await reviewed(pilot)

        # An edit that is not valid is kept too, and the step waits for its fix: the review cannot be built.
        await pilot.press("escape")
        await pick_step(pilot, "name")
        await type_into(pilot, "name", "Bad_Name")
        await pick_step(pilot, "region")
        screen = await at_step(pilot, "region")
        assert sidebar(app)["name"].startswith("✗")
        assert any("Cluster name: 'Bad_Name' is not a valid cluster name" in n.message for n in app._notifications)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen  # no review while a step is unfinished
        await pick_step(pilot, "name")
        assert shown(app, "#f-0-name", Input).value == "Bad_Name"


@synchronous
async def test_enter_on_a_pick_goes_on_and_escape_leaves_the_wizard_once_asked(settings, catalog, registry,
                                                                             account) -> None:
    app = app_for(settings, catalog, registry)
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, "account")
        await pilot.press("enter")  # the table of step 1 has the focus
        await at_step(pilot, "name")
        footer = " ".join(str(key.render()) for key in app.screen.query_one(Footer).query("FooterKey"))
        assert "Back" in footer and "Clusters" in footer and "Quit" in footer and "^b" not in footer

        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("escape")  # Stay is the default
        await at_step(pilot, "name")
        await pilot.press("escape")
        await pilot.pause()
        await click(pilot, "#confirm")
        assert isinstance(app.screen, HomeScreen)


@synchronous
async def test_after_go_to_from_the_review_next_returns_to_it_and_findings_use_the_forms_words(
        settings, catalog, registry, account) -> None:
    app = app_for(settings, catalog, registry, start_from=spec_of(account, network={
        "availability_zone": f"{REGION}a", "ssh_cidr": "0.0.0.0/0"}))
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, "account")
        await reviewed(pilot)
        findings = str(app.screen.query_one("#findings").query(Static).first().render())
        assert "leave who may SSH in empty" in findings and "ssh_cidr" not in findings
        go_to = next(b for b in app.screen.query(Button) if str(b.label) == "Go to Network")
        await click(pilot, f"#{go_to.id}")
        await at_step(pilot, "network")
        assert str(app.screen.query_one("#next", Button).label) == "Review"
        await next_step(pilot)
        assert isinstance(app.screen, ReviewScreen)


@synchronous
async def test_typing_on_a_table_searches_regions_by_city_and_says_when_nothing_matches(
        settings, catalog, registry, account) -> None:
    app = app_for(settings, catalog, registry, start_from=spec_of(account))
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, "account")
        await pick_step(pilot, "region")
        table = shown(app, "#f-0-region", ChoiceTable)
        rows = table.query_one(DataTable)
        rows.focus()
        await pilot.press(*"london")
        await settle(pilot)
        search = table.query_one(".choice-filter", Input)
        assert search.value == "london" and app.focused is search
        assert [row.key.value for row in rows.ordered_rows] == ["eu-west-2"]
        await pilot.press("down")  # to the rows found
        assert app.focused is rows

        await pilot.press("x", "y", "z")
        await settle(pilot)
        assert rows.row_count == 0
        assert "nothing matches 'londonxyz'" in str(table.query_one(".choice-more", Static).render())

        # The emulator lists GovCloud and China: a normal account never reaches them; they cannot be chosen.
        by_value = {choice.value: choice for choice in table.choices}
        assert "GovCloud" in (by_value["us-gov-west-1"].disabled or "")
        assert "AWS China" in (by_value["cn-north-1"].disabled or "")
        assert [c.disabled is None for c in table.choices] == sorted((c.disabled is None for c in table.choices),
                                                                   reverse=True)


@synchronous
async def test_the_os_search_keeps_what_was_typed_when_the_form_is_rebuilt_for_the_pick(
        settings, catalog, registry, account) -> None:
    app = app_for(settings, catalog, registry, start_from=spec_of(account))
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, "account")
        await pick_step(pilot, "os")
        shown(app, "#f-0-image DataTable", DataTable).focus()
        await pilot.press(*"rocky")
        await pilot.pause(0.5)  # the pick changed: the form is rebuilt once it rests
        await settle(pilot)
        search = shown(app, "#f-0-image .choice-filter", Input)
        assert search.value == "rocky" and app.focused is search
        assert shown(app, "#f-0-image").value.startswith("rocky9/")
        # What the cluster cannot boot yet is at the end, greyed out, saying why in its row.
        choices = shown(app, "#f-0-image", ChoiceTable).choices
        unavailable = [c for c in choices if c.disabled]
        assert {c.value.split("/")[0] for c in unavailable} == {"ubuntu2204", "al2023"}
        assert all(c.cells[2] == "unavailable" and c.cells[3] for c in unavailable)
        assert choices.index(unavailable[0]) > max(choices.index(c) for c in choices
                                                   if c.disabled is None and c.value != "custom")


@synchronous
async def test_a_problem_goes_when_the_user_types_its_fix_and_names_are_as_long_as_the_spec_allows(
        settings, catalog, registry, account) -> None:
    app = app_for(settings, catalog, registry)
    async with app.run_test(size=SIZE) as pilot:
        await at_step(pilot, "account")
        await next_step(pilot)
        await type_into(pilot, "name", "x" * 200)
        assert shown(app, "#f-0-name", Input).value == "x" * NAME_MAX_LENGTH
        await type_into(pilot, "name", "Bad_Name")
        await next_step(pilot)
        assert "is not a valid cluster name" in problem(pilot, "name")
        assert not [n for n in app._notifications if n.severity == "error"]  # said under the field, not a toast
        await pilot.press("backspace")
        await pilot.pause()
        screen = wizard(pilot)
        assert screen.current.id == "name" and screen.form.query_one("#p-0-name").has_class("hidden")
