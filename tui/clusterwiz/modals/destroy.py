"""Confirm a destroy: type the cluster's name; choose whether to snapshot the volumes clusterwiz created."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Static

from clusterwiz.modals.confirm import CONFIRM_CSS


class DestroyModal(ModalScreen[bool | None]):
    """Dismissed with None (not confirmed) or whether to snapshot the created volumes first."""

    DEFAULT_CSS = CONFIRM_CSS.replace("ConfirmModal {", "DestroyModal {")
    BINDINGS = [Binding("escape", "back", "Back")]

    def __init__(self, name: str, created_volumes: int, saves_per_hour: str) -> None:
        super().__init__()
        self.expected = name
        self.created_volumes = created_volumes
        self.saves_per_hour = saves_per_hour

    def compose(self) -> ComposeResult:
        with Vertical(classes="confirm-box"):
            yield Static(f"Destroy cluster {self.expected}?", classes="confirm-title")
            yield Static(Text.assemble(
                "Every resource clusterwiz created for it is removed, with the data on the volumes it created; "
                f"volumes you brought are detached and kept. Saves {self.saves_per_hour}.\n\nType ",
                (self.expected, "bold"), " to confirm."), classes="confirm-body")
            yield Input(placeholder=self.expected, id="typed-name")
            yield Checkbox(f"Snapshot its {self.created_volumes} new volume(s) first", value=self.created_volumes > 0,
                           id="snapshot", disabled=self.created_volumes == 0)
            yield Static("Snapshots outlive the cluster and bill a little for storage.", classes="confirm-note")
            with Horizontal(classes="confirm-buttons"):
                yield Button("Back", id="refuse", variant="primary")
                yield Button("Destroy", id="confirm", variant="error", disabled=True)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#confirm", Button).disabled = event.value != self.expected

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value == self.expected:
            self._confirm()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "confirm" and self.query_one(Input).value == self.expected:
            self._confirm()
        else:
            self.dismiss(None)

    def _confirm(self) -> None:
        self.dismiss(self.query_one(Checkbox).value)

    def action_back(self) -> None:
        self.dismiss(None)
