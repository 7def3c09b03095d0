"""Ongoing help, from either side: the arrangement's visits and changes, "did the visit
happen?", skipping or moving a visit, changing the regular time, agreeing to the other person's
change, ending the arrangement, and the citizen's "do you still need help?".

Words people type here (a note, a skip reason, an end reason) go to council staff only: no
page shows them to the other person."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from arrangements import selectors as arrangements
from arrangements import services as arrangement_services
from arrangements.models import Arrangement, Role, ScheduleChange, Visit
from arrangements.schedule import local_zone, spoken
from arrangements.still_needed import still_needed_answer, still_needed_waiting
from core.errors import ApplicationError, NotFound
from marketplace import selectors as market
from matching.words import said_after

from ..arrangement_forms import (
    ChangeTimeForm,
    CheckInForm,
    DecisionForm,
    EndForm,
    MoveForm,
    SkipForm,
    StillNeededForm,
)
from .common import call_service, home_required, not_found_as_404


def _party(request, arrangement_id: int) -> tuple[Arrangement, str]:
    return not_found_as_404(
        lambda: arrangements.arrangement_for_party(user=request.user, arrangement_id=arrangement_id)
    )


def _other(arrangement: Arrangement, role: str):
    match = arrangement.match
    return match.offer.helper if role == Role.CITIZEN else match.need.owner


def when(visit_or_instant) -> str:
    """A visit's start (or an instant) as people say it after "on" or "to": "Monday 7
    December at 12:00" ("ddydd Llun 7 Rhagfyr am 12:00" in Welsh, after "ar" or "i")."""
    return said_after(spoken(getattr(visit_or_instant, "starts_at", visit_or_instant)))


def _to_detail(arrangement: Arrangement):
    return redirect("arrangement_detail", arrangement_id=arrangement.pk)


def _change_waiting(request, arrangement: Arrangement, role: str) -> bool:
    """Whether a change already waits for an answer, said before a page that asks for
    another is filled in (one change waits at a time; the arrangement's page shows it: to
    the person who asked, with its way to withdraw it; to the other, with its answers). A
    form sent meanwhile is refused by the service and keeps what was typed."""
    change = arrangements.pending_change(arrangement) if request.method == "GET" else None
    if change is None:
        return False
    messages.error(
        request,
        _("A change is already waiting for an answer. Wait for it, or withdraw it first.")
        if change.asked_by_role == role
        else _("A change is waiting for your answer. Answer it first."),
    )
    return True


def _visit_to_change(request, arrangement: Arrangement, visit_id: int) -> Visit | None:
    """A visit still to come of a running arrangement; otherwise None, with a message."""
    visit = not_found_as_404(lambda: arrangements.visit_of(arrangement, visit_id))
    if arrangement.status != Arrangement.Status.RUNNING:
        messages.error(request, _("This arrangement has ended."))
        return None
    if visit.status == Visit.Status.SKIPPED:
        # Skipped meanwhile (in another tab, or by the other person): said as it is.
        messages.error(request, _("This visit was skipped."))
        return None
    if visit.status != Visit.Status.PLANNED or visit.starts_at <= timezone.now():
        messages.error(request, _("Only a visit still to come can be changed."))
        return None
    return visit


# --- The arrangement's page ------------------------------------------------------------------
@home_required
def arrangement_detail(request, arrangement_id: int):
    arrangement, role = _party(request, arrangement_id)
    now = timezone.now()
    upcoming = arrangements.upcoming_visits(arrangement, now=now)
    change = arrangements.pending_change(arrangement)
    running = arrangement.status == Arrangement.Status.RUNNING
    return render(
        request,
        "frontend/arrangements/detail.html",
        {
            "arrangement": arrangement,
            "match": arrangement.match,
            "role": role,
            "other": _other(arrangement, role),
            "running": running,
            "recurring": arrangements.is_recurring(arrangement),
            "times": list(arrangement.times.all()),
            "upcoming": upcoming,
            "awaiting": arrangements.visits_awaiting(arrangement, role, now=now),
            "recent": arrangements.recent_visits(arrangement, now=now),
            "change": change,
            "change_is_mine": change is not None and change.asked_by_role == role,
            "checklist": arrangements.checklist_for(arrangement)
            if running and any(v.is_introduction for v in upcoming)
            else (),
        },
    )


