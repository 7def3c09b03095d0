"""The signed-in person's home page and account: profile, home postcode, download my data,
delete my account. Email and password changes are allauth's pages in Kith's design."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.drafts import form_drafts_of
from accounts.selectors import web_profile_for
from accounts.services import person_set_home
from marketplace import selectors as market
from matching import web_selectors as matching_web
from notifications import selectors as notices
from partners.selectors import is_referrer
from privacy.erasure import person_erase
from privacy.export import person_data_export

from ..forms import DeleteAccountForm, PostcodeForm
from .common import about_you_submit, call_service, home_required
from .onboarding import POSTCODE_ERRORS


def home_or_dashboard(request):
    """The landing page for visitors; signed-in people go to their home page, and council
    staff to the staff console (where sign-in sends everyone)."""
    from accounts.selectors import staff_membership_for

    from .pages import home

    if request.user.is_authenticated:
        if staff_membership_for(user=request.user) is not None:
            try:
                return redirect(reverse("staff:home"))
            except NoReverseMatch:
                pass
        if is_referrer(request.user.pk):
            return redirect("referrals")
        return redirect("dashboard")
    return home(request)


# The forms asked one question per page whose drafts the home page offers back: where each
# carries on, and what it is.
UNFINISHED = {
    "need_draft": ("need_new", gettext_lazy("Your request for help")),
    "offer_draft": ("offer_new", gettext_lazy("Your offer of help")),
}


def unfinished_forms(*, person) -> list[dict]:
    return [
        {"url": reverse(UNFINISHED[d.form][0]), "what": UNFINISHED[d.form][1], "when": d.updated_at}
        for d in form_drafts_of(person=person)
        if d.form in UNFINISHED and d.answers
    ]


@home_required
def dashboard(request):
    user = request.user
    profile = web_profile_for(user=user)
    needs = list(market.needs_of_owner(user=user)[:5])
    offers = list(market.offers_of_helper(user=user)[:5])
    waiting = matching_web.matches_waiting_for(user=user)
    return render(
        request,
        "frontend/dashboard.html",
        {
            "profile": profile,
            "needs": needs,
            "offers": offers,
            "waiting": waiting,
            "live": matching_web.live_matches_for(user=user),
            "with_news": notices.conversations_with_news(person=user),
            "items": notices.whats_new(person=user, limit=5),
            "unfinished": unfinished_forms(person=user),
        },
    )


@login_required
def account_home(request):
    return render(
        request, "frontend/account/home.html", {"profile": web_profile_for(user=request.user)}
    )


@login_required
def account_profile(request):
    form, done = about_you_submit(request)
    if done:
        messages.success(request, _("Your details have been saved."))
        return redirect("account_home")
    return render(request, "frontend/account/profile.html", {"form": form})


@login_required
def account_postcode(request):
    form = PostcodeForm(
        request.POST if request.method == "POST" else None,
        initial={"postcode": request.user.home_postcode},
    )
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            lambda: person_set_home(user=request.user, postcode=form.cleaned_data["postcode"]),
            field_for=POSTCODE_ERRORS,
            field="postcode",
        )
        if done:
            messages.success(request, _("Your postcode has been saved."))
            return redirect("account_home")
    return render(
        request,
        "frontend/onboarding/postcode.html",
        {"form": form, "back_url": reverse("account_home")},
    )


@login_required
def account_download(request):
    if request.method == "POST":
        data = person_data_export(user=request.user)
        body = json.dumps(data, indent=2, ensure_ascii=False)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="kith-my-data-{stamp}.json"'
        return response
    return render(request, "frontend/account/download.html")


@login_required
def account_delete(request):
    from core.errors import ApplicationError
    from privacy.erasure import self_erasure_hold

    on_hold = self_erasure_hold(person=request.user)
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and on_hold is None and form.is_valid():
        user = request.user
        try:
            person_erase(person=user)
        except ApplicationError as exc:  # a hold that began after the check above
            on_hold = exc.message
        else:
            logout(request)
            messages.success(request, _("Your account has been deleted."))
            return redirect("home")
    return render(request, "frontend/account/delete.html", {"form": form, "on_hold": on_hold})
