"""Matching rounds: start one (worked out in the background, one at a time per council),
follow its progress or cancel it, review its proposals beside greedy matching, send the ones
staff tick or discard them all."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError, NotFound
from matching import web_selectors as matching_web
from matching.models import Round, RoundProposal
from matching.rounds import failure_said, round_apply, round_discard
from matching.tasks import round_start
from staff_console.access import staff_view
from staff_console.views.base import C, render_staff


class RoundSendForm(forms.Form):
    """The proposals staff tick on the round's page (all of them to begin with)."""

    def __init__(self, *args, proposals: list[RoundProposal], **kwargs):
        kwargs.setdefault("initial", {"proposals": [p.pk for p in proposals]})
        super().__init__(*args, **kwargs)
        self.fields["proposals"] = forms.TypedMultipleChoiceField(
            choices=[(p.pk, p.pk) for p in proposals],
            coerce=int,
            required=False,
            # Drawn by round_detail.html, one checkbox in each proposal's row.
            widget=forms.CheckboxSelectMultiple,
            error_messages={"invalid_choice": _("Choose only proposed matches of this round")},
        )

    def ticked(self) -> set[int]:
        """The proposals to show ticked: as posted, or all of them on a first visit."""
        values = self["proposals"].value() or []
        return {int(v) for v in values if str(v).isdigit()}


def _round_of(request, pk) -> Round:
    rnd = matching_web.round_of_council(council=request.staff_council, round_id=pk)
    if rnd is None:
        raise Http404("Not found.")
    return rnd


def _round_page(request, rnd: Round, *, form: RoundSendForm | None = None, status: int = 200):
    review = matching_web.round_review(round_=rnd)
    form = form or RoundSendForm(proposals=[row.proposal for row in review.rows])
    return render_staff(
        request,
        "round_detail.html",
        {
            "round": rnd,
            "review": review,
            "form": form,
            "ticked": form.ticked(),
            "proposing": rnd.status == Round.Status.PROPOSED,
            "working": rnd.is_active,
            "stopped": rnd.status in (Round.Status.CANCELLED, Round.Status.FAILED),
            "failure": failure_said(rnd.failure) if rnd.failure else "",
            "refresh_seconds": ROUND_REFRESH_SECONDS,
            "stage_number": STAGE_NUMBERS.get(rnd.stage),
        },
        status=status,
    )


# How often the page of a round being worked out reloads itself to show how far it has got.
ROUND_REFRESH_SECONDS = 5
STAGE_NUMBERS: dict[str, int] = {
    Round.Stage.BUILDING.value: 1,
    Round.Stage.SOLVING.value: 2,
    Round.Stage.STORING.value: 3,
}


def _sent_message(result: dict[str, int]) -> str:
    sent = result["sent"]
    words = [
        ngettext(
            "Sent %(count)s proposed match to the people in it.",
            "Sent %(count)s proposed matches to the people in them.",
            sent,
        )
        % {"count": sent}
    ]
    if result["not_sent"]:
        words.append(
            ngettext(
                "%(count)s you left out was not sent.",
                "%(count)s you left out were not sent.",
                result["not_sent"],
            )
            % {"count": result["not_sent"]}
        )
    if result["skipped"]:
        words.append(
            ngettext(
                "%(count)s was no longer possible.",
                "%(count)s were no longer possible.",
                result["skipped"],
            )
            % {"count": result["skipped"]}
        )
    return " ".join(words)


@require_http_methods(["GET", "POST"])
@staff_view(C.MATCHING_ROUNDS)
def rounds(request):
    if request.method == "POST":
        try:
            rnd = round_start(council=request.staff_council, actor=request.user)
        except ApplicationError as exc:
            if exc.code not in ("round_running", "round_not_started"):
                raise
            messages.error(request, exc.message)
            if "round_id" in exc.extra:
                return redirect("staff:round", pk=exc.extra["round_id"])
            return redirect("staff:rounds")
        if rnd.status == Round.Status.PROPOSED:
            messages.success(
                request, _("Round worked out. Review the proposals below before sending.")
            )
        elif rnd.is_active:
            messages.success(
                request, _("Round started. This page shows how far it has got as it works.")
            )
        return redirect("staff:round", pk=rnd.pk)
    items = matching_web.rounds_of_council(council=request.staff_council)
    return render_staff(request, "rounds.html", {"rounds": items})


@require_GET
@staff_view(C.MATCHING_ROUNDS)
def round_detail(request, pk: int):
    return _round_page(request, _round_of(request, pk))


def _send_selected(request, rnd: Round):
    """Send the ticked proposals; with none ticked (or one not of this round) the page comes
    back with the error and nothing is sent."""
    form = RoundSendForm(request.POST, proposals=list(matching_web.round_proposals(round_=rnd)))
    if form.is_valid():
        try:
            result = round_apply(
                staff=request.user, round_id=rnd.pk, proposal_ids=form.cleaned_data["proposals"]
            )
        except ApplicationError as exc:
            if exc.code not in ("round_nothing_selected", "round_proposal_unknown"):
                raise
            form.add_error("proposals", exc.message)
        else:
            messages.success(request, _sent_message(result))
            return redirect("staff:round", pk=rnd.pk)
    return _round_page(request, rnd, form=form, status=400)


@require_POST
@staff_view(C.MATCHING_ROUNDS)
def round_decide(request, pk: int, decision: str):
    rnd = _round_of(request, pk)
    try:
        if decision == "apply":
            return _send_selected(request, rnd)
        done = round_discard(staff=request.user, round_id=rnd.pk)
        if done.status == Round.Status.CANCELLED:
            messages.success(request, _("Round cancelled. Nothing from it was kept."))
        elif done.is_active:
            messages.success(
                request,
                _("Cancelling the round: it stops at its next step and keeps none of its work."),
            )
        else:
            messages.success(request, _("Round discarded. Nobody was told about it."))
    except NotFound:
        raise Http404("Not found.") from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("staff:round", pk=rnd.pk)
