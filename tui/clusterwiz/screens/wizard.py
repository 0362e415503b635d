"""The wizard: one step at a time, lookups in thread workers, answers kept when going back."""

from __future__ import annotations

import gc
from dataclasses import dataclass, field, replace
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from clusterwiz.core.errors import ClusterwizError
from clusterwiz.core.steps import (
    REVIEW_TITLE,
    STEPS,
    STEPS_BY_ID,
    Answer,
    PreparedStep,
    Problem,
    Step,
    WizardState,
    check_answer,
    completed,
    in_labels,
    in_user_words,
    load_answer_checks,
    prefetch_region,
    prepare_step,
    step_for_field,
    warnings_for,
)
from clusterwiz.widgets.choice_table import ChoiceTable, ChoiceView
from clusterwiz.widgets.footer import Footer
from clusterwiz.widgets.step_form import StepForm

REVIEW_ID = "review"
REFRESH_DELAY_S = 0.3
LOADING_AFTER_S = 0.15
COLLECT_AFTER_PAINT_S = 0.25
PREPARE_AHEAD_AFTER_S = 0.2
UNSEEN_LAYOUT_S = 0.15  # two layouts, each on a 60 fps tick, with room
UNSEEN_LAYER, ON_SHOW_LAYER = "unseen", "on-show"  # the layers of #form-area (app.tcss)


def lookup_message(error: Exception) -> str:
    """What a failed lookup shows: a ClusterwizError says what to do; anything else is named plainly."""
    if isinstance(error, ClusterwizError):
        return str(error)
    return f"the lookup failed unexpectedly ({type(error).__name__}: {error}); retry, or run `clusterwiz doctor`"


class StepPrepared(Message):
    """A step's lookups are done. `load`: the number of the load that asked, or None for a step prepared ahead of
    the user, to be shown when they get there."""

    def __init__(self, prepared: PreparedStep, load: int | None) -> None:
        super().__init__()
        self.prepared = prepared
        self.load = load


class LookupFailed(Message):
    def __init__(self, step_id: str, message: str) -> None:
        super().__init__()
        self.step_id = step_id
        self.message = message


class AnswerChecked(Message):
    """A step's answer is checked. `then`: where the user is going (a step id or the review); None: Next."""

    def __init__(self, step_id: str, answer: Answer, problems: list[Problem], warnings: list[Problem],
                 then: str | None) -> None:
        super().__init__()
        self.step_id = step_id
        self.answer = answer
        self.problems = problems
        self.warnings = warnings
        self.then = then


class DetailReady(Message):
    def __init__(self, step_id: str, index: int, field_id: str, text: str) -> None:
        super().__init__()
        self.step_id = step_id
        self.index = index
        self.field_id = field_id
        self.text = text


@dataclass(frozen=True)
class AwaitedLoad:
    """The load whose form is to show: its number, the field to focus, and whether the user came to the step
    (rather than changed a field of it). A form rebuilt for a changed field keeps how its choice tables were left
    (searches, a cursor on a row that cannot be chosen), and the focus in the search box the user was typing in."""

    number: int
    focus_field: str | None
    visit: bool
    views: dict[str, ChoiceView] = field(default_factory=dict)
    focus_search: bool = False


