"""Background work for matching: alerts about urgent needs (GoodSAM style), expiry, and
matching rounds (`round_build`, started by `round_start`; `matching.rounds` does the work).

When an urgent need opens, `need_opened` enqueues `alert_urgent_need` after commit. The task
searches rings of growing radius around the need (1 km, 3 km, 8 km, never beyond the council's
maximum travel radius) with the same indexed candidate query as ranking, restricted to
helpers who opted in, nearest first, until `ALERT_TARGET_HELPERS` helpers have been alerted.
A helper is skipped during their quiet hours and once they have had `daily_cap` alerts in
the last 24 hours. Each alert is recorded (`AlertSent`, unique per need and helper) and
announced as the event `need.urgent_alert`, which the notifications room turns into the
helper's email or text message; a retried task never alerts the same person twice about the
same need. Once the need stops being open, those alerted are told to stand down. That is
the `nearest` alert policy, which a council may choose; Kith's default is `rotated`
(`matching.alert_policy`, `_alert_rotated`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from celery import shared_task
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Council, User
from core.errors import ApplicationError
from core.events import BROKER_DOWN, Event, announce
from core.quiet_hours import is_quiet
from marketplace.models import Need, Urgency
from places.geo import distance_band

from .alert_policy import (
    ROTATED,
    AlertPolicy,
    alert_policy,
    helper_loads,
    idle_choice,
    rotated_choice,
)
from .candidates import OfferCandidate, offer_candidates_for_need
from .eligibility import search_bound_m
from .models import AlertPreference, AlertRequest, AlertSent, Match, Round
from .rounds import round_compute, round_open, round_stop
from .still_helping import still_helping_run

logger = logging.getLogger(__name__)

ALERT_RINGS_M = (1000, 3000, 8000)
ALERT_TARGET_HELPERS = 5
#: A later wave of rotated alerts sets the weekly budget aside (quiet hours and caps hold).
NO_BUDGET = 10**6


def need_opened(*, need: Need) -> None:
    """Call when a need becomes open (inside the transaction that opens it). Its alerts (an
    urgent need's, and the idle asks of the council's policy) are recorded as owed in the
    same transaction (`AlertRequest`) and handed to the worker once it commits; with the
    broker down they wait for `alert_requests_pending`."""
    if need.urgency != Urgency.URGENT and not alert_policy(need.council).idle_asks:
        return
    AlertRequest.objects.get_or_create(need=need)
    need_id = need.pk
    transaction.on_commit(lambda: _hand_over(need_id))


def _hand_over(need_id: int) -> None:
    try:
        alert_urgent_need.delay(need_id)
    except BROKER_DOWN:  # the request waits for the beat job
        logger.warning("Broker unavailable: alerts for need %s wait", need_id, exc_info=True)


@shared_task
def alert_requests_pending(*, older_than_s: int = 30, limit: int = 100) -> int:
    """Run the urgent alerts still owed (the broker was down when their need opened)."""
    cutoff = timezone.now() - dt.timedelta(seconds=older_than_s)
    owed = list(
        AlertRequest.objects.filter(done_at__isnull=True, requested_at__lte=cutoff)
        .order_by("requested_at")
        .values_list("need_id", flat=True)[:limit]
    )
    for need_id in owed:
        alert_urgent_need(need_id)
    return len(owed)


def in_quiet_hours(*, pref: AlertPreference, at: dt.time) -> bool:
    return is_quiet(start=pref.quiet_start, end=pref.quiet_end, at=at)


@shared_task
def alert_urgent_need(need_id: int) -> int:
    """The alerts owed for an open need: an urgent need's, under the council's alert policy,
    then the policy's idle asks (any need). Returns how many helpers were told by this run."""
    need = (
        Need.objects.select_related("owner", "category", "council")
        .filter(pk=need_id, status=Need.Status.OPEN)
        .first()
    )
    if need is None:
        _alerts_done(need_id)
        return 0
    policy = alert_policy(need.council)
    sent = 0
    next_wave_in = None
    if need.urgency == Urgency.URGENT:
        if policy.kind == ROTATED:
            sent = _alert_rotated(need, policy)
            if policy.waves > 1:
                next_wave_in = dt.timedelta(minutes=policy.wave_minutes)
        else:
            sent = _alert_nearest(need)
    sent += _ask_idle(need, policy)
    # Not if the run failed part-way: the beat job runs it again.
    _alerts_done(need_id, next_wave_in=next_wave_in)
    return sent


