"""The footer shows the keys of what has focus, and is rebuilt only when those keys change."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Button

from clusterwiz.widgets.footer import Footer
from tests.tui.driving import synchronous


class SaveButton(Button):
    BINDINGS = [Binding("ctrl+s", "press", "Save")]


class KeysApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Button("one", id="one")
        yield Button("two", id="two")
        yield SaveButton("save", id="save")
        yield Footer()


def footer_keys(app: App[None]) -> list[str]:
    return [str(key.render()).strip() for key in app.query_one(Footer).query("FooterKey")]


@synchronous
async def test_the_footer_follows_focus_and_is_rebuilt_only_when_its_keys_change() -> None:
    app = KeysApp()
    async with app.run_test() as pilot:
        app.query_one("#one").focus()
        await pilot.pause()
        assert not any("Save" in key for key in footer_keys(app))
        first_keys = list(app.query_one(Footer).query("FooterKey"))

        app.query_one("#two").focus()  # the same keys: the footer keeps its widgets
        await pilot.pause()
        assert list(app.query_one(Footer).query("FooterKey")) == first_keys

        app.query_one("#save").focus()  # a key more: rebuilt, and shown
        await pilot.pause()
        assert any("Save" in key for key in footer_keys(app))

        app.query_one("#one").focus()  # and gone again
        await pilot.pause()
        assert not any("Save" in key for key in footer_keys(app))
