"""Recording an offer, one question per page: the answers kept in the session until
check-your-answers (`frontend.views.wizard`), what the helper's checks allow, the offer
written by `marketplace.services.offer_create`, then what happens next."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError
from marketplace import services as market_services
from marketplace.models import Category, Offer
from trust.checks import helper_verification_level
from trust.models import VerificationLevel

from ..offer_forms import RADIUS_CHOICES, OfferForm
from ..words import languages_said
from .common import home_required

# The refusals of `offer_update` that are about what the helper sent (others, such as a newer
from .helping import OFFER_STEP_TITLES, _own_offer
from .wizard import (
    Wizard,
    chosen_category,
    dietary_text,
    enabled_categories,
    slot_tuples,
    slots_text,
)

OFFER_STEPS = ["category", "about", "place", "distance", "times", "capacity", "languages", "food"]
# Which page to send the helper back to for each refusal code of offer_create.
OFFER_STEP_FOR_CODE = {
    "category_off": "category",
    "required": "about",
    "too_long": "about",
    "contact_details": "about",
    "postcode_missing": "place",
    "postcode_invalid": "place",
    "postcode_unknown": "place",
    "not_available": "place",
    "location_missing": "place",
    "radius": "distance",
    "radius_too_far": "distance",
    "slots_too_many": "times",
    "slot_weekday": "times",
    "slot_end_before_start": "times",
    "slot_overlap": "times",
    "capacity": "capacity",
    "language": "languages",
    "languages": "languages",
    "dietary": "food",
}


def _offer_steps(draft: dict) -> list[str]:
    # What food a helper can cook is asked only for meals.
    return [s for s in OFFER_STEPS if s != "food" or draft.get("meal")]


OFFER_FLOW = Wizard(
    session_key="offer_draft",
    doing=gettext_lazy("offering help"),
    step_view="offer_new_step",
    check_view="offer_new_check",
    exit_view="helping",
    steps_for=_offer_steps,
    answer_keys={
        "category": "category",
        "about": "description",
        "place": "postcode",
        "distance": "radius_m",
        "times": "slots",
        "capacity": "capacity",
        "languages": "languages",
        "food": "dietary_capabilities",
    },
    required=tuple(OFFER_STEPS),
    reflow=frozenset({"category"}),
)


def _category_hints(categories: list[Category], level: int) -> dict[str, str]:
    """Each kind of help with the checks it needs that the helper does not hold yet."""
    hints = {}
    for c in categories:
        extra = ""
        if c.required_level >= VerificationLevel.ENHANCED_DBS_BARRED > level:
            extra = _("Needs an ID check and an enhanced DBS check.")
            if c.is_regulated_activity:
                extra = _("Regulated activity: needs an ID check and an enhanced DBS check.")
        elif c.required_level > level:
            extra = _("Needs an ID check.")
        hints[str(c.pk)] = " ".join(t for t in (c.local_description, extra) if t)
    return hints


def _checks_needed(category: Category | None, level: int) -> str:
    """What the council must check before people can see an offer of `category`, said in
    full, or "" when the helper already holds those checks."""
    if category is None or category.required_level <= level:
        return ""
    if category.required_level >= VerificationLevel.ENHANCED_DBS_BARRED:
        if category.is_regulated_activity:
            return _(
                "%(kind)s is regulated activity, so before people can see your offer the council "
                "needs to check your ID and do an enhanced DBS check, including the list of "
                "people barred from working with adults. Council staff will contact you to "
                "arrange this."
            ) % {"kind": category.local_name}
        return _(
            "Before people can see your offer the council needs to check your ID and do an "
            "enhanced DBS check, including the list of people barred from working with adults. "
            "Council staff will contact you to arrange this."
        )
    return _(
        "Before people can see your offer, the council needs to check your ID. Council staff "
        "will contact you to arrange this."
    )


@home_required
def offer_new(request):
    """Start recording an offer: forget any half-finished one and ask the first question."""
    return OFFER_FLOW.start(request)


@home_required
def offer_new_step(request, step: str):
    draft = OFFER_FLOW.draft(request)
    if step not in OFFER_STEPS:
        raise Http404("No such step.")
    if step not in _offer_steps(draft):
        return redirect("offer_new_check")
    post = request.POST if request.method == "POST" else None
    context: dict[str, Any] = {
        "step": step,
        "page_title": OFFER_STEP_TITLES[step],
        "back_url": OFFER_FLOW.back_url(request, step, draft),
        "caption": _("Offer help"),
    }
    if step == "times":
        context["times_intro"] = _(
            "Give a day and times for each time you are free. Leave the rows empty if any time "
            "suits you."
        )
        return OFFER_FLOW.times_page(request, step, draft, context)

    categories = enabled_categories(request.user)
    user = request.user
    form = OfferForm(
        post,
        step=step,
        categories=categories,
        hints=_category_hints(categories, helper_verification_level(user=user))
        if step == "category"
        else None,
        # Where from: their home postcode unless they say otherwise; languages: their own.
        initial={
            "postcode": user.home_postcode,
            "languages": user.preferred_languages,
            "capacity": 1,
            **draft,
        },
    )
    if post is not None and form.is_valid():
        draft.update(form.cleaned_data)
        if step == "category":
            category = chosen_category(draft, categories)
            draft["meal"] = bool(category and category.is_meal)
        return OFFER_FLOW.advance(request, step, draft)
    context["form"] = form
    return render(request, "frontend/helping/offer_step.html", context)


def _offer_summary(draft: dict, category: Category | None) -> list[dict]:
    rows = [
        (_("Kind of help"), category.local_name if category else _("Not given"), "category"),
        (_("Short summary"), draft.get("title") or _("Not given"), "about"),
        (_("About your offer"), draft.get("description", ""), "about"),
        (_("Where you help from"), draft.get("postcode", ""), "place"),
        (
            _("How far you can travel"),
            dict(RADIUS_CHOICES).get(str(draft.get("radius_m", "")), ""),
            "distance",
        ),
        (_("When you are free"), slots_text(draft.get("slots", [])), "times"),
        (_("People at the same time"), str(draft.get("capacity", "")), "capacity"),
        (_("Languages"), languages_said(draft.get("languages")) or _("None given"), "languages"),
    ]
    if category and category.is_meal:
        rows.append(
            (_("Food you can cook"), dietary_text(draft.get("dietary_capabilities", [])), "food")
        )
    return OFFER_FLOW.summary(rows)


def _offer_create(user, draft: dict, category: Category | None) -> Offer:
    if category is None:
        raise ApplicationError(
            _("The kind of help you chose is not offered at the moment. Choose another."),
            code="category_off",
        )
    return market_services.offer_create(
        helper=user,
        category=category,
        title=draft.get("title", ""),
        description=draft["description"],
        postcode=draft["postcode"],
        radius_m=int(draft["radius_m"]),
        slots=slot_tuples(draft["slots"]),
        capacity=int(draft["capacity"]),
        languages=draft["languages"],
        dietary_capabilities=draft.get("dietary_capabilities", []) if category.is_meal else [],
    )


@home_required
def offer_new_check(request):
    """Check your answers, then the one call that records the offer."""
    draft = OFFER_FLOW.draft(request)
    missing = OFFER_FLOW.first_unanswered(draft)
    if missing:
        return redirect("offer_new_step", step=missing)
    category = chosen_category(draft, enabled_categories(request.user))
    error = None
    if request.method == "POST":
        offer, error = OFFER_FLOW.send(
            request,
            lambda: _offer_create(request.user, draft, category),
            OFFER_STEP_FOR_CODE,
            "category",
        )
        if offer is not None:
            return redirect("offer_new_done", offer_id=offer.pk)
    return render(
        request,
        "frontend/helping/offer_check.html",
        {
            "rows": _offer_summary(draft, category),
            "checks": _checks_needed(category, helper_verification_level(user=request.user)),
            "error": error,
            "has_errors": bool(error),
            "back_url": OFFER_FLOW.check_back_url(draft),
        },
    )


@home_required
def offer_new_done(request, offer_id: int):
    """The confirmation: what happens next to the offer just recorded."""
    offer = _own_offer(request, offer_id)
    return render(
        request,
        "frontend/helping/offer_sent.html",
        {
            "offer": offer,
            "checks": _checks_needed(offer.category, helper_verification_level(user=request.user)),
        },
    )
