"""Assisted digital: needs recorded by staff for a person who cannot use the site, and that
person's matches and messages, handled by staff with the person's consent."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors as accounts_selectors
from core.errors import ApplicationError, NotFound
from directory import selectors as directory
from marketplace import services as marketplace_services
from marketplace.models import DietaryTag, Urgency
from matching import assisted, profiles, selectors
from matching.services import MESSAGE_OPEN_STATUSES
from staff_console import assisted_forms as forms
from staff_console.access import staff_view
from staff_console.views.base import C, call_service, render_staff


@require_http_methods(["GET", "POST"])
@staff_view(C.ASSISTED_DIGITAL)
def assisted_need(request, pk: int):
    """Record a need for someone who is not online: the questions of the citizen's own form,
    passed to the same service (marketplace.services.need_create)."""
    person = accounts_selectors.person_of_council(council=request.staff_council, person_id=pk)
    if person is None:
        raise Http404("Not found.")
    post = request.POST if request.method == "POST" else None
    asked = forms.AssistedNeedForms(post, person=person)
    status = 200
    if post is not None:
        status = 400
        if asked.adding_row:
            status = 200 if asked.add_row() else 400
        elif asked.is_valid():
            need = _need_create(request, asked, person)
            if need is not None:
                messages.success(
                    request,
                    _("Need recorded for %(person)s: %(need)s.")
                    % {"person": person.public_name, "need": need.title},
                )
                return redirect("staff:person", pk=person.pk)
    errors = asked.error_summary()
    return render_staff(
        request,
        "assisted_need.html",
        {
            "form": asked.form,
            "slots": asked.slots,
            "once": asked.once,
            "errors": errors,
            "has_errors": bool(errors),
            "person": person,
        },
        status=status,
    )


def _need_create(request, asked, person):
    """The need, or None with the service's refusal shown on the question it is about."""
    data = asked.cleaned_data
    location: dict = {}
    if asked.form.cleaned_data["postcode"]:
        location = {"postcode": asked.form.cleaned_data["postcode"]}
    elif person.home_postcode:
        location = {"postcode": person.home_postcode}
    elif person.home_location is not None:
        location = {"point": person.home_location}
    try:
        return marketplace_services.need_create(
            owner=person, recorded_by=request.user, **data, **location
        )
    except NotFound:
        raise Http404("Not found.") from None
    except ApplicationError as exc:
        asked.add_service_error(exc)
        return None


# --- Matches and messages for the person ----------------------------------------------------
def _assisted(request, fn, **kwargs):
    """Reads of matching.assisted: "not found" is a 404; a need staff did not record for the
    person (no consent on record) is a 403 with the service's reason."""
    try:
        return fn(staff=request.user, **kwargs)
    except NotFound:
        raise Http404("Not found.") from None
    except ApplicationError as exc:
        raise PermissionDenied(exc.message) from None


def _assisted_write(request, fn, **kwargs):
    """Run an assisted-digital write; its refusal is shown as a message on the next page."""
    try:
        return fn(staff=request.user, **kwargs)
    except NotFound:
        raise Http404("Not found.") from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return None


@require_GET
@staff_view(C.ASSISTED_DIGITAL)
def assisted_list(request):
    needs = list(assisted.assisted_needs(staff=request.user)[:200])
    return render_staff(request, "assisted_needs.html", {"needs": needs})


def _assisted_need_page(request, pk: int, status: int = 200, decline_form=None):
    need, matches, ranked = _assisted(request, assisted.assisted_need_view, need_id=pk)
    return render_staff(
        request,
        "assisted_need_detail.html",
        {
            "need": need,
            "person": need.owner,
            "matches": matches,
            "ranked": ranked,
            "suggestions": profiles.with_profiles(ranked),
            "other_help": directory.other_help_for_need(need=need)
            if need.status == "open" and not ranked
            else [],
            "diet": [DietaryTag(tag).label for tag in need.dietary_requirements],
            "urgent_alerts": selectors.urgent_alerts_of(need_id=need.pk)
            if need.urgency == Urgency.URGENT
            else None,
            "decline_form": decline_form or forms.AssistedDeclineForm(),
            "form": decline_form,
        },
        status=status,
    )


@require_GET
@staff_view(C.ASSISTED_DIGITAL)
def assisted_need_detail(request, pk: int):
    return _assisted_need_page(request, pk)


