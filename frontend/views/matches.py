"""A match between a need and an offer, from either side: agree or say no, messages, marking
the help done, feedback and raising a concern."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from arrangements import selectors as arrangements
from core.errors import ApplicationError, NotFound
from matching import profiles as matching_profiles
from matching import selectors as matching
from matching import services as matching_services
from matching import web_selectors as matching_web
from matching.models import Match
from notifications import selectors as notices
from notifications import services as notice_services
from safeguarding import reports as safeguarding_reports
from trust.models import Report

from ..match_forms import ConcernForm, DeclineForm, FeedbackForm, MessageForm
from .common import call_service, home_required, not_found_as_404


def _party_match(request, match_id: int) -> tuple[Match, str]:
    """The match if the signed-in person is one of its two people; otherwise 404."""
    match = not_found_as_404(lambda: matching.match_get(user=request.user, match_id=match_id))
    role = matching.match_role(user=request.user, match=match)
    if role not in ("citizen", "helper"):
        raise Http404("Not found.")
    return match, role


def _other_person(match: Match, role: str):
    return match.offer.helper if role == "citizen" else match.need.owner


def _my_agreement(match: Match, role: str):
    return match.citizen_agreed_at if role == "citizen" else match.helper_agreed_at


@home_required
def match_detail(request, match_id: int):
    match, role = _party_match(request, match_id)
    form = MessageForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        sent = call_service(
            form,
            lambda: matching_services.message_send(
                user=request.user, match_id=match.pk, body=form.cleaned_data["body"]
            ),
            field="body",
        )
        if sent:
            messages.success(request, _("Your message has been sent."))
            return redirect("match_detail", match_id=match.pk)
    can_message = match.status in matching_services.MESSAGE_OPEN_STATUSES
    unsent = ""
    if request.method == "POST" and not can_message:
        # The match ended meanwhile (another tab, the other person): the form is no longer
        # on the page, so its refusal is the page's message, and the words typed are shown
        # back to keep.
        for error in form.errors.get("body", []):
            messages.error(request, str(error))
        unsent = request.POST.get("body", "").strip()
        form = MessageForm()
    conversation = (
        not_found_as_404(
            lambda: matching_services.message_list(user=request.user, match_id=match.pk)
        )
        if match.status in matching_services.MESSAGE_OPEN_STATUSES
        else []
    )
    left_feedback = matching_web.feedback_left(match=match, author=request.user)
    last_read = notices.conversation_read_at(person=request.user, match_id=match.pk)
    arrangement = arrangements.arrangement_of_match(match)
    notice_services.conversation_read(person=request.user, match_id=match.pk)
    return render(
        request,
        "frontend/matches/detail.html",
        {
            "match": match,
            "role": role,
            "other": _other_person(match, role),
            "helper_profile": (
                matching_profiles.profiles_for_offers([match.offer])[match.offer_id]
                if role == "citizen"
                else None
            ),
            "i_agreed": _my_agreement(match, role) is not None,
            "conversation": conversation,
            "form": form,
            "can_message": can_message,
            "unsent": unsent,
            "left_feedback": left_feedback,
            "last_read": last_read,
            "arrangement": arrangement,
            "recurring": arrangement is not None and arrangements.is_recurring(arrangement),
            "next_visit": arrangements.next_visit(arrangement) if arrangement else None,
        },
    )


def _step(request, match_id: int, action, success: str):
    try:
        action()
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("match_detail", match_id=match_id)


@require_POST
@home_required
def match_accept(request, match_id: int):
    match, role = _party_match(request, match_id)
    try:
        accepted = matching_services.match_accept(user=request.user, match_id=match.pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        other = _other_person(accepted, role).public_name
        messages.success(
            request,
            _("You have accepted. You can now send %(name)s messages to arrange the help.")
            % {"name": other}
            if accepted.status == Match.Status.ACCEPTED
            else _("You have said yes. We are waiting for %(name)s to agree.") % {"name": other},
        )
    return redirect("match_detail", match_id=match.pk)


@require_POST
@home_required
def match_start(request, match_id: int):
    match, _role = _party_match(request, match_id)
    return _step(
        request,
        match.pk,
        lambda: matching_services.match_start(user=request.user, match_id=match.pk),
        _("You have marked the help as started."),
    )


@home_required
def match_complete(request, match_id: int):
    match, role = _party_match(request, match_id)
    if request.method == "POST":
        try:
            matching_services.match_complete(user=request.user, match_id=match.pk)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("match_detail", match_id=match.pk)
        messages.success(request, _("Thank you. The help is marked as done."))
        return redirect("match_feedback", match_id=match.pk)
    return render(
        request,
        "frontend/matches/complete.html",
        {"match": match, "other": _other_person(match, role)},
    )


@home_required
def match_decline(request, match_id: int):
    match, role = _party_match(request, match_id)
    form = DeclineForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            matching_services.match_decline(
                user=request.user, match_id=match.pk, reason=form.cleaned_data["reason"]
            )
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ApplicationError as exc:
            if exc.code == "invalid_transition":
                # The match moved on (another tab, the other person): its page says where it
                # is and what can still be done; the reason box was never the problem.
                messages.error(request, exc.message)
                return redirect("match_detail", match_id=match.pk)
            form.add_service_error("reason", exc.message)
        else:
            messages.success(request, _("You have said no to this match."))
            return redirect("needs_mine" if role == "citizen" else "helping")
    return render(
        request,
        "frontend/matches/decline.html",
        {"match": match, "other": _other_person(match, role), "form": form},
    )


@home_required
def match_feedback(request, match_id: int):
    match, role = _party_match(request, match_id)
    if request.method == "GET" and matching_web.feedback_left(match=match, author=request.user):
        # Said before the form is filled in (the "how did it go?" email links here).
        messages.success(request, _("You have already left feedback for this match. Thank you."))
        return redirect("match_detail", match_id=match.pk)
    form = FeedbackForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            lambda: matching_services.feedback_leave(
                user=request.user,
                match_id=match.pk,
                rating=int(form.cleaned_data["rating"]),
                comment=form.cleaned_data["comment"],
            ),
            field="rating",
        )
        if done:
            messages.success(request, _("Thank you for your feedback."))
            return redirect("match_detail", match_id=match.pk)
    return render(
        request,
        "frontend/matches/feedback.html",
        {"match": match, "other": _other_person(match, role), "form": form},
    )


@home_required
def match_concern(request, match_id: int):
    """Raise a concern about the other person in a match: a Report for the council's team."""
    match, role = _party_match(request, match_id)
    other = _other_person(match, role)
    form = ConcernForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            lambda: safeguarding_reports.report_create(
                reporter=request.user,
                target_type=Report.TargetType.PERSON,
                target_id=other.pk,
                reason=form.cleaned_data["reason"],
                council=match.council,
            ),
            field="reason",
        )
        if done:
            messages.success(
                request,
                _("Thank you for telling us. The council's safeguarding team will look at it."),
            )
            return redirect("match_detail", match_id=match.pk)
    return render(
        request, "frontend/matches/concern.html", {"match": match, "other": other, "form": form}
    )
