"""Helper checks: record a check for a helper (it supersedes the current one of its kind),
the renewal queue, matches held because a check lapsed, DBS Update Service re-checks due and
their results, and revoking a check."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors as accounts_selectors
from core.errors import ApplicationError, NotFound
from marketplace import selectors as marketplace_selectors
from safeguarding import checks as safeguarding_checks
from safeguarding import lapses as safeguarding_lapses
from staff_console import check_forms, forms
from staff_console.access import staff_view
from staff_console.views.base import C, call_service, render_staff
from trust import checks as trust_checks
from trust import vetting as trust_vetting


def _checks_page(request, form, status=200):
    council = request.staff_council
    return render_staff(
        request,
        "checks.html",
        {
            "form": form,
            "expiring": list(trust_checks.helper_checks_expiring(council=council)),
            "window": trust_vetting.vetting_settings(council).renewal_window_days,
            "held": safeguarding_lapses.match_holds_open(council=council),
            "rechecks": list(trust_checks.dbs_rechecks_due(council=council)),
            "status_form": check_forms.DbsStatusForm(),
            "recent": list(trust_checks.helper_checks_of_council(council=council)[:50]),
            "levels": marketplace_selectors.categories_by_level(),
            "today": timezone.localdate(),
            "revoke_form": forms.RevokeCheckForm(),
        },
        status=status,
    )


def _paused_words(result) -> str:
    if result is None or not (result.paused or result.held):
        return _("No offer needed it alone, so nothing was paused.")
    return _(
        "Offers paused: %(paused)s. Matches held for review: %(held)s. Both people were told."
    ) % {"paused": len(result.paused), "held": len(result.held)}


@require_http_methods(["GET", "POST"])
@staff_view(C.HELPER_CHECKS)
def checks(request):
    if request.method == "GET":
        return _checks_page(request, check_forms.CheckRecordForm())
    form = check_forms.CheckRecordForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        helper = accounts_selectors.person_of_council_by_email(
            council=request.staff_council, email=data["email"]
        )
        if helper is None:
            form.add_error(
                "email",
                _("No one with that email address is registered in your council's area."),
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
                referee_name=data["referee_name"],
                certificate_number=data["certificate_number"],
                update_service_consent=data["update_service_consent"],
            )
            if check is not None:
                messages.success(
                    request,
                    _("%(check)s recorded for %(person)s.")
                    % {"check": check.get_kind_display(), "person": helper.public_name},
                )
                return redirect("staff:checks")
    return _checks_page(request, form, status=400)


@require_POST
@staff_view(C.HELPER_CHECKS)
def check_revoke(request, pk: int):
    form = forms.RevokeCheckForm(request.POST)
    if form.is_valid():
        result = call_service(
            form,
            safeguarding_checks.helper_check_revoke,
            actor=request.user,
            check_id=pk,
            reason=form.cleaned_data["reason"],
        )
        if result is not None:
            messages.success(
                request,
                _("The check was revoked. %(consequence)s")
                % {"consequence": _paused_words(result)},
            )
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


@require_POST
@staff_view(C.HELPER_CHECKS)
def check_status(request, pk: int):
    """Record a DBS Update Service status check made by staff."""
    form = check_forms.DbsStatusForm(request.POST)
    if (
        not trust_checks.helper_checks_of_council(council=request.staff_council)
        .filter(pk=pk)
        .exists()
    ):
        raise Http404("Not found.")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("staff:checks")
    try:
        revoked = safeguarding_checks.dbs_status_record(
            actor=request.user,
            check_id=pk,
            result=form.cleaned_data["result"],
            checked_on=form.cleaned_data["checked_on"],
        )
    except NotFound:
        raise Http404("Not found.") from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("staff:checks")
    if revoked is None:
        messages.success(request, _("Status check recorded: the certificate is current."))
    else:
        messages.success(
            request,
            _(
                "Status check recorded: the certificate is not current, so the check was "
                "revoked. %(consequence)s"
            )
            % {"consequence": _paused_words(revoked)},
        )
    return redirect("staff:checks")


@require_POST
@staff_view(C.HELPER_CHECKS)
def hold_release(request, pk: int):
    """Let a held match go on, once its helper holds every check again."""
    try:
        safeguarding_lapses.match_hold_release(actor=request.user, hold_id=pk)
    except NotFound:
        raise Http404("Not found.") from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("staff:checks")
    messages.success(request, _("The match goes on: the helper holds every check it needs."))
    return redirect("staff:checks")
