"""Keeping safe from another person: blocking them from a match's page (and undoing it from
the account pages), and reporting one message of a conversation to the council."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from matching import services as matching_services
from matching import web_selectors as matching_web
from matching.models import Match, Message
from safeguarding import blocks as safeguarding_blocks
from trust import selectors as trust_selectors

from ..forms import KithForm
from ..match_forms import MessageReportForm
from .common import call_service, home_required, not_found_as_404
from .matches import _other_person, _party_match


@home_required
def match_block(request, match_id: int):
    """Confirm, then block the other person in a match."""
    match, role = _party_match(request, match_id)
    other = _other_person(match, role)
    if other is None or not other.is_active:
        raise Http404("Not found.")
    already = trust_selectors.has_blocked(user=request.user, blocked_id=other.pk)
    form = KithForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not already and form.is_valid():
        done = call_service(
            form,
            lambda: safeguarding_blocks.block_create(blocker=request.user, blocked_id=other.pk),
        )
        if done:
            messages.success(
                request,
                _("You have blocked %(name)s. You can unblock them from your account.")
                % {"name": other.public_name},
            )
            return redirect("account_blocks")
    return render(
        request,
        "frontend/safety/block.html",
        {
            "match": match,
            "other": other,
            "form": form,
            "already": already,
            "live": match.status in Match.LIVE,
            "waiting": match.status == Match.Status.PROPOSED,
        },
    )


@login_required
def account_blocks(request):
    return render(
        request,
        "frontend/safety/blocks.html",
        {"blocks": list(trust_selectors.blocks_of(user=request.user))},
    )


@login_required
def account_unblock(request, person_id: int):
    """Confirm, then unblock someone the person blocked. Anyone else: not found."""
    block = trust_selectors.block_of(user=request.user, blocked_id=person_id)
    if block is None:
        raise Http404("Not found.")
    if request.method == "POST":
        not_found_as_404(
            lambda: safeguarding_blocks.block_delete(blocker=request.user, blocked_id=person_id)
        )
        messages.success(
            request, _("You have unblocked %(name)s.") % {"name": block.blocked.public_name}
        )
        return redirect("account_blocks")
    return render(request, "frontend/safety/unblock.html", {"entry": block})


def _message_from_other(request, match_id: int, message_id: int) -> tuple[Match, Message]:
    """A message the other person in the match sent; anything else is not found."""
    match, _ = _party_match(request, match_id)
    message = matching_web.message_of_match(match=match, message_id=message_id)
    if message is None or message.sender_id == request.user.pk:
        raise Http404("Not found.")
    return match, message


@home_required
def message_report(request, match_id: int, message_id: int):
    match, message = _message_from_other(request, match_id, message_id)
    form = MessageReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        report = call_service(
            form,
            lambda: matching_services.message_report(
                user=request.user, message_id=message.pk, reason=form.report_text()
            ),
            field_for={"reason_missing": "details"},
        )
        if report:
            return redirect("message_report_sent", match_id=match.pk, message_id=message.pk)
    return render(
        request,
        "frontend/safety/report_message.html",
        {"match": match, "message": message, "form": form},
    )


@home_required
def message_report_sent(request, match_id: int, message_id: int):
    match, message = _message_from_other(request, match_id, message_id)
    if not trust_selectors.message_reported_by(user=request.user, message_id=message.pk):
        raise Http404("Not found.")
    return render(request, "frontend/safety/report_sent.html", {"match": match, "message": message})
