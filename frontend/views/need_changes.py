"""Changing a citizen's need after sending it, one part at a time with the question it was
first asked with, and sending again a need the council turned down."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError, NotFound
from marketplace import lifecycle
from marketplace import selectors as market
from marketplace import services as market_services
from marketplace.models import DietaryTag, Need

from ..forms import NeedPreferencesForm, OneOffForm, UrgencyForm
from ..need_forms import NeedDetailsForm, NeedPlaceForm
from .common import (
    call_service,
    home_required,
    not_found_as_404,
    posted_version,
    saved_unless_changed_elsewhere,
)
from .needs import STEP_TITLES
from .wizard import (
    listing_slot_rows,
    slot_formset_saved,
)

# The fields of `need_update` each part of the page changes.
CHANGE_FIELDS = {
    "details": ("title", "description"),
    "place": ("postcode",),
    "times": ("slots",),
    "date": ("starts_at", "ends_at"),
    "urgency": ("urgency",),
    "preferences": ("helper_gender_preference", "dietary_requirements"),
}
CHANGE_ERRORS = {
    "contact_details": "description",
    "too_long": "description",
    "window_order": "end",
    "window_past": "day",
    "window_missing": "day",
    "urgency": "urgency",
    "urgency_date": "urgency",
    "gender": "helper_gender_preference",
    "dietary": "dietary_requirements",
    "postcode_missing": "postcode",
    "postcode_invalid": "postcode",
    "postcode_unknown": "postcode",
    "not_available": "postcode",
    "category_off": "postcode",  # the kind of help is not offered in the new place's council
}
# The part to change for each refusal of sending a turned-down need again (others, such as a
# kind of help the council no longer offers, are shown without a link).
PART_FOR_CODE = {
    "contact_details": "details",
    "urgency_date": "urgency",
    "window_past": "date",
    "window_missing": "date",
    "window_order": "date",
}


def _own_need(request, need_id: int) -> Need:
    need = not_found_as_404(lambda: market.access_need(user=request.user, need_id=need_id))
    if need.owner_id != request.user.pk:
        raise Http404("Not found.")
    return need


def _change_form(part: str, need: Need, post):
    if part == "details":
        return NeedDetailsForm(post, initial={"title": need.title, "description": need.description})
    if part == "urgency":
        return UrgencyForm(post, initial={"urgency": need.urgency})
    if part == "place":
        return NeedPlaceForm(post, initial={"postcode": need.postcode})
    if part == "preferences":
        return NeedPreferencesForm(
            post,
            is_meal=need.category.is_meal,
            initial={
                "helper_gender_preference": need.helper_gender_preference,
                "dietary_requirements": need.dietary_requirements,
            },
        )
    starts = timezone.localtime(need.starts_at) if need.starts_at else None
    ends = timezone.localtime(need.ends_at) if need.ends_at else None
    initial = {}
    if starts and ends:
        initial = {
            "day": str(starts.day),
            "month": str(starts.month),
            "year": str(starts.year),
            "start": f"{starts:%H:%M}",
            "end": f"{ends:%H:%M}",
        }
    return OneOffForm(post, initial=initial)


def _change_data(part: str, need: Need, data: dict) -> dict:
    fields = CHANGE_FIELDS[part]
    if part == "preferences" and not need.category.is_meal:
        fields = ("helper_gender_preference",)
    return {f: data[f] for f in fields}


def _after_change(request, need: Need, was: str):
    """Where a saved change leads: a need the council turned down goes back to checking it
    before sending it again; any other to its page."""
    if lifecycle.need_may_send_again(need):
        messages.success(
            request, _("Your changes have been saved. Send your request again when it is ready.")
        )
        return redirect("need_send_again", need_id=need.pk)
    if was == Need.Status.OPEN and need.status == Need.Status.PENDING_REVIEW:
        messages.success(
            request,
            _(
                "Your changes have been saved. Council staff will check your request again before "
                "helpers see it."
            ),
        )
    else:
        messages.success(request, _("Your changes have been saved."))
    return redirect("need_detail", need_id=need.pk)


@home_required
def need_change(request, need_id: int, part: str):
    """Change one part of a need already sent, from the "Change" links on its page.

    What the page says about review again comes from the service's own rule, so the person
    knows before saving; the service saves all of the change or none of it.
    """
    need = _own_need(request, need_id)
    if part not in CHANGE_FIELDS:
        raise Http404("No such part.")
    if (part == "times") != (need.timing == Need.Timing.WEEKLY) and part in ("times", "date"):
        raise Http404("No such part.")
    if not lifecycle.need_may_change(need):
        messages.error(
            request,
            _("This request is %(status)s and can no longer be changed.")
            # The word of its badge: "withdrawn", "fulfilled"… rather than "closed".
            % {
                "status": (
                    need.get_closed_reason_display()
                    if need.closed_reason
                    else need.get_status_display()
                ).lower()
            },
        )
        return redirect("need_detail", need_id=need.pk)
    post = request.POST if request.method == "POST" else None
    version = posted_version(request, need.version)
    context = {
        "need": need,
        "step": part,
        "page_title": STEP_TITLES[part],
        "back_url": reverse(
            "need_send_again" if lifecycle.need_may_send_again(need) else "need_detail",
            args=[need.pk],
        ),
        "caption": _("Change your request"),
        "submit_label": _("Save changes"),
        "version": version,
        "goes_to_review": market_services.need_change_goes_to_review(
            actor=request.user, need=need, fields=CHANGE_FIELDS[part]
        ),
    }
    was = need.status

    def save(data: dict) -> Need:
        return saved_unless_changed_elsewhere(
            lambda: market_services.need_update(
                actor=request.user, need=need, version=version, data=data
            ),
            context,
            need,
        )

    if part == "times":
        formset, changed = slot_formset_saved(
            post, listing_slot_rows(need), lambda slots: save({"slots": slots})
        )
        if changed:
            return _after_change(request, changed, was)
        context.update(
            formset=formset,
            has_errors=formset.total_error_count() > 0 or bool(formset.non_form_errors()),
        )
        return render(request, "frontend/needs/step_times.html", context)

    form = _change_form(part, need, post)
    if post is not None and form.is_valid():
        changed = call_service(
            form,
            lambda: save(_change_data(part, need, form.cleaned_data)),
            field_for=CHANGE_ERRORS,
        )
        if changed:
            return _after_change(request, changed, was)
    context["form"] = form
    return render(request, f"frontend/needs/step_{part}.html", context)


def _send_draft(request, need: Need):
    """A request kept as a draft (made through the API, or by a partner's tools, and not yet
    sent): its page shows it with a "Change" link for each part and a button that sends it
    here (the service's own step for sending a need); a problem is said on its page."""
    if request.method == "POST":
        try:
            sent = market_services.need_submit(
                actor=request.user, need=need, version=posted_version(request, need.version)
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("You have sent your request. It is now open.")
                if sent.status == Need.Status.OPEN
                else _(
                    "You have sent your request. Council staff will check it, usually within "
                    "one working day."
                ),
            )
    return redirect("need_detail", need_id=need.pk)


@home_required
def need_send_again(request, need_id: int):
    """A need the council turned down: its reason, the request as it now is with a "Change"
    link for each part, and sending it again (the service's own step for sending a need). A
    refusal links to the part to change."""
    need = _own_need(request, need_id)
    if need.status == Need.Status.DRAFT:
        return _send_draft(request, need)
    if not lifecycle.need_may_send_again(need):
        messages.error(request, _("This request is not waiting to be sent again."))
        return redirect("need_detail", need_id=need.pk)
    error = None
    if request.method == "POST":
        try:
            sent = market_services.need_submit(
                actor=request.user, need=need, version=posted_version(request, need.version)
            )
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ApplicationError as exc:
            part = PART_FOR_CODE.get(exc.code)
            href = reverse("need_change", args=[need.pk, part]) if part else ""
            error = {"message": exc.message, "href": href}
        else:
            if sent.status == Need.Status.OPEN:
                messages.success(request, _("You have sent your request again. It is now open."))
            else:
                messages.success(
                    request,
                    _(
                        "You have sent your request again. Council staff will check it, usually "
                        "within one working day."
                    ),
                )
            return redirect("need_detail", need_id=need.pk)
    return render(
        request,
        "frontend/needs/send_again.html",
        {
            "need": need,
            "slots": list(need.slots.all()),
            "diet": [DietaryTag(t).label for t in need.dietary_requirements],
            "can_change": True,
            "version": need.version,
            "error": error,
            "has_errors": bool(error),
        },
    )