@shared_task
def alert_waves_due(*, limit: int = 100) -> int:
    """The next wave of rotated alerts for each urgent need whose wave is due (every minute;
    `alert_next_wave`). Returns how many helpers were alerted."""
    due = list(
        AlertRequest.objects.filter(next_wave_at__lte=timezone.now())
        .order_by("next_wave_at")
        .values_list("need_id", flat=True)[:limit]
    )
    sent = 0
    for need_id in due:
        try:
            sent += alert_next_wave(need_id)
        except Exception:  # one need's failure must not hold up the others' waves
            logger.exception("Alert wave for need %s failed; it stays due", need_id)
    return sent


def helper_said_yes(need_id: int) -> bool:
    """Whether a helper has agreed to help with the need (and not since gone back on it)."""
    return Match.objects.filter(
        need_id=need_id, helper_agreed_at__isnull=False, status__in=Match.LIVE
    ).exists()


def alert_next_wave(need_id: int) -> int:
    """If the need is still open and no helper has said yes since its last wave, alert the next
    helpers in the rotation (those not yet alerted about it, chosen afresh to reach the
    council's target chance of a reply); then the next wave is due `wave_minutes` later,
    until the policy's `waves`. Once the need is filled, withdrawn or expires, no more waves."""
    now = timezone.now()
    with transaction.atomic():
        request = (
            AlertRequest.objects.select_for_update(skip_locked=True)
            .filter(need_id=need_id, next_wave_at__lte=now)
            .first()
        )
        if request is None:  # another run has it, or it is done
            return 0
        request.next_wave_at = None
        need = (
            Need.objects.select_related("owner", "category", "council")
            .filter(pk=need_id, status=Need.Status.OPEN)
            .first()
        )
        policy = alert_policy(need.council) if need else None
        if (
            need is None
            or policy is None
            or policy.kind != ROTATED
            or need.urgency != Urgency.URGENT  # the person has since made it less urgent
            or helper_said_yes(need_id)
        ):
            request.save(update_fields=["next_wave_at"])
            return 0
        sent = _alert_rotated(need, policy, wave=request.waves + 1)
        request.waves += 1
        if request.waves < policy.waves:
            request.next_wave_at = now + dt.timedelta(minutes=policy.wave_minutes)
        request.save(update_fields=["waves", "next_wave_at"])
    return sent


def _alert_nearest(need: Need) -> int:
    """The `nearest` policy: opted-in helpers in rings of growing radius, nearest first, until
    `ALERT_TARGET_HELPERS` have been alerted."""
    now = timezone.now()
    local_time = timezone.localtime(now).time()
    day_ago = now - dt.timedelta(hours=24)
    reached = set(AlertSent.objects.filter(need=need).values_list("helper_id", flat=True))
    bound = search_bound_m(need.council)
    rings = sorted({min(r, bound) for r in ALERT_RINGS_M})
    sent = 0
    skipped: set[int] = set()
    for ring in rings:
        if len(reached) >= ALERT_TARGET_HELPERS:
            break
        found = offer_candidates_for_need(need=need, limit=200, ring_m=ring, alerts_opted_in=True)
        prefs = {
            p.user_id: p
            for p in AlertPreference.objects.select_related("user").filter(
                user_id__in={c.offer.helper_id for c in found}
            )
        }
        for candidate in found:
            offer = candidate.offer
            if len(reached) >= ALERT_TARGET_HELPERS:
                break
            if offer.helper_id in reached or offer.helper_id in skipped:
                continue
            pref = prefs[offer.helper_id]
            helper = pref.user
            if in_quiet_hours(pref=pref, at=local_time):
                skipped.add(helper.pk)
                continue
            if (
                AlertSent.objects.filter(helper=helper, sent_at__gte=day_ago).count()
                >= pref.daily_cap
            ):
                skipped.add(helper.pk)
                continue
            fresh = _alert(need=need, candidate=candidate, ring_m=ring)
            reached.add(helper.pk)  # if not fresh, another run got there first
            sent += fresh
    return sent


