"""People: search, a person's record, and suspending or reinstating them."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts import selectors as accounts_selectors
from accounts.permissions import staff_can
from arrangements import welfare as arrangements_welfare
from core.errors import NotFound
from notifications import selectors as notices
from notifications.models import FAILED
from safeguarding import people as safeguarding_people
from safeguarding import suspension as safeguarding_suspension
from staff_console import forms
from staff_console.access import staff_view
from staff_console.views.base import C, call_service, render_staff


@require_GET
@staff_view(C.PEOPLE)
def people(request):
    form = forms.PeopleSearchForm(request.GET or None)
    results = None
    status = 200
    if request.GET:
        if form.is_valid():
            results = call_service(
                form,
                safeguarding_people.people_search,
                actor=request.user,
                query=form.cleaned_data["q"],
            )
        if form.errors:
            status = 400
    return render_staff(request, "people.html", {"form": form, "results": results}, status=status)


def _person_page(request, pk, status=200, **forms_):
    try:
        record = safeguarding_people.person_view(actor=request.user, person_id=pk)
    except NotFound:
        raise Http404("Not found.") from None
    reinstate_form = forms_.get("reinstate_form")
    if (
        reinstate_form is None
        and record.person.is_suspended
        and staff_can(request.user, C.SUSPENSION)
    ):
        reinstate_form = forms.ReinstateForm(offers=_offers_to_reopen(request, pk))
    context = {
        "record": record,
        "person": record.person,
        "suspend_form": forms_.get("suspend_form") or forms.SuspendForm(),
        "reinstate_form": reinstate_form or forms.ReinstateForm(),
        "form": forms_.get("suspend_form") or forms_.get("reinstate_form"),
        "contact": notices.contact_preference_for(person=record.person),
        "sent": notices.sent_to_person(person=record.person),
        "texts": notices.texts_from_person(person=record.person),
        "arrangements": arrangements_welfare.arrangements_of_person(
            actor=request.user, person_id=record.person.pk
        ),
        "failed_statuses": FAILED,
    }
    return render_staff(request, "person_detail.html", context, status=status)


@require_GET
@staff_view(C.PEOPLE)
def person_detail(request, pk: int):
    return _person_page(request, pk)


def _person_in_council_or_404(request, pk):
    if accounts_selectors.person_of_council(council=request.staff_council, person_id=pk) is None:
        raise Http404("Not found.")


@require_POST
@staff_view(C.SUSPENSION)
def person_suspend(request, pk: int):
    _person_in_council_or_404(request, pk)
    form = forms.SuspendForm(request.POST)
    if form.is_valid():
        result = call_service(
            form,
            safeguarding_suspension.person_suspend,
            actor=request.user,
            person_id=pk,
            reason=form.cleaned_data["reason"],
            concern_id=form.cleaned_data["concern"],
        )
        if result is not None:
            messages.success(
                request,
                _(
                    "%(person)s is suspended. Needs withdrawn: %(needs)s. Offers withdrawn: "
                    "%(offers)s. Matches ended: %(matches)s."
                )
                % {
                    "person": result.person.public_name,
                    "needs": result.needs_closed,
                    "offers": result.offers_closed,
                    "matches": result.matches_ended,
                },
            )
            if form.cleaned_data["concern"]:
                return redirect("staff:concern", pk=form.cleaned_data["concern"])
            return redirect("staff:person", pk=pk)
    concern_id = request.POST.get("concern", "")
    if concern_id.isdigit():
        # Sent from a concern's page: show the problem there.
        for error in form.non_field_errors() or form.errors.get("reason", []):
            messages.error(request, error)
        return redirect("staff:concern", pk=int(concern_id))
    return _person_page(request, pk, status=400, suspend_form=form)


def _offers_to_reopen(request, pk):
    try:
        return safeguarding_suspension.offers_to_reopen(actor=request.user, person_id=pk)
    except NotFound:
        raise Http404("Not found.") from None


def _reinstated_message(result) -> str:
    """What staff are told, e.g. "Sam is reinstated. 2 offers reopened. “…” could not
    reopen: …"."""
    words = [_("%(person)s is reinstated.") % {"person": result.person.public_name}]
    reopened = result.offers_reopened
    if reopened:
        waiting = sum(offer.status != offer.Status.OPEN for offer in reopened)
        if waiting:
            said = ngettext(
                "%(count)s offer reopened (%(waiting)s waiting for review: words changed while "
                "paused).",
                "%(count)s offers reopened (%(waiting)s waiting for review: words changed while "
                "paused).",
                len(reopened),
            )
        else:
            said = ngettext(
                "%(count)s offer reopened.", "%(count)s offers reopened.", len(reopened)
            )
        words.append(said % {"count": len(reopened), "waiting": waiting})
    for left in result.offers_not_reopened:
        words.append(
            _("“%(offer)s” could not reopen: %(why)s.") % {"offer": left.offer, "why": left.why}
        )
    return " ".join(words)


@require_POST
@staff_view(C.SUSPENSION)
def person_reinstate(request, pk: int):
    _person_in_council_or_404(request, pk)
    form = forms.ReinstateForm(request.POST, offers=_offers_to_reopen(request, pk))
    if form.is_valid():
        result = call_service(
            form,
            safeguarding_suspension.person_reinstate,
            actor=request.user,
            person_id=pk,
            note=form.cleaned_data["note"],
            reopen_offer_ids=form.cleaned_data["reopen_offers"],
        )
        if result is not None:
            messages.success(request, _reinstated_message(result))
            return redirect("staff:person", pk=pk)
    return _person_page(request, pk, status=400, reinstate_form=form)
