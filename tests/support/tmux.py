"""A real terminal for end-to-end tests: a tmux server of the test's own, driven as a person would."""

from __future__ import annotations

import re
import subprocess
import time

EXIT_MARK = "[exit status "
KEY_PAUSE_S = 0.3  # a person's pace: the app handles each key before the next arrives


class Terminal:
    """A tmux server on its own socket, so it has the test's environment and nobody else's sessions."""

    def __init__(self, socket: str, columns: int = 100, lines: int = 32):
        self.socket = socket
        self.columns = columns
        self.lines = lines
        self.pressed = 0  # keys pressed so far, each typed character one

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True, capture_output=True,
                              text=True).stdout

    def start(self, command: list[str]) -> None:
        """Run `command` in the terminal; its stderr stays on the terminal, where Textual draws."""
        self.tmux("new-session", "-d", "-x", str(self.columns), "-y", str(self.lines), "-s", "cw", *command)

    def start_keeping_pane(self, command: list[str]) -> None:
        """Like start, but the pane stays when `command` exits, so its last words and exit status can be read.

        A shell around the command prints its exit status: tmux's own #{pane_dead_status} stays empty when the
        tmux server, started from the test process, does not get to reap the command. The shell's no-op INT trap
        keeps it alive through a Ctrl-C, while the command still gets the signal with its default action.
        """
        wrapped = ["sh", "-c", f'trap : INT; "$@"; echo "{EXIT_MARK}$?]"', "sh", *command]
        self.tmux("new-session", "-d", "-x", str(self.columns), "-y", str(self.lines), "-s", "cw", *wrapped,
                  ";", "set-option", "-t", "cw", "remain-on-exit", "on")

    def exit_status(self, timeout: float = 30) -> int:
        """The exit status of a command started with start_keeping_pane, once it has exited."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(re.escape(EXIT_MARK) + r"(\d+)\]", self.history())
            if found:
                return int(found.group(1))
            time.sleep(0.25)
        raise AssertionError(f"the command did not exit within {timeout:.0f} s; the screen shows:\n{self.screen()}")

    def history(self) -> str:
        """Everything the terminal has shown, scrolled-off lines included (a plain prompt scrolls)."""
        return self.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "cw")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "cw")

    def keys(self, *keys: str) -> None:
        """Press keys by tmux's names (Tab, Enter, C-n), one at a time."""
        for key in keys:
            self.tmux("send-keys", "-t", "cw", key)
            self.pressed += 1
            time.sleep(KEY_PAUSE_S)

    def type_text(self, text: str) -> None:
        """Type `text`, then wait, as a person does, until it shows before pressing anything else: a key lost on
        the way then fails here, by name, rather than as a wrong answer further on."""
        self.tmux("send-keys", "-t", "cw", "-l", text)
        self.pressed += len(text)
        time.sleep(KEY_PAUSE_S)
        self.wait_for(text, timeout=10)

    def wait_for(self, text: str, timeout: float = 30, *, scrolled_off: bool = False) -> str:
        """The screen once `text` is on it; or, `scrolled_off`, once the terminal has shown it at all (a line
        printed before a long list has scrolled away by the time it is looked for)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.history() if scrolled_off else self.screen()
            if text in shown:
                return shown
            time.sleep(0.25)
        raise AssertionError(f"{text!r} did not appear within {timeout:.0f} s; the screen shows:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], check=False, capture_output=True)
