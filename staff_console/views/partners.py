"""Partner organisations: a council admin registers and changes them, invites their referrers
(who set up an authenticator app from a one-time link, like staff), sees their referrals per
organisation and per referrer, and pauses or reinstates an organisation's access. Every
change is audited by `partners.services`."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError, NotFound
from partners import selectors, services
from staff_console.access import staff_view
from staff_console.partner_forms import OrganisationForm, ReferrerInviteForm, SuspendForm
from staff_console.views.base import C, call_service, render_staff


def _organisation(request, pk: int):
    try:
        return selectors.organisation_of(council=request.staff_council, organisation_id=pk)
    except NotFound:
        raise Http404("Not found.") from None


@require_http_methods(["GET", "POST"])
@staff_view(C.PARTNERS)
def partners(request):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = call_service(
            form, services.organisation_register, actor=request.user, **form.cleaned_data
        )
        if organisation is not None:
            messages.success(
                request,
                _("%(organisation)s is registered as a partner.")
                % {"organisation": organisation.name},
            )
            return redirect("staff:partner", pk=organisation.pk)
    organisations = list(selectors.organisations_of(council=request.staff_council))
    return render_staff(
        request,
        "partners.html",
        {"organisations": organisations, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def _partner_page(request, organisation, *, form=None, form2=None, suspend_form=None, status=200):
    return render_staff(
        request,
        "partner.html",
        {
            "organisation": organisation,
            "form": form or OrganisationForm(initial=OrganisationForm.initial_of(organisation)),
            "form2": form2 or ReferrerInviteForm(),
            "suspend_form": suspend_form or SuspendForm(),
            "referrers": list(selectors.referrers_of(organisation=organisation)),
            "rows": selectors.referrals_of_organisation(organisation=organisation),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_view(C.PARTNERS)
def partner(request, pk: int):
    """The organisation: its details (changed here), referrers and referrals."""
    organisation = _organisation(request, pk)
    if request.method == "GET":
        return _partner_page(request, organisation)
    form = OrganisationForm(request.POST)
    if form.is_valid() and call_service(
        form,
        services.organisation_update,
        actor=request.user,
        organisation_id=organisation.pk,
        **form.cleaned_data,
    ):
        messages.success(request, _("The organisation's details are saved."))
        return redirect("staff:partner", pk=organisation.pk)
    return _partner_page(request, organisation, form=form, status=400)


@require_POST
@staff_view(C.PARTNERS)
def partner_invite(request, pk: int):
    organisation = _organisation(request, pk)
    form2 = ReferrerInviteForm(request.POST)
    if form2.is_valid() and call_service(
        form2,
        services.referrer_invite,
        actor=request.user,
        organisation_id=organisation.pk,
        base_url=settings.KITH_BASE_URL or request.build_absolute_uri("/"),
        **form2.cleaned_data,
    ):
        messages.success(
            request,
            _("A set-up link has been sent to %(email)s. It works once, for 3 days.")
            % {"email": form2.cleaned_data["email"]},
        )
        return redirect("staff:partner", pk=organisation.pk)
    return _partner_page(request, organisation, form2=form2, status=400)


@require_POST
@staff_view(C.PARTNERS)
def partner_suspend(request, pk: int):
    organisation = _organisation(request, pk)
    suspend_form = SuspendForm(request.POST)
    if suspend_form.is_valid() and call_service(
        suspend_form,
        services.organisation_suspend,
        actor=request.user,
        organisation_id=organisation.pk,
        reason=suspend_form.cleaned_data["reason"],
    ):
        messages.success(
            request, _("%(organisation)s's access is paused.") % {"organisation": organisation.name}
        )
        return redirect("staff:partner", pk=organisation.pk)
    return _partner_page(request, organisation, suspend_form=suspend_form, status=400)


@require_POST
@staff_view(C.PARTNERS)
def partner_reinstate(request, pk: int):
    organisation = _organisation(request, pk)
    try:
        services.organisation_reinstate(actor=request.user, organisation_id=organisation.pk)
    except NotFound:
        raise Http404("Not found.") from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(organisation)s's access is reinstated.") % {"organisation": organisation.name},
        )
    return redirect("staff:partner", pk=organisation.pk)


def _referrer_switch(request, pk: int, *, service, done: str):
    try:
        referrer = service(actor=request.user, referrer_id=pk)
    except NotFound:
        raise Http404("Not found.") from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
        referrer = selectors.referrer_in(council=request.staff_council, referrer_id=pk)
    else:
        name = referrer.user.display_name or referrer.user.email
        messages.success(request, done % {"name": name})
    return redirect("staff:partner_referrer", pk=referrer.pk)


@require_POST
@staff_view(C.PARTNERS)
def partner_referrer_deactivate(request, pk: int):
    """Stop one referrer: no sign-in, no referral pages; their referrals stay for staff."""
    return _referrer_switch(
        request,
        pk,
        service=services.referrer_deactivate,
        done=_("%(name)s is deactivated: they can no longer sign in or refer people."),
    )


@require_POST
@staff_view(C.PARTNERS)
def partner_referrer_reactivate(request, pk: int):
    return _referrer_switch(
        request,
        pk,
        service=services.referrer_reactivate,
        done=_("%(name)s is active again and can sign in and refer people."),
    )


@require_GET
@staff_view(C.PARTNERS)
def partner_referrer(request, pk: int):
    """One referrer's referrals."""
    try:
        referrer = selectors.referrer_in(council=request.staff_council, referrer_id=pk)
    except NotFound:
        raise Http404("Not found.") from None
    return render_staff(
        request,
        "partner_referrer.html",
        {"referrer": referrer, "rows": selectors.referrals_by_referrer(referrer=referrer)},
    )
