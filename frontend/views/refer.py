"""The pages of a partner organisation's referrers, at /refer/: their own referrals and the
stage each has reached, and recording a new one with the person's consent.

`referrer_view` lets in only an active referrer, in a session that used their second factor
(as staff: `accounts.second_factor`); a referrer whose organisation's access is paused sees a
page saying so, and nothing else. Another referrer's referral is "not found". Nothing here
shows a match's messages, the helper, or where anyone lives.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import OfflinePerson
from accounts.second_factor import has_authenticator, second_factor_used
from core.errors import ApplicationError, NotFound
from notifications.selectors import unread_count
from notifications.services import contact_preference_update
from partners import selectors, services
from partners.models import Referral

from ..refer_forms import ReferralForm
from .common import call_service

MFA_MESSAGE = gettext_lazy(
    "Set up an authenticator app before you use Kith's referral pages. Referrers sign in with a "
    "code from the app as well as their email address, to keep people's records safe. You set "
    "it up from the link your council sends to your email address."
)

# Which question a refusal of the services belongs to.
FIELD_FOR = {
    "the_person's_name_missing": "display_name",
    "out_of_area": "postcode",
    "postcode_invalid": "postcode",
    "postcode_unknown": "postcode",
    "not_available": "postcode",
    "route_invalid": "preferred_route",
    "mobile_required": "phone",
    "mobile_invalid": "phone",
    "mobile_taken": "phone",
    "address_required": "address",
    "address_invalid": "address",
    "category_not_allowed": "category",
    "category_off": "category",
    "consent_missing": "consent_by",
    "representative_missing": "consent_representative",
    "consent_date": "day",
    "contact_details": "description",
}


def referrer_view(view):
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        referrer = selectors.referrer_of(user)
        if referrer is None:
            raise PermissionDenied(_("This area is for the referrers of partner organisations."))
        if not second_factor_used(user):
            if has_authenticator(user):
                query = urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
                return redirect(f"{reverse('mfa_reauthenticate')}?{query}")
            messages.warning(request, MFA_MESSAGE)
            return redirect(reverse("mfa_activate_totp"))
        if referrer.organisation.is_suspended:
            return _render(
                request,
                referrer,
                "paused.html",
                {"message": services.PAUSED_MESSAGE},
                status=403,
            )
        request.referrer = referrer
        return view(request, *args, **kwargs)

    wrapper.referrer_only = True
    return wraps(view)(wrapper)


def _nav(request) -> list[dict]:
    unread = unread_count(person=request.user)
    items = [
        (_("Your referrals"), reverse("referrals")),
        (_("Refer someone"), reverse("referral_new")),
        (
            _("What’s new (%(count)s unread)") % {"count": unread} if unread else _("What’s new"),
            reverse("whats_new"),
        ),
        (_("Sign out"), reverse("account_logout")),
    ]
    return [{"text": t, "href": h, "current": request.path == h} for t, h in items]


def _render(request, referrer, template: str, context: dict, status: int = 200):
    context.setdefault("nav_items", _nav(request))
    context.setdefault("organisation", referrer.organisation)
    return render(request, f"frontend/refer/{template}", context, status=status)


@require_GET
@referrer_view
def referrals(request):
    rows = selectors.referrals_of(referrer=request.referrer)
    return _render(request, request.referrer, "list.html", {"rows": rows})


@require_GET
@referrer_view
def referral_detail(request, referral_id: int):
    try:
        row = selectors.referral_of(referrer=request.referrer, referral_id=referral_id)
    except NotFound:
        raise Http404("Not found.") from None
    return _render(request, request.referrer, "detail.html", {"row": row})


@require_http_methods(["GET", "POST"])
@referrer_view
def referral_new(request):
    organisation = request.referrer.organisation
    form = ReferralForm(
        request.POST or None,
        categories=organisation.categories.order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        referral = call_service(form, lambda: _record(request, form), field_for=FIELD_FOR)
        if referral is not None:
            messages.success(
                request,
                _(
                    "Referral number %(number)s is recorded. The council's Kith team will look "
                    "at it, and we will tell you how it goes."
                )
                % {"number": referral.pk},
            )
            return redirect("referral_detail", referral_id=referral.pk)
    return _render(
        request,
        request.referrer,
        "new.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@transaction.atomic
def _record(request, form: ReferralForm) -> Referral:
    """The referral, and how Kith reaches the person (the notifications room's), together."""
    referral = services.referral_record(actor=request.user, **form.service_kwargs())
    route = form.cleaned_data["preferred_route"]
    address = form.cleaned_data["address"]
    if route == OfflinePerson.Route.LETTER and not address.strip():
        raise ApplicationError(
            _("Give the postal address letters should go to."), code="address_required"
        )
    person = referral.person
    if person is None:  # just recorded: never
        raise ApplicationError(_("The person could not be recorded."), code="person_missing")
    contact_preference_update(
        actor=request.user,
        person=person,
        by_email=False,
        by_sms=route == OfflinePerson.Route.TEXT,
        by_letter=route == OfflinePerson.Route.LETTER,
        mobile=form.cleaned_data["phone"] if route == OfflinePerson.Route.TEXT else "",
        postal_address=address,
    )
    return referral