class WizardScreen(Screen[None]):
    """Sidebar of steps on the left; the current step's help, fields and messages on the right."""

    BINDINGS = [
        Binding("ctrl+n", "next", "Next"),
        # Not ctrl+b: that is tmux's prefix, and a tmux user's Back would never arrive.
        Binding("ctrl+o", "back", "Back"),
        Binding("escape", "leave", "Clusters"),
        # At 80 columns the list of steps takes a third of the width that tables need.
        Binding("ctrl+t", "toggle_steps", "Steps"),
        Binding("ctrl+r", "retry", "Retry", show=False),
        Binding("ctrl+s", "review", "Review", show=False),
    ]

    def __init__(self, state: WizardState, start_step: str | None = None) -> None:
        super().__init__()
        self.state = state
        first = state.first_unanswered()
        self.current: Step = STEPS_BY_ID[start_step] if start_step else (first or STEPS[-1])
        self.drafts: dict[str, Answer] = {}  # edited but not yet accepted answers, kept when going back
        self.form: StepForm | None = None  # the form on show
        # Every step's form stays mounted (hidden when not on show): going back and forth then only swaps which
        # one shows. Each is rebuilt when an answer it was built from changes.
        self.forms: dict[str, StepForm] = {}
        self.loads = 0
        self.awaited: AwaitedLoad | None = None
        self.refresh_timer: Timer | None = None
        self.collector_timer: Timer | None = None  # turns the collector back on once a step is painted
        self.checking: str | None = None  # the step whose answer is being checked (Next pressed, or leaving it)
        self.back_to_review = False  # came from the review: Next returns there once every step is done
        self.loading_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="wizard"):
            yield OptionList(id="step-list")
            with Vertical(id="step-main"):
                yield Static("", id="step-title")
                yield Container(id="form-area")
                yield Static("", id="step-messages")
                with Horizontal(id="step-buttons"):
                    yield Button("Back", id="back")
                    yield Button("Retry", id="retry", variant="warning", classes="hidden")
                    yield Button("Next", id="next", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self._name_what_is_edited()
        self.show_step(self.current.id)
        self.set_timer(PREPARE_AHEAD_AFTER_S, self.warm_up_checks)

    @work(thread=True, group="warm-up")
    def warm_up_checks(self) -> None:
        load_answer_checks()

    def on_unmount(self) -> None:
        # The collector paused for a paint is not left off when the app ends before its timer fires.
        gc.enable()

    # -- navigation ---------------------------------------------------------------------------------

    def _refresh_step_list(self) -> None:
        rows = []
        for number, step in enumerate(STEPS, start=1):
            mark = ("▶" if step is self.current else "✓" if self.state.is_done(step.id)
                    else "✗" if step.id in self.state.unfinished else " ")
            rows.append((step.id, f"{mark} {number}. {step.title}", not self._reachable(step.id)))
        all_done = self.state.first_unanswered() is None
        rows.append((REVIEW_ID, f"  {len(STEPS) + 1}. {REVIEW_TITLE}", not all_done))
        step_list = self.query_one("#step-list", OptionList)
        if step_list.option_count != len(rows):
            step_list.set_options(Option(prompt, id=row_id, disabled=disabled) for row_id, prompt, disabled in rows)
        # Only the rows that changed: rebuilding the list on every step switch costs a frame.
        for row_id, prompt, disabled in rows:
            option = step_list.get_option(row_id)
            if str(option.prompt) != prompt:
                step_list.replace_option_prompt(row_id, prompt)
            if option.disabled != disabled:
                (step_list.disable_option if disabled else step_list.enable_option)(row_id)
        step_list.highlighted = [s.id for s in STEPS].index(self.current.id)

    def _reachable(self, step_id: str) -> bool:
        first = self.state.first_unanswered()
        return step_id in self.state.answers or (first is not None and first.id == step_id)

    def show_step(self, step_id: str, focus_field: str | None = None) -> None:
        self.current = STEPS_BY_ID[step_id]
        number = STEPS.index(self.current) + 1
        self.query_one("#step-title", Static).update(
            f"[b]Step {number} of {len(STEPS) + 1}: {self.current.title}[/b]")
        self.query_one("#step-messages", Static).update("")
        self.query_one("#retry").add_class("hidden")
        self.query_one("#back", Button).disabled = number == 1
        self.query_one("#next", Button).label = "Review" if self._next_goes_to_review() else "Next"
        self._refresh_step_list()
        cached = self.forms.get(step_id)
        if cached is not None and cached.prepared.fits(self.state.answers):
            self._display(cached, focus_field)
        else:
            self._load(self.drafts.get(step_id), focus_field, visit=True)

    def _load(self, draft: Answer | None, focus_field: str | None = None, visit: bool = False,
              views: dict[str, ChoiceView] | None = None, focus_search: bool = False) -> None:
        # Data already fetched comes back within a frame or two: a loading indicator then only costs time.
        self._stop_loading_timer()
        self.loading_timer = self.set_timer(LOADING_AFTER_S, self._show_loading)
        self.query_one("#next", Button).disabled = True
        self.loads += 1
        self.awaited = AwaitedLoad(self.loads, focus_field, visit, views or {}, focus_search)
        self.prepare(self.current, draft, self.loads)

    @work(thread=True, exclusive=True, group="lookup")
    def prepare(self, step: Step, draft: Answer | None, load: int) -> None:
        try:
            prepared = prepare_step(step, self.state.context, draft)
        except Exception as error:  # shown with a retry: a lookup must never end the app
            self.post_message(LookupFailed(step.id, lookup_message(error)))
            return
        self.post_message(StepPrepared(prepared, load))

    def _prepare_next_step(self) -> None:
        """Build the next step's form, hidden, from the answers as they will be if the answer on show is taken (a
        newcomer mostly takes it): Next then shows it at once, its lookups already done."""
        index = STEPS.index(self.current)
        if index + 1 < len(STEPS) and self.form is not None:
            self.prepare_ahead(self.current, self.form.draft(), STEPS[index + 1])

    @work(thread=True, exclusive=True, group="prepare-ahead")
    def prepare_ahead(self, shown: Step, draft: Answer, following: Step) -> None:
        try:
            # The answers as they will be, with what the answer on show clears.
            ahead = WizardState(replace(self.state.context, answers=dict(self.state.answers)))
            ahead.answer(shown.id, draft)
            cached = self.forms.get(following.id)
            if cached is not None and cached.prepared.fits(ahead.answers):
                return
            prepared = prepare_step(following, ahead.context, self.drafts.get(following.id))
        except Exception:  # nothing is lost: the step looks up again when shown, and says then what failed
            return
        self.post_message(StepPrepared(prepared, load=None))

    def _show_loading(self) -> None:
        # A stopped timer's tick may already be on its way: only a load still awaited shows the indicator.
        if self.awaited is not None:
            self.query_one("#form-area").loading = True

    def _stop_loading_timer(self) -> None:
        # Stopped before the form is swapped: the indicator must never be added while children are removed.
        if self.loading_timer is not None:
            self.loading_timer.stop()
            self.loading_timer = None

    def _loaded(self) -> None:
        self.query_one("#form-area").loading = False

    async def on_step_prepared(self, message: StepPrepared) -> None:
        step = message.prepared.step
        awaited = self.awaited if step is self.current else None
        if message.load is None:
            # Prepared ahead: kept for later, or shown now if the user got there first and it fits their answers
            # (not when they changed a field of it meanwhile: that load prepares from the edited draft).
            if step is self.current and (awaited is None or not awaited.visit
                                         or not message.prepared.fits(self.state.answers)):
                return
        elif awaited is None or message.load != awaited.number:
            return  # a load the user has moved on from
        replaced = self.forms.get(step.id)
        if replaced is not None and replaced is self.form and awaited is None:
            return  # on show while the step the user went to loads: not to be swapped under them
        form = StepForm(message.prepared, awaited.views if awaited is not None else None)
        form.display = False
        self.forms[step.id] = form
        await self.query_one("#form-area", Container).mount(form)
        if awaited is not None and self.awaited == awaited:
            self._display(form, awaited.focus_field, awaited.focus_search)
        else:
            self._lay_out_unseen(form)
        if replaced is not None:
            await replaced.remove()

    def _display(self, form: StepForm, focus_field: str | None, focus_search: bool = False) -> None:
        self.awaited = None
        self._stop_loading_timer()
        self._loaded()
        # Python's full collection takes 100-190 ms once the forms are mounted (benchmarks/app_startup.py): not
        # while the step is laid out and painted (30-60 ms), but after, while the user reads (Textual does the
        # same while scrolling). Only here, where what is painted is ready: a lookup may take seconds. A timer
        # of the app's, not call_after_refresh (it can run before the layout) nor the screen's (it may go first).
        gc.disable()
        if self.collector_timer is not None:
            self.collector_timer.stop()
        self.collector_timer = self.app.set_timer(COLLECT_AFTER_PAINT_S, gc.enable)
        if self.form is not None and self.form is not form:
            self.form.display = False
            self.form.styles.layer = UNSEEN_LAYER
        self.form = form
        form.can_focus = form.can_focus_children = True
        # An inline style, not a class: a class change restyles every widget of the form (10-20 ms).
        form.styles.layer = ON_SHOW_LAYER
        form.display = True
        self.query_one("#next", Button).disabled = False
        scope = f"#f-{focus_field} " if focus_field else ""
        focusable = [w for w in self.form.query(f"{scope}DataTable, {scope}Input, {scope}Switch")
                     if "choice-filter" not in w.classes]
        if focus_search and focus_field:
            focusable = list(self.form.query(f"{scope}.choice-filter")) or focusable
        if not focusable and focus_field:
            focusable = list(self.form.query(f"#f-{focus_field}"))
        if focusable:
            focusable[0].focus(scroll_visible=False)
        # Once the form is laid out (a form prepared ahead never was): from the top (the help first), then as
        # little further as shows the focused field and its pick.
        self.call_after_refresh(self._scroll_into_view, focusable[0] if focusable else None)
        # Once this step is painted: building the next form takes the UI thread for a moment.
        self.set_timer(PREPARE_AHEAD_AFTER_S, self._prepare_next_step)
        self.call_after_refresh(self._look_up_pending_details, form)

    def _look_up_pending_details(self, form: StepForm) -> None:
        if form is not self.form:
            return
        draft = form.draft()
        for index, field_id_ in form.pending_details():
            self.describe(form.step, index, field_id_, draft[index] if isinstance(draft, list) else draft)

    def _lay_out_unseen(self, form: StepForm) -> None:
        """Lay a form prepared ahead out once, under the form on show: Textual lays out a widget shown for the
        first time twice (the second time for the sizes the first found), a frame apart. Done now, while the
        user reads, the step shows at once in its final form when they get there."""
        form.can_focus = form.can_focus_children = False  # not a stop for Tab meanwhile
        form.display = True
        self.set_timer(UNSEEN_LAYOUT_S, lambda: self._put_away(form))

    def _put_away(self, form: StepForm) -> None:
        if form is not self.form and form.is_attached:  # not shown meanwhile, nor replaced by a newer one
            form.display = False

    def _scroll_into_view(self, focused: Widget | None) -> None:
        if self.form is not None:
            self.form.scroll_home(animate=False, immediate=True)
        if focused is not None:
            focused.scroll_visible(animate=False, immediate=True)

    def on_lookup_failed(self, message: LookupFailed) -> None:
        self._check_ended(message.step_id)
        if message.step_id != self.current.id:
            return
        self.awaited = None
        self._stop_loading_timer()
        self._loaded()
        self.query_one("#step-messages", Static).update(f"[b]Could not look this up.[/b] {message.message}")
        self.query_one("#retry").remove_class("hidden")
        self.query_one("#retry", Button).focus()

    def action_retry(self) -> None:
        self.show_step(self.current.id)

    def on_step_form_field_changed(self, message: StepForm.FieldChanged) -> None:
        if self.form is None or message.step is not self.current:
            return  # posted by the form of a step the user has since left
        if message.field.refreshes:
            # Arrow keys move through rows quickly: rebuild once the cursor rests, not on every row.
            if self.refresh_timer is not None:
                self.refresh_timer.stop()
            focus = f"{message.index}-{message.field.id}"
            self.refresh_timer = self.set_timer(REFRESH_DELAY_S, lambda: self._refresh_form(focus))
        else:
            draft = self.form.draft()
            item = draft[message.index] if isinstance(draft, list) else draft
            self.describe(self.current, message.index, message.field.id, item)

    def _refresh_form(self, focus: str) -> None:
        self.refresh_timer = None
        if self.form is None or self.form.step is not self.current:
            return
        self.drafts[self.current.id] = self.form.draft()
        focused = self.focused
        self._load(self.drafts[self.current.id], focus, views=self.form.current_views(),
                   focus_search=focused is not None and "choice-filter" in focused.classes)

    @work(thread=True, exclusive=True, group="describe")
    def describe(self, step: Step, index: int, field_id: str, item: dict[str, Any]) -> None:
        field_ = step.field(field_id)
        value = item.get(field_id)
        try:
            text = field_.describe(value, self.state.context, item) if field_.describe and value else ""
        except Exception as error:  # a detail line is a nicety; say why it is missing
            text = lookup_message(error)
        self.post_message(DetailReady(step.id, index, field_id, text))

    def on_detail_ready(self, message: DetailReady) -> None:
        if self.form is not None and message.step_id == self.current.id:
            self.form.set_detail(message.index, message.field_id, message.text)

    def on_step_form_items_changed(self, message: StepForm.ItemsChanged) -> None:
        self.drafts[self.current.id] = message.draft
        self._load(message.draft)

    def on_choice_table_chosen(self, message: ChoiceTable.Chosen) -> None:
        # Enter on a pick means "done with this step", as it does in a text field.
        self.action_next()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_next()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        target = event.option.id
        if target is not None and target != self.current.id:
            self.go_to(target)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {"back": self.action_back, "next": self.action_next, "retry": self.action_retry}
        action = actions.get(event.button.id or "")
        if action:
            action()

    def action_back(self) -> None:
        index = STEPS.index(self.current)
        if index > 0:
            self.go_to(STEPS[index - 1].id)

    def action_review(self) -> None:
        self.go_to(REVIEW_ID)

    def action_toggle_steps(self) -> None:
        step_list = self.query_one("#step-list", OptionList)
        step_list.display = not step_list.display
        if not step_list.display and self.focused is step_list:
            self.focus_next()

    def go_to(self, target: str) -> None:
        """Leave the step on show for another step or the review (the sidebar, Back). An edit of its answer is
        kept: checked as Next checks it, it becomes the answer, or (not valid) the step waits to be fixed."""
        if self.checking is not None:
            return  # on its way already
        if self.form is None or self.form.step is not self.current:
            self._arrive(target)  # its form never showed (a failed lookup): nothing was edited
            return
        if self.refresh_timer is not None:
            self.refresh_timer.stop()
            self.refresh_timer = None
        draft = self.form.draft()
        self.drafts[self.current.id] = draft
        if self.state.edited(self.current.id, draft):
            self._check(draft, then=target)
        else:
            self._arrive(target)

    def _arrive(self, target: str) -> None:
        if target == REVIEW_ID:
            self._open_review()
        elif self._reachable(target):
            self.show_step(target)
        else:  # an answer just given cleared it (and what follows)
            self.show_step((self.state.first_unanswered() or STEPS[-1]).id)

    def action_next(self) -> None:
        if (self.form is None or self.form.step is not self.current or self.checking == self.current.id
                or self.query_one("#next", Button).disabled):
            return
        if self.refresh_timer is not None:
            # The form still shows fields of the previous value: rebuild it first; the user then confirms.
            self.refresh_timer.stop()
            self._refresh_form("")
            return
        self._check(self.form.draft(), then=None)
        # While the answer is checked: the next form, for this answer if it differs from what was prepared.
        self._prepare_next_step()

    def _check(self, draft: Answer, then: str | None) -> None:
        self.checking = self.current.id
        # Most checks end within a frame: greying Next out at once would cost a paint, and the next step's paint
        # would then wait for the frame after it.
        self.set_timer(LOADING_AFTER_S, self._grey_out_next)
        self.check(self.current, draft, then)

    @work(thread=True, exclusive=True, group="lookup")
    def check(self, step: Step, draft: Answer, then: str | None) -> None:
        try:
            # Left for elsewhere, the form may not have been rebuilt yet for a pick that shows more fields.
            answer = draft if then is None else completed(step, draft, self.state.context)
            problems = in_labels(check_answer(step, answer, self.state.context))
            warnings = [] if problems else warnings_for(step, answer, self.state.context)
        except Exception as error:  # shown with a retry, like a failed lookup
            self.post_message(LookupFailed(step.id, lookup_message(error)))
            return
        self.post_message(AnswerChecked(step.id, answer, problems, warnings, then))

    def _grey_out_next(self) -> None:
        if self.checking == self.current.id:
            self.query_one("#next", Button).disabled = True

    def _check_ended(self, step_id: str) -> None:
        if self.checking == step_id:
            self.checking = None

    def on_step_form_problem_cleared(self, message: StepForm.ProblemCleared) -> None:
        self.query_one("#step-messages", Static).update("")

    def on_answer_checked(self, message: AnswerChecked) -> None:
        self._check_ended(message.step_id)
        if message.step_id != self.current.id or self.form is None:
            return
        self.query_one("#next", Button).disabled = False
        unplaced = self.form.show_problems(message.problems, message.warnings)
        self.query_one("#step-messages", Static).update(
            "\n".join(f"✗ {self.current.in_words(p)}" for p in unplaced))
        if message.problems:
            if message.then is None or message.then == REVIEW_ID:
                # Stay: the problem is said under its field (a toast would cover Back and Next).
                widget = self.form.first_problem_widget(message.problems)
                if widget is not None:
                    widget.focus()
                    widget.scroll_visible()
                return
            self.state.set_aside(message.step_id)
            self.notify(f"{self.current.in_words(message.problems[0])}. Your edit is kept: come back to fix it "
                        "(✗ in the list of steps).", title=f"{self.current.title} is not finished",
                        severity="warning", timeout=8, markup=False)
            self._arrive(message.then)
            return
        self._record(message)
        if message.then is not None:
            self._arrive(message.then)
            return
        following = self.state.first_unanswered()
        index = STEPS.index(self.current)
        if following is None and (self.back_to_review or index + 1 == len(STEPS)):
            self._open_review()
        elif index + 1 < len(STEPS) and (following is None or STEPS.index(following) > index):
            self.show_step(STEPS[index + 1].id)
        elif following is not None:
            self.show_step(following.id)
        else:
            self._open_review()

    def _record(self, message: AnswerChecked) -> None:
        """Take a checked answer as the step's, and say what it cleared or warns of."""
        cleared = self.state.answer(message.step_id, message.answer)
        assert self.form is not None
        # The form shows the answer it gave: it stays valid for coming back to.
        self.form.prepared = self.form.prepared.accepted(message.answer)
        if message.step_id == "region" and isinstance(message.answer, dict):
            # Everything the later steps ask about this region starts loading now, on the catalog's pool.
            prefetch_region(self.state.context, message.answer["region"])
        self.drafts.pop(message.step_id, None)
        for step in cleared:
            self.drafts.pop(step.id, None)
        if cleared:
            self.notify(f"Your answers to {', '.join(s.title for s in cleared)} were cleared: they depended on "
                        f"{self.current.title}. Please answer them again.", title="Answers cleared", timeout=8)
        for warning in message.warnings:
            self.notify(in_user_words(warning.message), title="Warning", severity="warning", timeout=8,
                        markup=False)

    def _next_goes_to_review(self) -> bool:
        others_done = all(self.state.is_done(s.id) for s in STEPS if s is not self.current)
        return others_done and (self.back_to_review or self.current is STEPS[-1])

    def _open_review(self) -> None:
        if self.state.first_unanswered() is not None:
            self.notify(f"Answer {self.state.first_unanswered().title} first; the list of steps shows which are "
                        "done.", severity="warning")
            return
        from clusterwiz.screens.review import ReviewScreen

        self.back_to_review = False
        self.app.push_screen(ReviewScreen(self.state), self.jump_to_field)

    def on_screen_resume(self) -> None:
        self._name_what_is_edited()  # a save on the review (or the plan it opened) makes the wizard edit that cluster

    def _name_what_is_edited(self) -> None:
        editing = self.state.context.editing
        self.sub_title = "new cluster" if editing is None else f"edit {editing}"

    def jump_to_field(self, path: str | None) -> None:
        """Back from the review: show the step that sets a spec field (a finding's), or stay where we were
        (None). Next then returns to the review."""
        self.back_to_review = True
        step = step_for_field(path) if path else None
        if step is not None:
            self.show_step(step.id)
        else:
            self.show_step(self.current.id)

    def action_leave(self) -> None:
        """Back to the list of clusters. What the wizard holds is not saved anywhere: asked first."""
        if not self.state.answers and not self.drafts:
            self.app.show_home()  # type: ignore[attr-defined]
            return
        from clusterwiz.modals.confirm import ConfirmModal

        def leave(confirmed: bool | None) -> None:
            if confirmed:
                self.app.show_home()  # type: ignore[attr-defined]

        self.app.push_screen(ConfirmModal(
            "Leave the wizard?", "Your answers for this cluster are not saved: leaving the wizard drops them. "
            "Save from the review (the last step) to keep them.", confirm="Leave", refuse="Stay"), leave)