# --- "Did the visit happen?" -----------------------------------------------------------------
@home_required
def visit_check_in(request, arrangement_id: int, visit_id: int):
    arrangement, role = _party(request, arrangement_id)
    visit = not_found_as_404(lambda: arrangements.visit_of(arrangement, visit_id))
    now = timezone.now()
    answered = arrangements.my_answer(visit, role)
    closed = visit.status in (Visit.Status.SKIPPED, Visit.Status.CANCELLED)
    can_answer = not answered and not closed and visit.starts_at <= now
    if request.method == "POST" and answered and not closed:
        # Answered already, in another tab or by text: that answer stands. A helper's worry
        # sent with this one is still passed on; anything else is said not to be saved.
        if role == Role.HELPER and request.POST.get("worried"):
            try:
                arrangement_services.visit_check_in(
                    user=request.user,
                    arrangement_id=arrangement.pk,
                    visit_id=visit.pk,
                    happened=answered == "yes",
                    worried=True,
                )
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _(
                        "Your earlier answer stands. Thank you for telling us you are worried: "
                        "someone from the council will check that %(name)s is all right."
                    )
                    % {"name": _other(arrangement, role).public_name},
                )
                return _to_detail(arrangement)
        else:
            messages.error(
                request, _("Nothing was changed: you had already told us about this visit.")
            )
    form = CheckInForm(
        request.POST if request.method == "POST" and can_answer else None,
        role=role,
        planned_minutes=visit.planned_minutes,
    )
    if request.method == "POST" and can_answer and form.is_valid():
        data = form.cleaned_data
        happened = data["happened"] == "yes"
        worried = bool(data.get("worried"))
        done = call_service(
            form,
            lambda: arrangement_services.visit_check_in(
                user=request.user,
                arrangement_id=arrangement.pk,
                visit_id=visit.pk,
                happened=happened,
                minutes=data.get("minutes"),
                note=data.get("note") or "",
                worried=worried,
            ),
            field_for={"minutes": "minutes", "too_long": "note"},
            field="happened",
        )
        if done:
            messages.success(
                request, _thanks(role, happened, worried, done, _other(arrangement, role))
            )
            return _to_detail(arrangement)
    return render(
        request,
        "frontend/arrangements/check_in.html",
        {
            "arrangement": arrangement,
            "role": role,
            "visit": visit,
            "when": when(visit),
            "heading": _("Did the visit on %(when)s happen?") % {"when": when(visit)},
            "other": _other(arrangement, role),
            "form": form,
            "answered": answered,
            "closed": closed,
            "not_yet": visit.starts_at > now,
            "can_answer": can_answer,
        },
    )


def _thanks(role: str, happened: bool, worried: bool, visit: Visit, other) -> str:
    if role == Role.HELPER:
        if worried:
            return _(
                "Thank you for telling us. Someone from the council will check that "
                "%(name)s is all right."
            ) % {"name": other.public_name}
        if happened:
            return _("Thank you. The visit is recorded as done (%(minutes)s minutes).") % {
                "minutes": visit.minutes_spent
            }
        return _("Thank you for telling us. We will ask %(name)s about it.") % {
            "name": other.public_name
        }
    if happened:
        return _("Thank you. The visit is recorded as done.")
    return _(
        "Thank you for telling us. Someone from the council will get in touch to check you are "
        "all right."
    )