def _alert(
    *,
    need: Need,
    candidate: OfferCandidate,
    ring_m: int,
    kind: str = AlertSent.Kind.URGENT,
    wave: int = 1,
) -> bool:
    """Record one alert and announce it; False if this helper was already alerted about
    this need (a retried or concurrent run)."""
    try:
        with transaction.atomic():
            alert = AlertSent.objects.create(
                need=need,
                offer_id=candidate.offer.pk,
                helper_id=candidate.offer.helper_id,
                ring_m=ring_m,
                kind=kind,
                wave=wave,
            )
            # The notifications room tells the helper, after this commits.
            announce(
                Event(
                    verb=(
                        "need.urgent_alert" if kind == AlertSent.Kind.URGENT else "need.idle_ask"
                    ),
                    target_type="alertsent",
                    target_id=alert.pk,
                    council_id=need.council_id,
                    data={"band": distance_band(candidate.helper_view_m) or ""},
                )
            )
    except IntegrityError:
        return False
    return True


def _nearest_offer_of_each_helper(
    need: Need, *, bound: int, alerts_opted_in: bool = False
) -> dict[int, OfferCandidate]:
    """{helper id: their nearest offer that may help with `need`} within `bound` metres,
    nearest helper first (`alerts_opted_in`: only helpers who asked for alerts)."""
    found = offer_candidates_for_need(
        need=need, limit=200, ring_m=bound, alerts_opted_in=alerts_opted_in
    )
    nearest: dict[int, OfferCandidate] = {}
    for candidate in found:  # nearest first
        nearest.setdefault(candidate.offer.helper_id, candidate)
    return nearest


def _alert_rotated(need: Need, policy: AlertPolicy, *, wave: int = 1) -> int:
    """The `rotated` policy (`matching.alert_policy`): every opted-in eligible helper within
    the council's furthest distance, outside quiet hours and under their daily cap, least
    and longest-ago asked first, until the chance of a reply reaches the council's target.
    For a later `wave`, helpers alerted in earlier waves are left out and count for nothing
    (they have not answered), and the weekly budget no longer holds anyone back: a helper
    over it is still asked after everyone asked less."""
    now = timezone.now()
    local_time = timezone.localtime(now).time()
    bound = search_bound_m(need.council)
    told = dict(AlertSent.objects.filter(need=need).values_list("helper_id", "wave"))
    reached = set(told)
    # Helpers this wave has alerted already (a retried run) count towards its target.
    already = len(reached) if wave == 1 else sum(w == wave for w in told.values())
    nearest = _nearest_offer_of_each_helper(need, bound=bound, alerts_opted_in=True)
    prefs = {p.user_id: p for p in AlertPreference.objects.filter(user_id__in=nearest)}
    capped = {
        row["helper_id"]
        for row in AlertSent.objects.filter(
            helper_id__in=nearest, sent_at__gte=now - dt.timedelta(hours=24)
        )
        .values("helper_id")
        .annotate(n=Count("id"))
        if row["n"] >= prefs[row["helper_id"]].daily_cap
    }
    open_to = [
        (helper_id, candidate.approx_m)
        for helper_id, candidate in nearest.items()
        if helper_id not in reached
        and helper_id not in capped
        and not in_quiet_hours(pref=prefs[helper_id], at=local_time)
    ]
    loads = helper_loads(
        helper_ids=[h for h, _m in open_to], since=now - dt.timedelta(days=policy.window_days)
    )
    if wave > 1:
        # Nobody said yes to the wave within the budget: the need's urgency now outweighs it,
        # so the next wave may reach helpers over it, still least asked first.
        policy = dataclasses.replace(policy, weekly_budget=NO_BUDGET)
    chosen = rotated_choice(candidates=open_to, loads=loads, policy=policy, already=already)
    return sum(_alert(need=need, candidate=nearest[h], ring_m=bound, wave=wave) for h in chosen)


