"""Safeguarding concerns: the list, raising one about a person, and the concern's page with its
owner, notes and closing."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors as accounts_selectors
from accounts.permissions import staff_can
from core.audit import audit_record
from core.errors import NotFound
from staff_console import forms
from staff_console.access import staff_view
from staff_console.views.base import C, call_service, render_staff
from trust import concerns as trust_concerns
from trust.models import SafeguardingConcern


@require_GET
@staff_view(C.SAFEGUARDING)
def concerns(request):
    status = request.GET.get("status", "")
    if status not in SafeguardingConcern.Status.values:
        status = ""
    items = trust_concerns.concerns_for_council(council=request.staff_council, status=status)
    return render_staff(
        request,
        "concerns.html",
        {"concerns": items, "status": status, "statuses": SafeguardingConcern.Status.choices},
    )


@require_http_methods(["GET", "POST"])
@staff_view(C.CONSOLE)
def concern_raise(request):
    person_id = request.GET.get("person") or request.POST.get("person") or ""
    person = (
        accounts_selectors.person_of_council(council=request.staff_council, person_id=person_id)
        if person_id.isdigit()
        else None
    )
    if person is None:
        raise Http404("Not found.")
    form = forms.ConcernRaiseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            concern = call_service(
                form,
                trust_concerns.concern_raise,
                actor=request.user,
                about_id=person.pk,
                **form.cleaned_data,
            )
            if concern is not None:
                messages.success(request, _("Concern raised. The safeguarding lead will see it."))
                if staff_can(request.user, C.SAFEGUARDING):
                    return redirect("staff:concern", pk=concern.pk)
                return redirect("staff:home")
        status = 400
    return render_staff(
        request, "concern_raise.html", {"form": form, "person": person}, status=status
    )


def _concern_page(request, concern, status=200, **forms_):
    council = request.staff_council
    owners = trust_concerns.safeguarding_staff(council=council)
    context = {
        "concern": concern,
        "notes": trust_concerns.concern_notes(concern=concern),
        "assign_form": forms_.get("assign_form")
        or forms.ConcernAssignForm(
            owners=owners,
            initial={"owner": concern.owner_id, "priority": concern.priority},
        ),
        "note_form": forms_.get("note_form") or forms.ConcernNoteForm(),
        "close_form": forms_.get("close_form") or forms.ConcernCloseForm(),
        "suspend_form": forms.SuspendForm(initial={"concern": concern.pk}),
        "history": trust_concerns.concern_history(council=council, concern=concern),
        # The reasons typed when suspending from this concern live on the suspensions.
        "suspensions": trust_concerns.concern_suspensions(council=council, concern=concern),
    }
    # The page shows the error summary for whichever form was sent.
    context["form"] = (
        forms_.get("assign_form") or forms_.get("note_form") or forms_.get("close_form")
    )
    return render_staff(request, "concern_detail.html", context, status=status)


def _concern(request, pk) -> SafeguardingConcern:
    try:
        return trust_concerns.concern_for_staff(actor=request.user, concern_id=pk)
    except NotFound:
        raise Http404("Not found.") from None


@require_GET
@staff_view(C.SAFEGUARDING)
def concern_detail(request, pk: int):
    concern = _concern(request, pk)
    audit_record(
        actor=request.user,
        verb="concern.viewed",
        target=concern,
        data={"person_id": concern.about_id},
    )
    return _concern_page(request, concern)


def _concern_action(request, pk: int, *, form, form_key: str, service, values, success: str):
    """A POST on a concern's page: run `service` with `values(cleaned_data)`; on success go
    back to the concern, otherwise show its page again with this form's errors."""
    concern = _concern(request, pk)
    if form.is_valid() and call_service(
        form, service, actor=request.user, concern_id=concern.pk, **values(form.cleaned_data)
    ):
        messages.success(request, success)
        return redirect("staff:concern", pk=concern.pk)
    concern.refresh_from_db()
    return _concern_page(request, concern, status=400, **{form_key: form})


@require_POST
@staff_view(C.SAFEGUARDING)
def concern_assign(request, pk: int):
    owners = trust_concerns.safeguarding_staff(council=request.staff_council)
    return _concern_action(
        request,
        pk,
        form=forms.ConcernAssignForm(request.POST, owners=owners),
        form_key="assign_form",
        service=trust_concerns.concern_assign,
        values=lambda d: {"owner_id": int(d["owner"]), "priority": d["priority"]},
        success=_("Owner and priority saved."),
    )


@require_POST
@staff_view(C.SAFEGUARDING)
def concern_note(request, pk: int):
    return _concern_action(
        request,
        pk,
        form=forms.ConcernNoteForm(request.POST),
        form_key="note_form",
        service=trust_concerns.concern_add_note,
        values=lambda d: {"body": d["body"]},
        success=_("Note added."),
    )


@require_POST
@staff_view(C.SAFEGUARDING)
def concern_close(request, pk: int):
    return _concern_action(
        request,
        pk,
        form=forms.ConcernCloseForm(request.POST),
        form_key="close_form",
        service=trust_concerns.concern_close,
        values=lambda d: {"outcome": d["outcome"], "note": d["note"]},
        success=_("Concern closed."),
    )