# --- Changes ----------------------------------------------------------------------------------
@home_required
def visit_skip(request, arrangement_id: int, visit_id: int):
    arrangement, role = _party(request, arrangement_id)
    visit = _visit_to_change(request, arrangement, visit_id)
    if visit is None:
        return _to_detail(arrangement)
    form = SkipForm(request.POST if request.method == "POST" else None)
    other = _other(arrangement, role)
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            lambda: arrangement_services.visit_skip(
                user=request.user,
                arrangement_id=arrangement.pk,
                visit_id=visit.pk,
                reason=form.cleaned_data["reason"],
            ),
            field="reason",
        )
        if done:
            messages.success(
                request,
                _("The visit on %(when)s will not happen. We have told %(name)s.")
                % {"when": when(visit), "name": other.public_name},
            )
            return _to_detail(arrangement)
    return render(
        request,
        "frontend/arrangements/skip.html",
        {
            "arrangement": arrangement,
            "visit": visit,
            "when": when(visit),
            "other": other,
            "form": form,
        },
    )


@home_required
def visit_move(request, arrangement_id: int, visit_id: int):
    arrangement, role = _party(request, arrangement_id)
    visit = _visit_to_change(request, arrangement, visit_id)
    if visit is None or _change_waiting(request, arrangement, role):
        return _to_detail(arrangement)
    local = visit.starts_at.astimezone(local_zone())
    form = MoveForm(
        request.POST if request.method == "POST" else None,
        initial={"start": f"{local:%H:%M}"},
    )
    other = _other(arrangement, role)
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            lambda: arrangement_services.change_ask(
                user=request.user,
                arrangement_id=arrangement.pk,
                kind=ScheduleChange.Kind.MOVE_VISIT,
                visit_id=visit.pk,
                new_starts_at=form.cleaned_data["starts_at"],
            ),
            field_for={"time_past": "day", "time_far": "day", "time_same": "day"},
        )
        if done:
            messages.success(
                request,
                _(
                    "We have asked %(name)s to agree to %(when)s. "
                    "The visit stays at its current time until they do."
                )
                % {"name": other.public_name, "when": when(done.new_starts_at)},
            )
            return _to_detail(arrangement)
    return render(
        request,
        "frontend/arrangements/move.html",
        {
            "arrangement": arrangement,
            "visit": visit,
            "when": when(visit),
            "other": other,
            "form": form,
        },
    )


@home_required
def arrangement_change_time(request, arrangement_id: int):
    arrangement, role = _party(request, arrangement_id)
    if arrangement.status != Arrangement.Status.RUNNING:
        messages.error(request, _("This arrangement has ended."))
        return _to_detail(arrangement)
    if not arrangements.is_recurring(arrangement):
        messages.error(request, _("A one-off visit has no regular time: move the visit instead."))
        return _to_detail(arrangement)
    if _change_waiting(request, arrangement, role):
        return _to_detail(arrangement)
    current = list(arrangement.times.all())
    initial = {"frequency": arrangement.frequency}
    if current:
        initial.update(
            weekday=str(current[0].weekday),
            start=f"{current[0].start:%H:%M}",
            end=f"{current[0].end:%H:%M}",
        )
    form = ChangeTimeForm(
        request.POST if request.method == "POST" else None, initial=initial, times=current
    )
    other = _other(arrangement, role)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = call_service(
            form,
            lambda: arrangement_services.change_ask(
                user=request.user,
                arrangement_id=arrangement.pk,
                kind=ScheduleChange.Kind.CHANGE_TIME,
                new_weekday=int(data["weekday"]),
                new_start=data["start_time"],
                new_end=data["end_time"],
                new_frequency=data["frequency"],
                replaces=form.replaces(),
            ),
            field_for={
                "slot_weekday": "weekday",
                "slot_overlap": "weekday",
                "frequency": "frequency",
                "time": "start",
                "time_same": "weekday",
                "time_gone": "which" if "which" in form.fields else "weekday",
            },
            field="end",
        )
        if done:
            messages.success(
                request,
                _(
                    "We have asked %(name)s to agree to the new time. Your visits stay "
                    "as they are until they do."
                )
                % {"name": other.public_name},
            )
            return _to_detail(arrangement)
    return render(
        request,
        "frontend/arrangements/change_time.html",
        {"arrangement": arrangement, "times": current, "other": other, "form": form},
    )


