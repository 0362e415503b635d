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
    """Dismissed with None (not confirmed) or whether to snapshot the created volumes first.

    `volumes` are the snapshot candidates (core.teardown.snapshot_candidates) as "mount dir (size)" labels, or
    None when they could not be looked up; the checkbox is offered only when there is something to snapshot."""

    DEFAULT_CSS = CONFIRM_CSS.replace("ConfirmModal {", "DestroyModal {")
    BINDINGS = [Binding("escape", "back", "Back")]

    def __init__(self, name: str, volumes: list[str] | None, saves_per_hour: str) -> None:
        super().__init__()
        self.expected = name
        self.volumes = volumes
        self.saves_per_hour = saves_per_hour

    def compose(self) -> ComposeResult:
        with Vertical(classes="confirm-box"):
            yield Static(f"Destroy cluster {self.expected}?", classes="confirm-title")
            yield Static(Text.assemble(
                "Every resource clusterwiz created for it is removed, with the data on the volumes it created; "
                f"volumes you brought are detached and kept. Saves {self.saves_per_hour}.\n\nType ",
                (self.expected, "bold"), " to confirm."), classes="confirm-body")
            yield Input(placeholder=self.expected, id="typed-name")
            if self.volumes:
                yield Checkbox(f"Snapshot its new volume(s) first: {', '.join(self.volumes)}", value=True,
                               id="snapshot")
                yield Static("Snapshots outlive the cluster and bill a little for storage.", classes="confirm-note")
            else:
                yield Static(self._no_snapshot_reason(), id="no-snapshot", classes="confirm-note")
            with Horizontal(classes="confirm-buttons"):
                yield Button("Back", id="refuse", variant="primary")
                yield Button("Destroy", id="confirm", variant="error", disabled=True)

    def _no_snapshot_reason(self) -> str:
        if self.volumes is None:
            return ("No snapshot is offered: the cluster's volumes could not be looked up. To keep data, snapshot "
                    "its volumes in the EC2 console first.")
        return ("No snapshot is offered: clusterwiz created no shared volume for this cluster (root volumes hold "
                "only the operating system).")

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
        self.dismiss(bool(self.volumes) and self.query_one(Checkbox).value)

    def action_back(self) -> None:
        self.dismiss(None)
