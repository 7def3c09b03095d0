"""Helper checks: record a DBS or reference check for a helper, list those expiring, revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors as accounts_selectors
from marketplace import selectors as marketplace_selectors
from safeguarding import checks as safeguarding_checks
from staff_console import forms
from staff_console.access import staff_view
from staff_console.views.base import C, call_service, render_staff
from trust import checks as trust_checks


def _checks_page(request, form, status=200):
    council = request.staff_council
    return render_staff(
        request,
        "checks.html",
        {
            "form": form,
            "expiring": list(trust_checks.helper_checks_expiring(council=council)),
            "recent": list(trust_checks.helper_checks_of_council(council=council)[:50]),
            "levels": marketplace_selectors.categories_by_level(),
            "today": timezone.localdate(),
            "revoke_form": forms.RevokeCheckForm(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_view(C.HELPER_CHECKS)
def checks(request):
    if request.method == "GET":
        return _checks_page(request, forms.HelperCheckForm())
    form = forms.HelperCheckForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        helper = accounts_selectors.person_of_council_by_email(
            council=request.staff_council, email=data["email"]
        )
        if helper is None:
            form.add_error(
                "email", "No one with that email address is registered in your council's area."
            )
        else:
            check = call_service(
                form,
                trust_checks.helper_check_record,
                actor=request.user,
                helper_id=helper.pk,
                kind=data["kind"],
                issued_on=data["issued_on"],
                expires_on=data["expires_on"],
                certificate_last4=data["certificate_last4"],
            )
            if check is not None:
                messages.success(
                    request, f"{check.get_kind_display()} recorded for {helper.public_name}."
                )
                return redirect("staff:checks")
    return _checks_page(request, form, status=400)


@require_POST
@staff_view(C.HELPER_CHECKS)
def check_revoke(request, pk: int):
    form = forms.RevokeCheckForm(request.POST)
    if form.is_valid():
        check = call_service(
            form,
            safeguarding_checks.helper_check_revoke,
            actor=request.user,
            check_id=pk,
            reason=form.cleaned_data["reason"],
        )
        if check is not None:
            messages.success(request, "The check was revoked. Offers that needed it are paused.")
            return redirect("staff:checks")
    elif (
        not trust_checks.helper_checks_of_council(council=request.staff_council)
        .filter(pk=pk)
        .exists()
    ):
        raise Http404("Not found.")
    for error in form.non_field_errors() or form.errors.get("reason", []):
        messages.error(request, error)
    return redirect("staff:checks")
