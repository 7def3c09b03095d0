"""How Kith contacts a person, as staff see and set it: for someone who is not online
(assisted digital), the channels, mobile number (and the code the person reads out) and
address staff record for them; and the people Kith could not reach, to phone instead."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts import selectors as accounts_selectors
from core.audit import audit_record
from frontend.notice_forms import ContactPreferencesForm, MobileCodeForm
from frontend.views.common import call_service
from frontend.views.notices import contact_preferences_submit, preference_initial
from notifications import selectors as notices
from notifications import services as notice_services
from staff_console.access import staff_view
from staff_console.views.base import C, render_staff


def _person(request, pk):
    person = accounts_selectors.person_of_council(council=request.staff_council, person_id=pk)
    if person is None:
        raise Http404("Not found.")
    return person


@staff_view(C.ASSISTED_DIGITAL)
def person_contact(request, pk: int):
    person = _person(request, pk)
    if request.method == "POST" and "code" in request.POST:
        return _confirm_code(request, person)
    if request.method == "GET":
        # The page shows the person's mobile number and postal address.
        audit_record(
            actor=request.user,
            verb="contact.viewed",
            target_type="person",
            target_id=person.pk,
            council=request.staff_council,
        )
    form, saved = contact_preferences_submit(
        request, person=person, actor=request.user, about=person.public_name
    )
    if saved:
        if saved.mobile and saved.mobile_verified_at is None:
            messages.success(
                request, _("Saved. A code has been texted to the number: ask them to read it out.")
            )
            return redirect("staff:person_contact", pk=person.pk)
        messages.success(
            request, _("How Kith contacts %(person)s is saved.") % {"person": person.public_name}
        )
        return redirect("staff:person", pk=person.pk)
    return _page(request, person, form=form, code_form=MobileCodeForm())


def _confirm_code(request, person):
    """The code the person read out on the phone."""
    code_form = MobileCodeForm(request.POST)
    if code_form.is_valid():
        done = call_service(
            code_form,
            lambda: notice_services.mobile_code_confirm(
                person=person, code=code_form.cleaned_data["code"], actor=request.user
            ),
            field="code",
        )
        if done:
            messages.success(
                request,
                _("%(person)s's mobile number is confirmed.") % {"person": person.public_name},
            )
            return redirect("staff:person", pk=person.pk)
    pref = notices.contact_preference_for(person=person)
    form = ContactPreferencesForm(initial=preference_initial(pref), about=person.public_name)
    return _page(request, person, form=form, code_form=code_form)


def _page(request, person, *, form, code_form):
    return render_staff(
        request,
        "person_contact.html",
        {
            "person": person,
            "pref": notices.contact_preference_for(person=person),
            "form": form,
            "form2": code_form,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@staff_view(C.PEOPLE)
def notification_failures(request):
    # Who Kith could not reach, and how: a list of people staff are to phone.
    audit_record(
        actor=request.user, verb="notifications.not_reached_viewed", council=request.staff_council
    )
    return render_staff(
        request,
        "notification_failures.html",
        {"failures": notices.failures_of_council(council_id=request.staff_council.pk)},
    )