@require_POST
@staff_view(C.ASSISTED_DIGITAL)
def assisted_ask(request, pk: int):
    need = _assisted(request, assisted.assisted_need_get, need_id=pk)
    offer_id = request.POST.get("offer", "")
    if not offer_id.isdigit():
        messages.error(request, _("Choose a helper to ask."))
        return redirect("staff:assisted_need_detail", pk=need.pk)
    match = _assisted_write(
        request, assisted.assisted_match_request, need_id=pk, offer_id=int(offer_id)
    )
    if match is not None:
        messages.success(
            request,
            _("Asked %(helper)s to help. They can answer now.")
            % {"helper": match.offer.helper.public_name},
        )
        return redirect("staff:assisted_match", pk=match.pk)
    return redirect("staff:assisted_need_detail", pk=pk)


def _assisted_match_page(request, pk: int, status: int = 200, form=None):
    match = _assisted(request, assisted.assisted_match_get, match_id=pk)
    conversation = (
        _assisted(request, assisted.assisted_messages, match_id=pk)
        if match.status in MESSAGE_OPEN_STATUSES
        else []
    )
    return render_staff(
        request,
        "assisted_match.html",
        {
            "match": match,
            "need": match.need,
            "person": match.need.owner,
            "conversation": conversation,
            "can_message": match.status in MESSAGE_OPEN_STATUSES,
            "form": form or forms.AssistedMessageForm(),
            "decline_form": forms.AssistedDeclineForm(),
            "cancel_form": forms.AssistedDeclineForm(prefix="cancel"),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_view(C.ASSISTED_DIGITAL)
def assisted_match(request, pk: int):
    if request.method == "GET":
        return _assisted_match_page(request, pk)
    match = _assisted(request, assisted.assisted_match_get, match_id=pk)
    form = forms.AssistedMessageForm(request.POST)
    if form.is_valid() and call_service(
        form,
        assisted.assisted_message_send,
        staff=request.user,
        match_id=match.pk,
        body=form.cleaned_data["body"],
    ):
        messages.success(
            request, _("Message sent for %(person)s.") % {"person": match.need.owner.public_name}
        )
        return redirect("staff:assisted_match", pk=match.pk)
    return _assisted_match_page(request, pk, status=400, form=form)


@require_POST
@staff_view(C.ASSISTED_DIGITAL)
def assisted_accept(request, pk: int):
    match = _assisted(request, assisted.assisted_match_get, match_id=pk)
    if _assisted_write(request, assisted.assisted_match_accept, match_id=match.pk):
        messages.success(
            request, _("Accepted for %(person)s.") % {"person": match.need.owner.public_name}
        )
    return redirect("staff:assisted_match", pk=match.pk)


def _assisted_end(request, pk: int, *, service, prefix: str | None, success: str):
    """Decline a proposal or end a match for the person, with an optional reason; then back
    to the need, or to the match with matching's refusal."""
    match = _assisted(request, assisted.assisted_match_get, match_id=pk)
    form = forms.AssistedDeclineForm(request.POST, prefix=prefix)
    if not form.is_valid():
        for error in form.errors.get("reason", []):
            messages.error(request, error)
    elif _assisted_write(request, service, match_id=match.pk, reason=form.cleaned_data["reason"]):
        messages.success(
            request,
            success
            % {"person": match.need.owner.public_name, "helper": match.offer.helper.public_name},
        )
        return redirect("staff:assisted_need_detail", pk=match.need_id)
    return redirect("staff:assisted_match", pk=match.pk)


@require_POST
@staff_view(C.ASSISTED_DIGITAL)
def assisted_decline(request, pk: int):
    return _assisted_end(
        request,
        pk,
        service=assisted.assisted_match_decline,
        prefix=None,
        success=_(
            "Declined for %(person)s. Kith will not suggest this helper again for this need."
        ),
    )


@require_POST
@staff_view(C.ASSISTED_DIGITAL)
def assisted_cancel(request, pk: int):
    return _assisted_end(
        request,
        pk,
        service=assisted.assisted_match_cancel,
        prefix="cancel",
        success=_("The match with %(helper)s is ended for %(person)s."),
    )


@require_POST
@staff_view(C.ASSISTED_DIGITAL)
def assisted_complete(request, pk: int):
    match = _assisted(request, assisted.assisted_match_get, match_id=pk)
    if _assisted_write(request, assisted.assisted_match_complete, match_id=match.pk):
        messages.success(
            request,
            _("The help is marked as done for %(person)s.")
            % {"person": match.need.owner.public_name},
        )
    return redirect("staff:assisted_match", pk=match.pk)
