"""The footer of every screen: Textual's, rebuilt only when the keys it shows change."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter

ShownKeys = tuple[tuple[str, object, bool, str], ...]


def shown_keys(screen: Screen) -> ShownKeys:
    """What the footer shows for `screen`: each shown key with its binding, whether enabled, and its tooltip."""
    palette_key = screen.app.COMMAND_PALETTE_BINDING
    return tuple((key, active.binding, active.enabled, active.tooltip)
                 for key, active in screen.active_bindings.items() if active.binding.show or key == palette_key)


class Footer(TextualFooter):
    """Textual's footer rebuilds its keys on every change of focus, even when they stay the same: a sixth of the
    time of a wizard step switch went there (`benchmarks/app_startup.py`). This one rebuilds when they differ."""

    _composed_keys: ShownKeys | None = None

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._composed_keys = shown_keys(self.screen)
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        if self._composed_keys is not None and screen is self.screen and shown_keys(screen) == self._composed_keys:
            return
        super().bindings_changed(screen)
