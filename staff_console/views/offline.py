"""People who are not online: staff record one (with their consent, after looking at any
possible duplicates), and send them a one-time code to go online later."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors as accounts_selectors
from core.errors import ApplicationError, NotFound
from notifications import offline_people
from staff_console.access import staff_view
from staff_console.offline_forms import ClaimCodeSendForm, OfflinePersonForm
from staff_console.views.base import C, render_staff

# Which question a refusal of the service belongs to.
FIELD_FOR = {
    "name_missing": "display_name",
    "out_of_area": "postcode",
    "postcode_invalid": "postcode",
    "postcode_unknown": "postcode",
    "mobile_required": "phone",
    "mobile_invalid": "phone",
    "mobile_taken": "phone",
    "phone_invalid": "phone",
    "address_required": "address",
    "address_invalid": "address",
    "route_invalid": "preferred_route",
    "consent_missing": "consent_how",
    "possible_duplicate": "confirmed_not_duplicate",
}


@require_http_methods(["GET", "POST"])
@staff_view(C.ASSISTED_DIGITAL)
def person_offline_new(request):
    """Add a person who is not online: no email, reached by text message or letter."""
    form = OfflinePersonForm(request.POST or None)
    duplicates: list = []
    if request.method == "POST" and form.is_valid():
        try:
            person = offline_people.person_create_offline(
                actor=request.user, council=request.staff_council, **form.cleaned_data
            )
        except NotFound:
            raise Http404("Not found.") from None
        except offline_people.PossibleDuplicates as exc:
            duplicates = exc.duplicates
            form.add_error("confirmed_not_duplicate", exc.message)
        except ApplicationError as exc:
            form.add_error(FIELD_FOR.get(exc.code or ""), exc.message)
        else:
            if form.cleaned_data["preferred_route"] == "text":
                messages.success(
                    request,
                    _(
                        "%(person)s is recorded. Kith has texted a code to their mobile: "
                        "ask them to read it out."
                    )
                    % {"person": person.public_name},
                )
                return redirect("staff:person_contact", pk=person.pk)
            messages.success(request, _("%(person)s is recorded.") % {"person": person.public_name})
            return redirect("staff:person", pk=person.pk)
    return render_staff(
        request,
        "person_offline_new.html",
        {"form": form, "duplicates": duplicates},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@staff_view(C.ASSISTED_DIGITAL)
def person_claim_code(request, pk: int):
    """Send the person a one-time code, by text or letter, to go online."""
    person = accounts_selectors.person_of_council(council=request.staff_council, person_id=pk)
    if person is None:
        raise Http404("Not found.")
    form = ClaimCodeSendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a text message or a letter."))
        return redirect("staff:person", pk=person.pk)
    try:
        offline_people.claim_code_send(
            actor=request.user, person=person, channel=form.cleaned_data["channel"]
        )
    except NotFound:
        raise Http404("Not found.") from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        sent = (
            _("A code to go online has been texted to %(person)s.")
            if form.cleaned_data["channel"] == "text"
            else _("A code to go online has been sent by letter to %(person)s.")
        )
        messages.success(request, sent % {"person": person.public_name})
    return redirect("staff:person", pk=person.pk)
