"""Ongoing help, as staff follow it: welfare checks after a visit seems not to have happened
(phone the person, log each call, or pass it to the safeguarding lead), and "still need
help?" follow-ups nobody answered. The services (`arrangements.welfare`,
`arrangements.still_needed`) keep each check to the member's council and audit every step."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from arrangements import still_needed as arrangements_still_needed
from arrangements import welfare as arrangements_welfare
from arrangements.models import StillNeeded, WelfareCall, WelfareCheck
from core.errors import NotFound
from notifications import selectors as notices
from staff_console import forms
from staff_console.access import staff_view
from staff_console.views.base import C, call_service, render_staff

# The tabs of the list: (status, label).
TABS = [
    (WelfareCheck.Status.OPEN, gettext_lazy("Open")),
    (WelfareCheck.Status.CLOSED, gettext_lazy("Closed")),
    (WelfareCheck.Status.ESCALATED, gettext_lazy("Passed to the safeguarding lead")),
]
ESCALATE_PREFIX = "escalate"


@require_GET
@staff_view(C.WELFARE)
def welfare_checks(request):
    status = request.GET.get("status", WelfareCheck.Status.OPEN)
    if status not in WelfareCheck.Status.values:
        status = WelfareCheck.Status.OPEN
    checks = arrangements_welfare.welfare_checks_for_staff(actor=request.user, status=status)
    return render_staff(
        request,
        "welfare_checks.html",
        {"checks": checks, "status": status, "tabs": TABS},
    )


def _check_or_404(request, check_id: int) -> WelfareCheck:
    try:
        return arrangements_welfare.welfare_check_for_staff(actor=request.user, check_id=check_id)
    except NotFound:
        raise Http404("Not found.") from None


def _check_page(request, check, *, call_form=None, escalate_form=None, status=200, recent=None):
    arrangement = check.arrangement
    match = arrangement.match if arrangement else None
    context = {
        "check": check,
        "person": check.person,
        "contact": notices.contact_preference_for(person=check.person),
        "category": match.need.category if match else None,
        "helper": match.offer.helper if match else None,
        "calls": arrangements_welfare.welfare_calls(check=check),
        "recent": recent or [],
        "call_form": call_form or forms.WelfareCallForm(),
        "escalate_form": escalate_form or forms.WelfareEscalateForm(prefix=ESCALATE_PREFIX),
        "form": call_form,
        "form2": escalate_form,
    }
    return render_staff(request, "welfare_check.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_view(C.WELFARE)
def welfare_check(request, check_id: int):
    if request.method == "GET":
        try:
            check, recent = arrangements_welfare.welfare_check_view(
                actor=request.user, check_id=check_id
            )
        except NotFound:
            raise Http404("Not found.") from None
        return _check_page(request, check, recent=recent)
    check = _check_or_404(request, check_id)
    if request.POST.get("action") == "escalate":
        escalate_form = forms.WelfareEscalateForm(request.POST, prefix=ESCALATE_PREFIX)
        if escalate_form.is_valid() and call_service(
            escalate_form,
            arrangements_welfare.welfare_escalate,
            actor=request.user,
            check_id=check.pk,
            note=escalate_form.cleaned_data["note"],
        ):
            messages.success(
                request,
                _(
                    "Passed to the safeguarding lead as an urgent safeguarding concern about "
                    "%(person)s."
                )
                % {"person": check.person.public_name},
            )
            return redirect("staff:welfare_check", check_id=check.pk)
        return _check_page(request, check, escalate_form=escalate_form, status=400)
    call_form = forms.WelfareCallForm(request.POST)
    if call_form.is_valid():
        call = call_service(
            call_form,
            arrangements_welfare.welfare_call_record,
            actor=request.user,
            check_id=check.pk,
            result=call_form.cleaned_data["result"],
            note=call_form.cleaned_data["note"],
        )
        if call is not None:
            if call.result == WelfareCall.Result.NOT_REACHED:
                messages.success(
                    request,
                    _(
                        "The call is logged. The check stays open: try again, or pass it to the "
                        "safeguarding lead."
                    ),
                )
            else:
                messages.success(request, _("The call is logged and the welfare check is closed."))
            return redirect("staff:welfare_check", check_id=check.pk)
    return _check_page(request, check, call_form=call_form, status=400)


# --- "Still need help?" -------------------------------------------------------------------
WHY = {
    StillNeeded.Reason.PERIODIC: gettext_lazy(
        "They did not answer “Do you still need help?”, nor the reminder"
    ),
    StillNeeded.Reason.NOBODY_HELPING: gettext_lazy("Its time ran out and nobody could help"),
}


def _still_needed_page(request, *, form=None, status=200):
    rows = list(arrangements_still_needed.still_needed_for_staff(actor=request.user))
    for row in rows:
        row.why = WHY.get(row.reason, row.get_reason_display())
    return render_staff(
        request,
        "still_needed.html",
        {"rows": rows, "resolutions": arrangements_still_needed.Resolution.CHOICES, "form": form},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_view(C.WELFARE)
def still_needed(request):
    if request.method == "GET":
        return _still_needed_page(request)
    form = forms.StillNeededResolveForm(request.POST)
    if form.is_valid():
        row = call_service(
            form,
            arrangements_still_needed.still_needed_resolve,
            actor=request.user,
            row_id=form.cleaned_data["row"],
            resolution=form.cleaned_data["resolution"],
        )
        if row is not None:
            if row.resolution == arrangements_still_needed.Resolution.CLOSE:
                messages.success(request, _("“%(need)s” is closed.") % {"need": row.need.title})
            else:
                messages.success(request, _("“%(need)s” stays open.") % {"need": row.need.title})
            return redirect("staff:still_needed")
    if "row" in form.errors:
        form.add_error(None, _("Choose which request you mean."))
    return _still_needed_page(request, form=form, status=400)
