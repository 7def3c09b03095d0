"""Getting started: what the person came to do, their postcode and a few details."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.selectors import web_profile_for
from accounts.services import person_set_home, web_profile_set_role

from ..forms import PostcodeForm, RoleForm
from .common import about_you_submit, call_service

POSTCODE_ERRORS = {
    "postcode_missing": "postcode",
    "postcode_invalid": "postcode",
    "postcode_unknown": "postcode",
    "out_of_area": "postcode",
}


@login_required
def start_role(request):
    profile = web_profile_for(user=request.user)
    form = RoleForm(
        request.POST if request.method == "POST" else None,
        initial={"role": profile.role if profile.pk else None},
    )
    if request.method == "POST" and form.is_valid():
        web_profile_set_role(user=request.user, role=form.cleaned_data["role"])
        return redirect("start_postcode")
    return render(request, "frontend/onboarding/role.html", {"form": form})


@login_required
def start_postcode(request):
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
            return redirect("start_about")
    return render(
        request,
        "frontend/onboarding/postcode.html",
        {"form": form, "back_url": reverse("start_role")},
    )


@login_required
def start_about(request):
    if request.user.home_location is None:
        return redirect("start_postcode")
    user = request.user
    form, done = about_you_submit(request)
    if done:
        profile = web_profile_for(user=user)
        profile = web_profile_set_role(user=user, role=profile.role, onboarded=True)
        if profile.role == profile.Role.NEED:
            return redirect("need_new")
        if profile.role == profile.Role.HELP:
            return redirect("offer_new")
        return redirect("dashboard")
    return render(request, "frontend/onboarding/about.html", {"form": form})
