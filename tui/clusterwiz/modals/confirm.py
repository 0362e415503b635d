"""A yes/no question that guards an action."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

CONFIRM_CSS = """
ConfirmModal {
    align: center middle;
}
.confirm-box {
    width: 70;
    max-width: 95%;
    height: auto;
    border: thick $warning;
    background: $surface;
    padding: 1 2;
}
.confirm-title {
    text-style: bold;
    margin-bottom: 1;
}
.confirm-body {
    height: auto;
    margin-bottom: 1;
}
.confirm-note {
    height: auto;
    color: $text-muted;
    margin-bottom: 1;
}
.confirm-buttons {
    height: 3;
    align-horizontal: right;
}
.confirm-buttons Button {
    margin-left: 1;
}
"""


class ConfirmModal(ModalScreen[bool]):
    """Dismissed with True when the user confirms."""

    DEFAULT_CSS = CONFIRM_CSS
    BINDINGS = [Binding("escape", "no", "Keep going")]

    def __init__(self, title: str, body: str | Text, confirm: str, refuse: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.confirm = confirm
        self.refuse = refuse

    def compose(self) -> ComposeResult:
        with Vertical(classes="confirm-box"):
            yield Static(self.title_text, classes="confirm-title")
            yield Static(self.body, classes="confirm-body")
            with Horizontal(classes="confirm-buttons"):
                yield Button(self.refuse, id="refuse", variant="primary")
                yield Button(self.confirm, id="confirm", variant="error")

    def on_mount(self) -> None:
        self.query_one("#refuse", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")

    def action_no(self) -> None:
        self.dismiss(False)
