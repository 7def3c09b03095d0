"""A citizen's needs: record one step by step (one thing per page, each answer checked on its
page, kept in the session until check-your-answers), see them, see the helpers Kith suggests
for one, and withdraw one. Changing one, and sending again one the council turned down, are
in `need_changes`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, NotFound
from directory import selectors as directory
from marketplace import lifecycle
from marketplace import selectors as market
from marketplace import services as market_services
from marketplace.models import Category, DietaryTag, GenderPreference, Need
from matching import selectors as matching_selectors

from ..forms import NeedPreferencesForm, OneOffForm, TimingForm, UrgencyForm
from ..need_forms import CategoryForm, NeedDetailsForm, NeedPlaceForm
from ..words import urgency_said
from .common import (
    call_service,
    home_required,
    not_found_as_404,
)
from .wizard import (
    Wizard,
    chosen_category,
    dietary_text,
    enabled_categories,
    slot_tuples,
    slots_text,
)

STEPS = ["category", "details", "timing", "times", "date", "urgency", "place", "preferences"]
# Which step to send the person back to for each refusal code of need_create.
STEP_FOR_CODE = {
    "category_off": "category",
    "required": "details",
    "too_long": "details",
    "contact_details": "details",
    "timing": "timing",
    "window_missing": "date",
    "window_order": "date",
    "window_past": "date",
    "urgency_date": "urgency",
    "slots_too_many": "times",
    "slot_weekday": "times",
    "slot_end_before_start": "times",
    "slot_overlap": "times",
    "postcode_missing": "place",
    "postcode_invalid": "place",
    "postcode_unknown": "place",
    "not_available": "place",
    "location_missing": "place",
}
STEP_TITLES = {
    "category": gettext_lazy("What kind of help do you need?"),
    "details": gettext_lazy("What do you need?"),
    "timing": gettext_lazy("How often do you need help?"),
    "times": gettext_lazy("When do you need help each week?"),
    "date": gettext_lazy("When do you need help?"),
    "urgency": gettext_lazy("How soon do you need help?"),
    "place": gettext_lazy("Where do you need help?"),
    "preferences": gettext_lazy("Your preferences"),
}


def _steps_for(draft: dict) -> list[str]:
    steps = list(STEPS)
    steps.remove("date" if draft.get("timing") != Need.Timing.ONE_OFF else "times")
    return steps


FLOW = Wizard(
    session_key="need_draft",
    doing=gettext_lazy("asking for help"),
    step_view="need_new_step",
    check_view="need_new_check",
    exit_view="needs_mine",
    steps_for=_steps_for,
    answer_keys={
        "category": "category",
        "details": "title",
        "timing": "timing",
        "times": "slots",
        "date": "starts_at",
        "urgency": "urgency",
        "place": "postcode",
        "preferences": "helper_gender_preference",
    },
    # Answers check-your-answers cannot do without.
    required=("category", "details", "timing", "urgency", "place"),
    reflow=frozenset({"timing"}),
)


@home_required
def need_new(request):
    """Start recording a need: forget any half-finished one and ask the first question."""
    return FLOW.start(request)


@home_required
def need_new_step(request, step: str):
    draft = FLOW.draft(request)
    if step not in STEPS:
        raise Http404("No such step.")
    categories = enabled_categories(request.user)
    post = request.POST if request.method == "POST" else None
    context: dict[str, Any] = {
        "step": step,
        "page_title": STEP_TITLES[step],
        "back_url": FLOW.back_url(request, step, draft),
    }
    if step == "times":
        return FLOW.times_page(request, step, draft, context)

    if step == "category":
        form = CategoryForm(post, categories=categories, initial=draft)
    elif step == "details":
        form = NeedDetailsForm(post, initial=draft)
    elif step == "timing":
        form = TimingForm(post, initial=draft)
    elif step == "date":
        form = OneOffForm(post, initial=draft.get("date_fields", {}))
    elif step == "urgency":
        form = UrgencyForm(post, initial=draft)
    elif step == "place":
        form = NeedPlaceForm(
            post, initial={"postcode": draft.get("postcode") or request.user.home_postcode}
        )
    else:
        category = chosen_category(draft, categories)
        form = NeedPreferencesForm(post, is_meal=bool(category and category.is_meal), initial=draft)

    if post is not None and form.is_valid():
        _urgency_fits(step, form, draft)
    if post is not None and form.is_valid():
        data = form.cleaned_data
        if step == "date":
            draft["starts_at"] = data["starts_at"].isoformat()
            draft["ends_at"] = data["ends_at"].isoformat()
            draft["date_fields"] = {k: data[k] for k in ("day", "month", "year", "start", "end")}
        else:
            draft.update(data)
        return FLOW.advance(request, step, draft)
    context["form"] = form
    return render(request, f"frontend/needs/step_{step}.html", context)


def _urgency_fits(step: str, form, draft: dict) -> None:
    """The check `need_create` makes that "today or tomorrow" is for today or tomorrow, on
    the page that changes either answer: how soon (its field), or the day, changed from
    "Check your answers" after how soon was answered (the date's field). A problem is the
    form's error, so the page says it at once rather than only when the request is sent."""
    if step == "urgency":
        urgency, starts_at, field = (
            form.cleaned_data["urgency"],
            _draft_time(draft, "starts_at"),
            "urgency",
        )
    elif step == "date" and draft.get("urgency"):
        urgency, starts_at, field = draft["urgency"], form.cleaned_data["starts_at"], "day"
    else:
        return
    call_service(
        form,
        lambda: market_services.need_urgency_check(
            urgency=urgency, timing=draft.get("timing") or "", starts_at=starts_at
        ),
        field=field,
    )


def _summary(draft: dict, categories: list[Category]) -> list[dict]:
    category = chosen_category(draft, categories)
    rows = [
        (_("Kind of help"), category.local_name if category else _("Not given"), "category"),
        (_("What you need"), draft.get("title", ""), "details"),
        (_("More about it"), draft.get("description", ""), "details"),
        (
            _("How often"),
            _("Every week") if draft.get("timing") != Need.Timing.ONE_OFF else _("Just once"),
            "timing",
        ),
    ]
    if draft.get("timing") == Need.Timing.ONE_OFF:
        when = _("Not given")
        if draft.get("starts_at"):
            starts = dt.datetime.fromisoformat(draft["starts_at"])
            ends = dt.datetime.fromisoformat(draft["ends_at"])
            when = _("%(date)s, %(start)s to %(end)s") % {
                "date": formats.date_format(starts, "l j F Y"),
                "start": f"{starts:%H:%M}",
                "end": f"{ends:%H:%M}",
            }
        rows.append((_("When"), when, "date"))
    else:
        rows.append((_("Times each week"), slots_text(draft.get("slots", [])), "times"))
    rows += [
        (
            _("How soon"),
            urgency_said(draft["urgency"]) if draft.get("urgency") else _("Not given"),
            "urgency",
        ),
        (_("Postcode"), draft.get("postcode", ""), "place"),
        (
            _("Helper preference"),
            dict(GenderPreference.choices).get(draft.get("helper_gender_preference", ""), ""),
            "preferences",
        ),
    ]
    if category and category.is_meal:
        rows.append((_("Food"), dietary_text(draft.get("dietary_requirements", [])), "preferences"))
    return FLOW.summary(rows)


def _draft_time(draft: dict, key: str) -> dt.datetime | None:
    """A one-off need's start or end (`key`) as the draft keeps it, else None."""
    if draft.get("timing") != Need.Timing.ONE_OFF or not draft.get(key):
        return None
    return dt.datetime.fromisoformat(draft[key])


def _need_create(user, draft: dict, categories: list[Category]) -> Need:
    category = chosen_category(draft, categories)
    if category is None:
        raise ApplicationError(_("Choose the kind of help you need."), code="category_off")
    one_off = draft.get("timing") == Need.Timing.ONE_OFF
    return market_services.need_create(
        owner=user,
        category=category,
        title=draft["title"],
        description=draft["description"],
        postcode=draft["postcode"],
        timing=draft["timing"],
        starts_at=_draft_time(draft, "starts_at"),
        ends_at=_draft_time(draft, "ends_at"),
        slots=[] if one_off else slot_tuples(draft.get("slots", [])),
        urgency=draft["urgency"],
        helper_gender_preference=draft.get("helper_gender_preference", ""),
        dietary_requirements=draft.get("dietary_requirements", []),
        languages=user.preferred_languages,
    )


@home_required
def need_new_check(request):
    draft = FLOW.draft(request)
    categories = enabled_categories(request.user)
    missing = FLOW.first_unanswered(draft)
    if missing:
        return redirect("need_new_step", step=missing)
    error = None
    if request.method == "POST":
        need, error = FLOW.send(
            request, lambda: _need_create(request.user, draft, categories), STEP_FOR_CODE, "details"
        )
        if need is not None:
            if need.status == Need.Status.OPEN:
                messages.success(request, _("Your request is now open. We have suggested helpers."))
            else:
                messages.success(
                    request,
                    _(
                        "Your request has been sent. Council staff will check it, usually within "
                        "one working day."
                    ),
                )
            return redirect("need_detail", need_id=need.pk)
    return render(
        request,
        "frontend/needs/check.html",
        {
            "rows": _summary(draft, categories),
            "error": error,
            "has_errors": bool(error),
            "back_url": FLOW.check_back_url(draft),
        },
    )


@home_required
def needs_mine(request):
    needs = list(market.needs_of_owner(user=request.user))
    return render(request, "frontend/needs/mine.html", {"needs": needs})


@home_required
def need_detail(request, need_id: int):
    from matching import candidates as matching_candidates
    from matching import profiles as matching_profiles
    from matching import selectors as matching
    from matching import web_selectors as matching_web

    need, weekly = not_found_as_404(
        lambda: matching.need_and_slots_for_ranking(user=request.user, need_id=need_id)
    )
    if need.owner_id != request.user.pk:
        raise Http404("Not found.")
    matches = matching_web.matches_of_need(user=request.user, need=need)
    ranked = []
    if need.status == Need.Status.OPEN:
        live_offer_ids = {
            m.offer_id for m in matches if m.status in ("proposed", "accepted", "active")
        }
        ranked = [
            pair
            for pair in matching_candidates.ranked_offers_for_need(
                need=need, limit=10, need_slots=weekly
            )
            if pair.offer.pk not in live_offer_ids
        ]
    return render(
        request,
        "frontend/needs/detail.html",
        {
            "need": need,
            "ranked": ranked,
            "suggestions": matching_profiles.with_profiles(ranked),
            "matches": matches,
            "slots": list(need.slots.all()),
            "can_change": lifecycle.need_may_change(need),
            "can_send_again": lifecycle.need_may_send_again(need),
            "diet": [DietaryTag(t).label for t in need.dietary_requirements],
            # When no helper can reach the need: the council's directory of other help.
            "other_help": directory.other_help_for_need(need=need)
            if need.status == Need.Status.OPEN and not ranked
            else [],
        },
    )


@home_required
def need_withdraw(request, need_id: int):
    need = not_found_as_404(lambda: market.access_need(user=request.user, need_id=need_id))
    if need.owner_id != request.user.pk:
        raise Http404("Not found.")
    if need.status == Need.Status.CLOSED:
        # Withdrawn already (in another tab, say): nothing to ask, and no rule's words to show.
        messages.info(request, _("This request is already closed."))
        return redirect("need_detail", need_id=need.pk)
    error = None
    if request.method == "POST":
        try:
            market_services.need_withdraw(actor=request.user, need=need)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("You have withdrawn “%(title)s”.") % {"title": need.title})
            return redirect("needs_mine")
    return render(
        request,
        "frontend/needs/withdraw.html",
        {
            "need": need,
            "error": error,
            "has_errors": bool(error),
            "helpers_involved": matching_selectors.need_has_matches_going(need_id=need.pk),
        },
    )


@require_POST
@home_required
def need_ask_helper(request, need_id: int):
    """The citizen asks one of the suggested helpers; the helper then says yes or no."""
    from matching import services as matching_services

    try:
        match = matching_services.match_request(
            citizen=request.user, need_id=need_id, offer_id=int(request.POST.get("offer", 0))
        )
    except (NotFound, ValueError) as exc:
        raise Http404("Not found.") from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("need_detail", need_id=need_id)
    messages.success(
        request,
        _("We have asked %(name)s. You will see here when they reply.")
        % {"name": match.offer.helper.public_name},
    )
    return redirect("match_detail", match_id=match.pk)
