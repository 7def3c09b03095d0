"""What Kith tells the person: "What's new", and how they want to be contacted (email, text
message, letter), with the code that proves a mobile number is theirs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.errors import ApplicationError, NotFound
from notifications import selectors as notices
from notifications import services as notice_services

from ..notice_forms import ContactPreferencesForm, MobileCodeForm
from .common import call_service

PREFERENCE_ERRORS = {
    "mobile_invalid": "mobile",
    "mobile_required": "mobile",
    "address_invalid": "postal_address",
    "address_required": "postal_address",
    "quiet_hours": "quiet_start",
    "language": "language",
    "code_too_soon": "mobile",
    "mobile_taken": "mobile",
}


@login_required
def whats_new(request):
    items = notices.whats_new(person=request.user)
    return render(request, "frontend/whats_new.html", {"items": items})


@login_required
def whats_new_open(request, notification_id: int):
    """Follow one item: it is marked read, then its page opens."""
    try:
        link = notice_services.notification_open(
            person=request.user, notification_id=notification_id
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return redirect(link)


@login_required
def whats_new_read_all(request):
    if request.method != "POST":  # a bookmarked or retyped address: show the list
        return redirect("whats_new")
    notice_services.notifications_mark_all_read(person=request.user)
    messages.success(request, _("Everything is marked as read."))
    return redirect("whats_new")


def preference_initial(pref) -> dict:
    """The contact form's starting values from a saved (or default) preference."""
    return {
        "channels": [
            name
            for name, chosen in (
                ("email", pref.by_email),
                ("sms", pref.by_sms),
                ("letter", pref.by_letter),
            )
            if chosen
        ],
        "mobile": pref.mobile,
        "postal_address": pref.postal_address,
        "quiet_start": f"{pref.quiet_start:%H:%M}" if pref.quiet_start else "",
        "quiet_end": f"{pref.quiet_end:%H:%M}" if pref.quiet_end else "",
        "language": pref.language,
    }


def contact_preferences_submit(request, *, person, actor, about: str = ""):
    """The form of how `person` wants to be contacted, saved by `actor` (themselves or staff
    recording it for them, `about` naming the person). Returns (form, saved preference or
    None)."""
    pref = notices.contact_preference_for(person=person)
    form = ContactPreferencesForm(
        request.POST if request.method == "POST" else None,
        initial=preference_initial(pref),
        about=about,
    )
    if request.method != "POST" or not form.is_valid():
        return form, None
    data = form.cleaned_data
    chosen = set(data["channels"])
    saved = call_service(
        form,
        lambda: notice_services.contact_preference_update(
            actor=actor,
            person=person,
            by_email="email" in chosen,
            by_sms="sms" in chosen,
            by_letter="letter" in chosen,
            mobile=data["mobile"],
            postal_address=data["postal_address"],
            quiet_start=data["quiet_start_time"],
            quiet_end=data["quiet_end_time"],
            language=data["language"],
        ),
        field_for=PREFERENCE_ERRORS,
    )
    return form, saved


@login_required
def contact_preferences(request):
    form, saved = contact_preferences_submit(request, person=request.user, actor=request.user)
    if saved is not None:
        if saved.by_sms and saved.mobile and saved.mobile_verified_at is None:
            messages.success(request, _("Saved. Enter the code we texted to your mobile."))
            return redirect("contact_mobile")
        if not (saved.by_email or saved.by_sms or saved.by_letter):
            messages.success(
                request,
                _(
                    "Saved. You chose no email, text or letter, so Kith will not send you "
                    "messages: you will see what is new when you sign in."
                ),
            )
        else:
            messages.success(request, _("How Kith contacts you has been saved."))
        return redirect("account_home")
    pref = notices.contact_preference_for(person=request.user)
    return render(request, "frontend/account/contact.html", {"form": form, "pref": pref})


@login_required
def contact_mobile(request):
    """Type the code texted to the mobile number, or ask for a new one."""
    pref = notices.contact_preference_for(person=request.user)
    if not pref.mobile:
        return redirect("contact_preferences")
    form = MobileCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and request.POST.get("action") == "resend":
        try:
            notice_services.mobile_code_send(person=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("We have sent a new code."))
        return redirect("contact_mobile")
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            lambda: notice_services.mobile_code_confirm(
                person=request.user, code=form.cleaned_data["code"]
            ),
            field="code",
        )
        if done:
            messages.success(request, _("Your mobile number is confirmed. Kith can text you now."))
            return redirect("account_home")
    return render(request, "frontend/account/contact_mobile.html", {"form": form, "pref": pref})
