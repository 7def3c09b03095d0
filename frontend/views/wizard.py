"""Questions asked one per page (the GOV.UK "question pages" pattern), shared by recording a
need and recording an offer.

The answers wait until the person confirms them on a "Check your answers" page, which makes
the one service call; no listing is saved half-way. The answers so far are kept in the session
and, at every page, on the person's account as a draft (`accounts.drafts`): signing out, a
session timing out or another device loses nothing, and starting again offers the draft back.
Each flow says which steps it asks and in which order (the order may depend on earlier
answers), and which answer shows that a step has been answered. This module owns the order,
the "Back" and "Change" links, where a page goes next, and how a refusal at the end links back
to the page to change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from django.forms import BaseFormSet
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dates import WEEKDAYS
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from accounts.drafts import form_draft_discard, form_draft_keep, form_draft_of
from core.errors import ApplicationError, NotFound
from marketplace import selectors as market
from marketplace.availability import validate_slots
from marketplace.models import Category, DietaryTag

from ..forms import SlotFormSet, slot_rows

T = TypeVar("T")


@dataclass(frozen=True)
class Wizard:
    session_key: str
    step_view: str  # URL name of one question page; takes the step's name
    check_view: str  # URL name of "Check your answers"
    exit_view: str  # where "Back" leads from the first question
    steps_for: Callable[[dict], list[str]]  # the steps, in order, for the answers so far
    answer_keys: Mapping[str, str]  # the draft key each step saves its answer under
    required: tuple[str, ...]  # steps "Check your answers" cannot do without
    # Steps whose answer changes which steps follow: changed from "Check your answers", they
    # go on to the next step not yet answered instead of straight back.
    reflow: frozenset[str] = field(default_factory=frozenset)

    # What the person was doing, for the page that offers a draft back ("asking for help").
    doing: str | Promise = ""

    # --- The draft: in the session, and kept on the account ------------------------------------
    def start(self, request):
        """Ask the first question. A draft kept from before is offered back first: carry on
        with it, or start again (`?fresh=1`), which forgets it."""
        kept = form_draft_of(person=request.user, form=self.session_key)
        if kept and kept.answers and not request.GET.get("fresh"):
            return render(
                request,
                "frontend/draft_resume.html",
                {
                    "doing": self.doing,
                    "started": kept.updated_at,
                    "carry_on_url": self.resume_url(kept.answers),
                    "fresh_url": request.path + "?fresh=1",
                    "back_url": reverse(self.exit_view),
                },
            )
        request.session[self.session_key] = {}
        form_draft_discard(person=request.user, form=self.session_key)
        return redirect(self.step_view, step=self.steps_for({})[0])

    def resume_url(self, draft: dict) -> str:
        """Where a draft carries on: the first question it has not answered, else "Check your
        answers"."""
        missing = self.first_unanswered(draft)
        return self.step_url(missing) if missing else self.check_url()

    def draft(self, request) -> dict:
        if self.session_key in request.session:
            return dict(request.session[self.session_key])
        kept = form_draft_of(person=request.user, form=self.session_key)
        answers = dict(kept.answers) if kept else {}
        request.session[self.session_key] = answers
        return dict(answers)

    def save(self, request, draft: dict) -> None:
        request.session[self.session_key] = draft
        form_draft_keep(person=request.user, form=self.session_key, answers=draft)

    def finish(self, request) -> None:
        request.session.pop(self.session_key, None)
        form_draft_discard(person=request.user, form=self.session_key)

    def answered(self, draft: dict, step: str) -> bool:
        value = draft.get(self.answer_keys[step])
        return value is not None and value != ""

    def first_unanswered(self, draft: dict) -> str | None:
        """The first required step (of those that apply) still to answer, or None."""
        steps = self.steps_for(draft)
        return next((s for s in steps if s in self.required and not self.answered(draft, s)), None)

    # --- Links ---------------------------------------------------------------------------------
    def step_url(self, step: str, *, change: bool = False) -> str:
        url = reverse(self.step_view, args=[step])
        return url + "?change=1" if change else url

    def check_url(self) -> str:
        return reverse(self.check_view)

    def next_url(self, request, step: str, draft: dict) -> str:
        steps = self.steps_for(draft)
        later = steps[steps.index(step) + 1 :] if step in steps else []
        if request.GET.get("change"):
            if step in self.reflow:
                missing = next((s for s in later if not self.answered(draft, s)), None)
                if missing:
                    return self.step_url(missing, change=True)
            return self.check_url()
        return self.step_url(later[0]) if later else self.check_url()

    def back_url(self, request, step: str, draft: dict) -> str:
        if request.GET.get("change"):
            return self.check_url()
        steps = self.steps_for(draft)
        index = steps.index(step) if step in steps else 0
        if index == 0:
            return reverse(self.exit_view)
        return self.step_url(steps[index - 1])

    def check_back_url(self, draft: dict) -> str:
        return self.step_url(self.steps_for(draft)[-1])

    def advance(self, request, step: str, draft: dict):
        """Keep the answers given on `step` and go on to the next page."""
        self.save(request, draft)
        return redirect(self.next_url(request, step, draft))

    def times_page(self, request, step: str, draft: dict, context: dict):
        """The weekly times page: rows of day, start and end ("any time" when left empty).
        The times are checked together here with the marketplace's own rule (no two
        overlapping), so the person hears of it on this page, not at the last one."""
        post = request.POST if request.method == "POST" else None
        formset, adding = slot_formset(post, draft.get("slots", []))
        if post is not None and not adding and formset.is_valid():
            rows = slot_rows(formset)
            try:
                validate_slots(slot_tuples(rows))
            except ApplicationError as exc:
                times_refused(formset, exc)
            else:
                draft["slots"] = rows
                return self.advance(request, step, draft)
        context.update(formset=formset, has_errors=formset.total_error_count() > 0)
        return render(request, "frontend/needs/step_times.html", context)

    def send(self, request, create: Callable[[], T], step_for_code: Mapping[str, str], default):
        """The one service call of "Check your answers". Saved: (what it returned, None), and
        the answers are forgotten. Refused: (None, the refusal to show, linking to the page
        to change); the answers stay."""
        try:
            result = create()
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ApplicationError as exc:
            return None, self.refusal(exc, step_for_code, default)
        self.finish(request)
        return result, None

    def summary(self, rows: Iterable[tuple[str, str, str]]) -> list[dict]:
        """Rows of "Check your answers": (question, answer, step), each with its Change link."""
        return [
            {"key": key, "value": value, "href": self.step_url(step, change=True), "step": step}
            for key, value, step in rows
        ]

    def refusal(self, exc: ApplicationError, step_for_code: Mapping[str, str], default: str):
        """A service's refusal as shown on "Check your answers": its message, linking to the
        page that asks what needs changing."""
        step = step_for_code.get(exc.code, default)
        return {"message": exc.message, "href": self.step_url(step, change=True)}


