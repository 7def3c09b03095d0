"""Going online: a person Kith reaches by text or letter claims an online account with the
one-time code it sent them (`accounts.claims`), then chooses an email address (confirmed by
the link allauth emails, as at sign-up) and a password."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.claims import account_claim, claim_code_check
from notifications.offline_people import claim_code_request_by_phone

from ..claim_forms import ClaimAccountForm, ClaimAskForm, ClaimCodeForm
from .common import call_service

SESSION_KEY = "claim_code_id"
TOO_MANY = gettext_lazy(
    "Too many tries. Please wait a few minutes and try again, or call the council."
)


def _limited(request, key: str) -> bool:
    """Allauth's rate limits (`ACCOUNT_RATE_LIMITS["claim_account"]`), per address and key."""
    return not ratelimit.consume(request, action="claim_account", key=key.lower())


@require_http_methods(["GET", "POST"])
def claim_ask(request):
    """Ask for a code by text, with the mobile number Kith has for you."""
    form = ClaimAskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _limited(request, form.cleaned_data["phone"]):
            form.add_error(None, TOO_MANY)
        else:
            claim_code_request_by_phone(phone=form.cleaned_data["phone"])
            messages.success(
                request,
                _(
                    "If Kith has this number for someone who is not online yet, we have texted a "
                    "code to it. It works for 30 minutes."
                ),
            )
            return redirect("claim_account")
    return render(request, "frontend/claim/ask.html", {"form": form})


@require_http_methods(["GET", "POST"])
def claim_account(request):
    """Enter the code with your mobile number or your letter's reference."""
    form = ClaimCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _limited(request, data["phone"] or data["reference"]):
            form.add_error(None, TOO_MANY)
        else:
            code = call_service(
                form,
                lambda: claim_code_check(
                    code=data["code"], phone=data["phone"], reference=data["reference"]
                ),
                field="code",
            )
            if code is not None:
                request.session[SESSION_KEY] = code.pk
                return redirect("claim_account_details")
    return render(
        request, "frontend/claim/code.html", {"form": form}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def claim_account_details(request):
    """Choose the email address and password of your online account."""
    code_id = request.session.get(SESSION_KEY)
    if code_id is None:
        return redirect("claim_account")
    form = ClaimAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = call_service(
            form,
            lambda: account_claim(
                claim_code_id=code_id, email=data["email"], password=data["password1"]
            ),
            field_for={"email_taken": "email", "email_invalid": "email"},
            field="password1",
        )
        if person is not None:
            request.session.pop(SESSION_KEY, None)
            address = EmailAddress.objects.get_primary(person)
            if address is not None:
                address.send_confirmation(request, signup=True)
            messages.success(
                request,
                _(
                    "Your online account is ready. We have emailed you a link: follow it to "
                    "confirm your email address, then sign in."
                ),
            )
            return redirect("account_login")
    return render(
        request,
        "frontend/claim/account.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
