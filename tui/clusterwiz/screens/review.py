"""The review: the spec in plain words, its cost, the pre-flight findings, and the Terraform it becomes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Header, Static, TabbedContent, TabPane

from clusterwiz.core.review import Review, describe_cost
from clusterwiz.core.steps import WizardState, step_for_field
from clusterwiz.screens.wizard import lookup_message
from clusterwiz.widgets.footer import Footer

if TYPE_CHECKING:
    from clusterwiz.app import ClusterwizApp
    from clusterwiz.core.registry import ClusterRecord


class ReviewReady(Message):
    def __init__(self, review: Review, files: dict[str, str], render_problem: str | None) -> None:
        super().__init__()
        self.review = review
        self.files = files
        self.render_problem = render_problem


class ReviewFailed(Message):
    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class Saved(Message):
    def __init__(self, record: ClusterRecord, then_plan: bool) -> None:
        super().__init__()
        self.record = record
        self.then_plan = then_plan


class SaveFailed(Message):
    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class PlanRequested(Message):
    """Hand a saved cluster to the plan/apply screens; the app handles it."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class ReviewScreen(Screen[str | None]):
    """Dismissed with None (back) or the spec field a finding asks to fix, for the wizard to open its step."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+l", "plan", "Plan"),
    ]

    def __init__(self, state: WizardState) -> None:
        super().__init__()
        self.state = state
        self.review: Review | None = None
        self.saved: ClusterRecord | None = None

    @property
    def cw_app(self) -> ClusterwizApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="review-tabs"):
            with TabPane("Summary", id="summary-tab"), VerticalScroll(id="summary"):
                yield Static("", id="review-lines")
                yield Static("", id="review-cost")
                yield Vertical(id="findings")
            with TabPane("Terraform", id="hcl-tab"):
                yield TabbedContent(id="hcl-files")
        with Horizontal(id="review-buttons"):
            yield Button("Back", id="back")
            yield Button("Save", id="save", variant="primary", disabled=True)
            yield Button("Plan", id="plan", variant="success", disabled=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "review"
        self.query_one("#review-tabs").loading = True
        self.build()

    @work(thread=True, exclusive=True, group="review")
    def build(self) -> None:
        from clusterwiz.core.newcluster import review_answers

        try:
            spec = self.state.spec()
            catalog = self.state.context.catalog
            review = review_answers(self.state, self.cw_app.registry)
        except Exception as error:  # shown with its message; the user can go back and change answers
            self.post_message(ReviewFailed(lookup_message(error)))
            return
        files: dict[str, str] = {}
        problem = None
        try:
            from clusterwiz.core.render import render_files
            from clusterwiz.core.resolve import resolve

            files = render_files(spec, resolve(spec, catalog))
        except Exception as error:  # the review still shows; the Terraform tab says why it is empty
            problem = lookup_message(error)
        self.post_message(ReviewReady(review, files, problem))

    async def on_review_ready(self, message: ReviewReady) -> None:
        # Imported here: pygments' lexers cost ~2 MB and 15 ms that the app's first screen need not pay.
        from rich.syntax import Syntax

        self.review = message.review
        review = message.review
        self.query_one("#review-lines", Static).update("\n".join(f"• {line}" for line in review.lines))
        self.query_one("#review-cost", Static).update(
            f"[b]{describe_cost(review.cost)}[/b]" if review.cost else f"No cost estimate: {review.cost_problem}")
        findings = self.query_one("#findings", Vertical)
        await findings.remove_children()
        if not review.findings:
            await findings.mount(Static("✓ Pre-flight checks found nothing to fix.", classes="finding-ok"))
        for index, finding in enumerate(review.findings):
            mark = {"error": "✗", "warning": "⚠"}.get(finding.level, "ℹ")
            row = Horizontal(classes=f"finding finding-{finding.level}")
            await findings.mount(row)
            await row.mount(Static(f"{mark} {finding.message}\n  [dim]Fix: {finding.fix}[/dim]",
                                   classes="finding-text"))
            step = step_for_field(finding.field or "")
            if step is not None and finding.level in ("error", "warning"):
                await row.mount(Button(f"Go to {step.title}", id=f"fix-{index}", classes="fix"))
        files = self.query_one("#hcl-files", TabbedContent)
        await files.clear_panes()
        if message.render_problem:
            await files.add_pane(TabPane("Not rendered", Static(message.render_problem)))
        for name, text in message.files.items():
            syntax = Syntax(text, "terraform", theme="ansi_dark", line_numbers=True, word_wrap=False)
            await files.add_pane(TabPane(name, VerticalScroll(Static(syntax, classes="hcl"))))
        self.query_one("#review-tabs").loading = False
        self.query_one("#save", Button).disabled = False
        self.query_one("#plan", Button).disabled = bool(review.blocking)
        self.query_one("#save", Button).focus()

    def on_review_failed(self, message: ReviewFailed) -> None:
        self.query_one("#review-tabs").loading = False
        self.query_one("#review-lines", Static).update(f"[b]The review could not be built.[/b] {message.message}")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id.startswith("fix-"):
            self.go_to_finding(int(button_id.removeprefix("fix-")))
            return
        action = {"back": self.action_back, "save": self.action_save, "plan": self.action_plan}.get(button_id)
        if action:
            action()

    def go_to_finding(self, index: int) -> None:
        assert self.review is not None
        self.dismiss(self.review.findings[index].field or "")

    def action_back(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        if self.review is None:
            return
        if self.saved is not None:
            self.notify(f"Already saved as {self.saved.spec_path}.")
            return
        self._save(then_plan=False)

    def action_plan(self) -> None:
        if self.review is None:
            return
        if self.review.blocking:
            first = self.review.blocking[0]
            self.notify(f"{first.message} Fix: {first.fix}", title="Fix this before planning", severity="error")
            self.go_to_finding(self.review.findings.index(first))
            return
        if self.saved is not None:
            self.app.post_message(PlanRequested(self.saved.name))
        else:
            self._save(then_plan=True)

    def _save(self, then_plan: bool) -> None:
        self.query_one("#save", Button).disabled = True
        self.save(then_plan)

    @work(thread=True, exclusive=True, group="save")
    def save(self, then_plan: bool) -> None:
        from clusterwiz.core.newcluster import save_cluster

        try:
            record = save_cluster(self.state, self.cw_app.registry, self.state.context.catalog.session)
        except Exception as error:  # e.g. the name was taken meanwhile, or AWS refused the key pair
            self.post_message(SaveFailed(lookup_message(error)))
            return
        self.post_message(Saved(record, then_plan))

    def on_saved(self, message: Saved) -> None:
        self.saved = message.record
        self.notify(f"Saved {message.record.spec_path}", title=f"Cluster {message.record.name} saved")
        if message.then_plan:
            self.app.post_message(PlanRequested(message.record.name))

    def on_save_failed(self, message: SaveFailed) -> None:
        self.query_one("#save", Button).disabled = False
        self.notify(message.message, title="Not saved", severity="error", timeout=12)
