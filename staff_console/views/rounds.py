"""Matching rounds: work one out, review its proposals, send or discard them."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError, NotFound
from matching import web_selectors as matching_web
from matching.models import Round
from matching.rounds import round_apply, round_discard, round_run
from staff_console.access import staff_view
from staff_console.views.base import C, render_staff


def _round_of(request, pk) -> Round:
    rnd = matching_web.round_of_council(council=request.staff_council, round_id=pk)
    if rnd is None:
        raise Http404("Not found.")
    return rnd


@require_http_methods(["GET", "POST"])
@staff_view(C.MATCHING_ROUNDS)
def rounds(request):
    if request.method == "POST":
        rnd = round_run(council=request.staff_council, actor=request.user)
        messages.success(request, "Round worked out. Review the proposals below before sending.")
        return redirect("staff:round", pk=rnd.pk)
    items = matching_web.rounds_of_council(council=request.staff_council)
    return render_staff(request, "rounds.html", {"rounds": items})


@require_GET
@staff_view(C.MATCHING_ROUNDS)
def round_detail(request, pk: int):
    rnd = _round_of(request, pk)
    proposals = list(matching_web.round_proposals(round_=rnd))
    return render_staff(request, "round_detail.html", {"round": rnd, "proposals": proposals})


@require_POST
@staff_view(C.MATCHING_ROUNDS)
def round_decide(request, pk: int, decision: str):
    rnd = _round_of(request, pk)
    try:
        if decision == "apply":
            result = round_apply(staff=request.user, round_id=rnd.pk)
            messages.success(
                request,
                f"Sent {result['proposed']} proposed matches to the people in them"
                + (f"; {result['skipped']} were no longer possible." if result["skipped"] else "."),
            )
        else:
            round_discard(staff=request.user, round_id=rnd.pk)
            messages.success(request, "Round discarded. Nobody was told about it.")
    except NotFound:
        raise Http404("Not found.") from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("staff:round", pk=rnd.pk)