#: How far back an idle helper's last ask is looked for, to ask the longest idle first.
IDLE_LOOKBACK = dt.timedelta(days=90)


def _ask_idle(need: Need, policy: AlertPolicy) -> int:
    """The policy's idle asks (`matching.alert_policy.idle_choice`): eligible helpers within
    the council's furthest distance, not asked about anything for `idle_days` nor already
    told about this need, outside any quiet hours they set."""
    if policy.idle_asks <= 0:
        return 0
    now = timezone.now()
    local_time = timezone.localtime(now).time()
    bound = search_bound_m(need.council)
    nearest = _nearest_offer_of_each_helper(need, bound=bound)
    told = dict(AlertSent.objects.filter(need=need).values_list("helper_id", "kind"))
    owed = policy.idle_asks - sum(1 for kind in told.values() if kind == AlertSent.Kind.IDLE)
    if owed <= 0:  # a retried run: this need's idle asks were made
        return 0
    quiet = {  # in the quiet hours they set, or they turned idle asks off
        p.user_id
        for p in AlertPreference.objects.filter(user_id__in=nearest)
        if not p.idle_asks or in_quiet_hours(pref=p, at=local_time)
    }
    open_to = [
        (helper_id, candidate.approx_m)
        for helper_id, candidate in nearest.items()
        if helper_id not in told and helper_id not in quiet
    ]
    loads = helper_loads(helper_ids=[h for h, _m in open_to], since=now - IDLE_LOOKBACK)
    chosen = idle_choice(
        candidates=open_to,
        last_asked={h: load.last_at for h, load in loads.items() if load.last_at},
        policy=policy,
        now=now,
    )[:owed]
    return sum(
        _alert(need=need, candidate=nearest[h], ring_m=bound, kind=AlertSent.Kind.IDLE)
        for h in chosen
    )


def _alerts_done(need_id: int, *, next_wave_in: dt.timedelta | None = None) -> None:
    """The first wave is done; the next is due `next_wave_in` from now, if any."""
    now = timezone.now()
    AlertRequest.objects.filter(need_id=need_id, done_at__isnull=True).update(
        done_at=now, waves=1, next_wave_at=now + next_wave_in if next_wave_in else None
    )


@shared_task
def expire_stale_proposals() -> int:
    from .services import matches_expire

    return matches_expire()


# --- Matching rounds ------------------------------------------------------------------------
@shared_task(name="matching.tasks.round_build")
def round_build(round_id: int) -> str:
    """Work out a waiting round (`matching.rounds.round_compute`): one job per round, one
    round at a time per council (the council's advisory lock). Returns the round's status."""
    return round_compute(round_id).status


def round_start(*, council: Council, actor: User) -> Round:
    """Start a round for `council` as a background job; the round returned is waiting, or
    already worked out when tasks run in the process. Refused (`round_running`) while another
    round of the council is being worked out (`matching.rounds.round_open`). The round's row
    is committed before the job is handed over (callers are not inside a transaction)."""
    rnd = round_open(council=council, actor=actor)
    try:
        round_build.delay(rnd.pk)
    except BROKER_DOWN:
        logger.warning("Broker unavailable: round %s not started", rnd.pk, exc_info=True)
        round_stop(rnd.pk, Round.Status.FAILED, "not_started")
        raise ApplicationError(
            _("Rounds cannot be started just now. Please try again in a few minutes."),
            code="round_not_started",
        ) from None
    rnd.refresh_from_db()
    return rnd


# --- "Do you still want to help?" -----------------------------------------------------------
@shared_task(name="matching.tasks.still_helping")
def still_helping(now: str | None = None) -> dict:
    """Ask helpers idle for weeks whether to keep their offers open (daily;
    `matching.still_helping`). `now` is an ISO instant for a test or an operator catching up."""
    return still_helping_run(now=dt.datetime.fromisoformat(now) if now else None)