# --- Weekly times ----------------------------------------------------------------------------
def slot_formset(post, rows: Iterable[Mapping]) -> tuple[BaseFormSet, bool]:
    """The rows of weekly times: bound to `post` when there is one, else showing `rows` and
    empty rows to fill. True when the person asked for another row: the rows typed so far
    come back with one more, and nothing is saved (this works without JavaScript)."""
    if post is not None:
        formset = SlotFormSet(post, prefix="slots")
        if "add_row" in post and formset.is_valid():
            typed = [
                {k: f.cleaned_data.get(k, "") for k in ("weekday", "start", "end")}
                for f in formset.forms
            ]
            return SlotFormSet(initial=typed + [{}], prefix="slots"), True
        return formset, False
    initial = [{"weekday": str(r["weekday"]), "start": r["start"], "end": r["end"]} for r in rows]
    return SlotFormSet(initial=initial + [{}] * max(1, 3 - len(initial)), prefix="slots"), False


def dietary_text(tags: Iterable[str]) -> str:
    labels = dict(DietaryTag.choices)
    return ", ".join(str(labels[t]) for t in tags) or _("None")


def slots_text(rows: Iterable[Mapping]) -> str:
    """Weekly times as a check page says them, in the order of the week (Monday first, then
    by start), whatever order they were typed in."""
    ordered = sorted(rows, key=lambda r: (int(r["weekday"]), str(r["start"]).zfill(5)))
    return "; ".join(
        _("%(day)s %(start)s to %(end)s")
        % {"day": WEEKDAYS[int(r["weekday"])], "start": r["start"], "end": r["end"]}
        for r in ordered
    ) or _("Any time")


def slot_tuples(rows: Iterable[Mapping]) -> list[tuple[int, dt.time, dt.time]]:
    """Rows saved as {"weekday", "start", "end"} (HH:MM), as the services take them."""
    return [
        (int(r["weekday"]), dt.time.fromisoformat(r["start"]), dt.time.fromisoformat(r["end"]))
        for r in rows
    ]


def listing_slot_rows(listing) -> list[dict]:
    """A saved need's or offer's weekly times as rows for `slot_formset`."""
    return [
        {"weekday": s.weekday, "start": f"{s.start:%H:%M}", "end": f"{s.end:%H:%M}"}
        for s in listing.slots.all()
    ]


def slot_formset_saved(post, rows: Iterable[Mapping], save: Callable[[list], object]):
    """The weekly times page of a listing already saved: (formset, what `save` returned, or
    None when nothing was saved). A refusal of the service is shown above the rows."""
    formset, adding = slot_formset(post, rows)
    if post is None or adding or not formset.is_valid():
        return formset, None
    try:
        return formset, save(slot_tuples(slot_rows(formset)))
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        times_refused(formset, exc)
        return formset, None


def times_refused(formset: BaseFormSet, exc: ApplicationError) -> None:
    """A refusal of the weekly times as a whole, shown above their rows."""
    formset.non_form_errors().append(exc.message)


# --- The kind of help, the first question of both flows ---------------------------------------
def enabled_categories(user) -> list[Category]:
    """The kinds of help switched on in the person's council."""
    return [c for c, enabled in market.categories_for(user=user) if enabled]


def chosen_category(draft: dict, categories: list[Category]) -> Category | None:
    wanted = str(draft.get("category", ""))
    return next((c for c in categories if str(c.pk) == wanted), None)