@require_POST
@home_required
def arrangement_change_decide(request, arrangement_id: int, change_id: int):
    arrangement, role = _party(request, arrangement_id)
    change = not_found_as_404(lambda: arrangements.change_of(arrangement, change_id))
    form = DecisionForm(request.POST)
    own = change.asked_by_role == role
    decision = form.cleaned_data["decision"] if form.is_valid() else ""
    if decision not in (("withdraw",) if own else ("agree", "decline")):
        messages.error(request, _("Choose whether you agree to the change."))
        return _to_detail(arrangement)
    try:
        decided = arrangement_services.change_decide(
            user=request.user,
            arrangement_id=arrangement.pk,
            change_id=change.pk,
            agree=decision == "agree",
        )
    except NotFound:
        # Answered or withdrawn meanwhile (another tab, the other person, a second click).
        messages.error(request, _("This change has already been answered or withdrawn."))
        return _to_detail(arrangement)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _to_detail(arrangement)
    other = _other(arrangement, role).public_name
    said: dict[str, str] = {
        ScheduleChange.Status.CONFIRMED: _(
            "Thank you. The change is made and %(name)s has been told."
        )
        % {"name": other},
        ScheduleChange.Status.DECLINED: _(
            "You have not agreed to the change. %(name)s has been "
            "told, and the visits stay as they were."
        )
        % {"name": other},
        ScheduleChange.Status.WITHDRAWN: _("You have withdrawn your change. Nothing has changed."),
    }
    messages.success(request, said.get(str(decided.status), _("Thank you.")))
    return _to_detail(arrangement)


# --- Ending -----------------------------------------------------------------------------------
@home_required
def arrangement_end(request, arrangement_id: int):
    arrangement, role = _party(request, arrangement_id)
    if arrangement.status != Arrangement.Status.RUNNING:
        messages.error(request, _("This arrangement has already ended."))
        return redirect("match_detail", match_id=arrangement.match_id)
    form = EndForm(request.POST if request.method == "POST" else None, role=role)
    other = _other(arrangement, role)
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            lambda: arrangement_services.arrangement_end(
                user=request.user,
                arrangement_id=arrangement.pk,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            ),
            field_for={"too_long": "note"},
            field="reason",
        )
        if done:
            helped = done.match.status == "completed"
            messages.success(
                request,
                (
                    _(
                        "The arrangement with %(name)s has ended. Thank you for everything. "
                        "Please tell us how it went below."
                    )
                    if helped
                    else _(
                        "The arrangement with %(name)s has ended. Thank you. "
                        "We have told them kindly."
                    )
                )
                % {"name": other.public_name},
            )
            return redirect("match_detail", match_id=arrangement.match_id)
    return render(
        request,
        "frontend/arrangements/end.html",
        {"arrangement": arrangement, "role": role, "other": other, "form": form},
    )


# --- "Do you still need help?" ----------------------------------------------------------------
@home_required
def still_needed(request, need_id: int):
    need = market.needs_of_owner(user=request.user).filter(pk=need_id).first()
    if need is None:
        raise Http404("Not found.")
    row = still_needed_waiting(user=request.user, need_id=need.pk)
    if request.method == "POST" and row is None:
        # Answered already, in another tab or by text: say this answer was not taken.
        messages.error(
            request,
            _(
                "You had already answered, so this answer was not saved. If you no longer "
                "need help, you can withdraw the request from its page."
            ),
        )
    form = StillNeededForm(request.POST if request.method == "POST" and row else None)
    if request.method == "POST" and row is not None and form.is_valid():
        still = form.cleaned_data["still"] == "yes"
        done = call_service(
            form,
            lambda: still_needed_answer(user=request.user, row_id=row.pk, still=still),
            field="still",
        )
        if done:
            messages.success(
                request,
                _("Thank you. Your help carries on as before.")
                if still
                else _("Thank you for letting us know. We have closed your request for help."),
            )
            return redirect("need_detail", need_id=need.pk)
    return render(
        request,
        "frontend/arrangements/still_needed.html",
        {
            "need": need,
            "row": row,
            "form": form,
            "heading": _("Do you still need help with %(kind)s?")
            % {"kind": need.category.local_name.lower()},
        },
    )
