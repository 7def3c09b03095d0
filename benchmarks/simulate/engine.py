"""An arrival stream run through Kith's own services on a simulated clock.

`django.utils.timezone.now` answers the simulated time inside `SimClock.installed()` only
(this process, this run); nothing in Kith is changed for the simulator. Each step is one call
of a Kith service in its own transaction, as a request or a job would make it, so the
commit's work runs too: a need opening hands its alerts to the (eager) task, which picks the
helpers with the council's alert policy and records them; the notifications room writes the
alerts, proposals and stand-downs.

What the simulator decides is only what people do (`world.py` draws who arrives):

- a person asking for help records a need (`need_create`) and agrees to any helper proposed
  to them, after a while (minutes for urgent needs, hours otherwise); when the time by which
  it must be met passes with nobody matched they withdraw it (`need_withdraw`);
- a helper asked (a proposal or an alert) answers with their own chance, lowered for a while
  by every recent ask (`ask_chance`): yes is `match_accept` or `match_offer_help`, no is
  `match_decline` or silence; once matched they do the task before its time and mark it done
  (`match_complete`);
- helpers join during the run (`offer_create`) and leave after long idleness
  (`offer_close`): from `IDLE_DAYS` without an ask, each day with chance `LEAVE_PER_DAY`.

The matching policy decides when Kith proposes: on arrival (the best ranked helper, as the
person would ask from the ranked list: `ranked_offers_for_need`, `match_request`; the next
one after a no), in rounds every k hours (`round_run`, `round_apply` by council staff), or
patient (rounds once a day; urgent needs on arrival; any need still open when three quarters
of its time has gone, as on arrival).
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import transaction
from django.utils import timezone

from accounts.models import Council, StaffMembership, User
from benchmarks import data
from benchmarks.simulate.world import CENTRE_LAT, CENTRE_LON, URGENCIES, Arrivals, lonlat
from core.errors import ApplicationError
from marketplace.models import Category, Need, Offer
from marketplace.services.needs import need_create, need_withdraw
from marketplace.services.offers import offer_close, offer_create
from matching.alert_policy import DEFAULT as DEFAULT_ALERTS
from matching.candidates import ranked_offers_for_need
from matching.models import AlertPreference, AlertRequest, AlertSent, Match, RoundProposal
from matching.rounds import round_apply, round_run
from matching.services import (
    match_accept,
    match_complete,
    match_decline,
    match_offer_help,
    match_request,
)
from matching.tasks import alert_waves_due
from trust.models import HelperCheck

#: An ask lowers the chance of answering the next by up to this share, fading over DECAY_H.
FATIGUE = 0.35
DECAY_H = 48.0
IDLE_DAYS = 14
LEAVE_PER_DAY = 0.05
COUNCIL_CODE = "SIM000001"


@dataclass(frozen=True)
class Policy:
    name: str
    matching: str  # "arrival" | "rounds" | "patient"
    alerts: str  # matching.alert_policy: "nearest" | "rotated"
    every_h: int = 6
    idle_asks: int = 0  # matching.alert_policy: idle helpers told about each need
    idle_days: int = 7
    # matching.alert_policy: waves of rotated alerts while nobody says yes (Kith's own)
    waves: int = DEFAULT_ALERTS.waves
    wave_minutes: int = DEFAULT_ALERTS.wave_minutes

    def alert_settings(self) -> dict:
        return {
            "kind": self.alerts,
            "idle_asks": self.idle_asks,
            "idle_days": self.idle_days,
            "waves": self.waves,
            "wave_minutes": self.wave_minutes,
        }


POLICIES = (
    Policy("arrival + nearest alerts", "arrival", "nearest"),
    Policy("rounds 6 h + nearest alerts", "rounds", "nearest", 6),
    Policy("patient + nearest alerts", "patient", "nearest", 24),
    Policy("arrival + rotated alerts, one wave", "arrival", "rotated", waves=1),
    Policy("arrival + rotated alerts in waves", "arrival", "rotated"),
    Policy("patient + rotated alerts in waves", "patient", "rotated", 24),
    Policy(
        "arrival + rotated alerts in waves + idle asks",
        "arrival",
        "rotated",
        idle_asks=4,
        idle_days=3,
    ),
    Policy("patient + rotated alerts in waves + idle asks", "patient", "rotated", 24, 4, 3),
)
BASELINE = POLICIES[0].name  # what Kith did before this comparison: the targets compare with it
KITHS_OWN = POLICIES[4]  # what Kith does now: proposals on arrival, rotated alerts in waves


class SimClock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Kith reads the simulated time (`timezone.now`, and so `localtime`, `localdate`
        and every `auto_now`) while this lasts, in this process only."""
        original = timezone.now
        timezone.now = lambda: self.now  # type: ignore[assignment]
        try:
            yield
        finally:
            timezone.now = original  # type: ignore[assignment]


def ask_chance(rested: float, asks_h: list[float], now_h: float) -> float:
    """A helper's chance of answering an ask now, after earlier asks at `asks_h`."""
    p = rested
    for t in asks_h:
        if now_h - t < 7 * 24:
            p *= 1.0 - FATIGUE * math.exp(-(now_h - t) / DECAY_H)
    return p


@dataclass
class Record:
    """What only the simulator knows, for the measures (the rest is read from Kith)."""

    start: dt.datetime
    need_ids: list[int] = field(default_factory=list)  # by need index, 0 if refused
    helper_user_ids: list[int] = field(default_factory=list)
    citizen_user_ids: list[int] = field(default_factory=list)
    left_h: dict[int, float] = field(default_factory=dict)  # helper index -> when they left
    # helper index -> the kinds of help whose offers Kith opened (an offer of a kind that
    # needs checks the simulated helper does not hold waits for review, never opened here)
    open_kinds: dict[int, set[int]] = field(default_factory=dict)
    refused: int = 0  # steps Kith refused (ApplicationError), for the report
    refused_by: dict[str, int] = field(default_factory=dict)  # "step: code" -> how many
    steps: int = 0


class Simulation:
    def __init__(self, arrivals: Arrivals, policy: Policy, *, start: dt.datetime) -> None:
        self.world = arrivals
        self.policy = policy
        self.clock = SimClock(start)
        self.start = start
        self.queue: list[tuple[float, int, Callable, tuple]] = []
        self.seq = itertools.count()
        self.record = Record(start=start)
        self.asks: dict[int, list[float]] = {}
        self.last_ask_h: dict[int, float] = {}
        self.offers_of: dict[int, list[int]] = {}
        self.helper_of_user: dict[int, int] = {}
        self.need_index: dict[int, int] = {}
        self.proposed: dict[int, set[int]] = {}  # need id -> helper user ids asked
        self.heard: dict[int, set[int]] = {}  # need id -> helper user ids alerted about it
        self.end_h = arrivals.scenario.days * 24.0

    # --- the clock and the queue ------------------------------------------------------------
    def hours(self) -> float:
        return (self.clock.now - self.start).total_seconds() / 3600

    def at(self, hours: float, step: Callable, *args) -> None:
        heapq.heappush(self.queue, (hours, next(self.seq), step, args))

    def after(self, hours: float, step: Callable, *args) -> None:
        self.at(self.hours() + hours, step, *args)

    def run(self) -> Record:
        with self.clock.installed():
            self._build()
            needs = self.world.needs
            for i, at in enumerate(needs.at_h):
                self.at(float(at), self.need_arrives, i)
            for i, day in enumerate(self.world.helpers.join_day):
                if day > 0:
                    self.at(float(day) * 24, self.helper_joins, i)
            # Arrivals stop at the end of the run; the clock goes on until every need's time
            # has ended, so that each is met or not under the same rules.
            last_h = float(max(needs.at_h + needs.window_h, default=self.end_h)) + 1
            for day in range(1, int(last_h // 24) + 2):
                self.at(day * 24.0 - 0.01, self.daily)
            if self.policy.matching in ("rounds", "patient"):
                every = float(self.policy.every_h)
                for k in range(1, int(last_h // every) + 1):
                    self.at(k * every, self.round)
            while self.queue:
                hours, _seq, step, args = heapq.heappop(self.queue)
                self.clock.now = self.start + dt.timedelta(hours=hours)
                self.record.steps += 1
                try:
                    step(*args)
                except ApplicationError as refused:
                    self.record.refused += 1
                    why = f"{step.__name__}: {refused.code or refused}"
                    self.record.refused_by[why] = self.record.refused_by.get(why, 0) + 1
        return self.record

    def _rng(self, *key: int) -> np.random.Generator:
        """The same draw for the same person and the same thing, whatever the policy."""
        return np.random.default_rng([self.world.seed, *key])

    # --- the world in Kith --------------------------------------------------------------------
    def _build(self) -> None:
        data.reset()
        council, _created = Council.objects.update_or_create(
            code=COUNCIL_CODE,
            defaults={
                "name": "Simulated Council",
                "slug": "simulated-council",
                "boundary": MultiPolygon(
                    Polygon.from_bbox(
                        (CENTRE_LON - 0.4, CENTRE_LAT - 0.3, CENTRE_LON + 0.4, CENTRE_LAT + 0.3)
                    ),
                    srid=4326,
                ),
                "max_travel_radius_m": 8000,
                "auto_approve_verified_helpers": True,
                "settings": {"alerts": self.policy.alert_settings()},
            },
        )
        self.council = council
        self.kinds = list(Category.objects.filter(is_active=True).order_by("id"))
        w, seed = self.world, self.world.seed
        helper_ids = data.load_people(
            count=w.scenario.helpers, prefix="helper", council_ids=[council.pk], seed=seed
        )
        citizen_ids = data.load_people(
            count=w.scenario.citizens, prefix="citizen", council_ids=[council.pk], seed=seed + 1
        )
        self._checked(helper_ids + citizen_ids)
        self.record.helper_user_ids = helper_ids
        self.record.citizen_user_ids = citizen_ids
        self.helper_of_user = {uid: i for i, uid in enumerate(helper_ids)}
        h = w.helpers
        AlertPreference.objects.bulk_create(
            AlertPreference(
                user_id=uid,
                opted_in=True,
                quiet_start=dt.time(22) if h.quiet[i] else None,
                quiet_end=dt.time(7) if h.quiet[i] else None,
            )
            for i, uid in enumerate(helper_ids)
            if h.alerts[i]
        )
        self.staff = User.objects.create_user(
            email="rounds@simulated.example", password=None, display_name="Rounds"
        )
        StaffMembership.objects.create(
            user=self.staff, council=council, role=StaffMembership.Role.COUNCIL_ADMIN
        )
        self.users = {u.pk: u for u in User.objects.filter(pk__in=helper_ids + citizen_ids)}
        self.hx, self.hy = lonlat(h.x, h.y)
        self.nx, self.ny = lonlat(w.needs.x, w.needs.y)
        self.record.need_ids = [0] * len(w.needs.at_h)
        for i, day in enumerate(h.join_day):
            if day == 0:
                self.helper_joins(i)
        data.analyze()

    def _checked(self, user_ids: list[int]) -> None:
        """Everyone holds at least an ID check (so their listings open at once)."""
        have = set(HelperCheck.objects.values_list("user_id", flat=True))
        today = timezone.localdate()
        HelperCheck.objects.bulk_create(
            HelperCheck(
                user_id=uid,
                council=self.council,
                kind=HelperCheck.Kind.ID,
                issued_on=today - dt.timedelta(days=30),
                expires_on=today + dt.timedelta(days=700),
            )
            for uid in user_ids
            if uid not in have
        )

    # --- helpers ------------------------------------------------------------------------------
    def helper_joins(self, i: int) -> None:
        h = self.world.helpers
        helper = self.users[self.record.helper_user_ids[i]]
        for k in h.categories[i]:
            with transaction.atomic():
                offer = offer_create(
                    helper=helper,
                    category=self.kinds[k % len(self.kinds)],
                    description="I can help.",
                    radius_m=int(h.radius_m[i]),
                    point=Point(float(self.hx[i]), float(self.hy[i]), srid=4326),
                    capacity=int(h.capacity[i]),
                )
            self.offers_of.setdefault(i, []).append(offer.pk)
            if offer.status == Offer.Status.OPEN:
                self.record.open_kinds.setdefault(i, set()).add(int(k))
        self.last_ask_h[i] = self.hours()

    def daily(self) -> None:
        now_h = self.hours()
        for i, offers in self.offers_of.items():
            if i in self.record.left_h:
                continue
            idle = now_h - self.last_ask_h.get(i, now_h)
            if idle < IDLE_DAYS * 24 or self._rng(7, i, int(now_h)).random() >= LEAVE_PER_DAY:
                continue
            helper = self.users[self.record.helper_user_ids[i]]
            for offer in Offer.objects.filter(pk__in=offers, status=Offer.Status.OPEN):
                with transaction.atomic():
                    offer_close(actor=helper, offer=offer)
            self.record.left_h[i] = now_h

    def _asked(self, user_id: int, need_index: int) -> bool:
        """Record an ask of a helper and draw whether they say yes."""
        i = self.helper_of_user[user_id]
        now_h = self.hours()
        chance = ask_chance(float(self.world.helpers.reply[i]), self.asks.get(i, []), now_h)
        self.asks.setdefault(i, []).append(now_h)
        self.last_ask_h[i] = now_h
        return bool(self._rng(1, i, need_index).random() < chance)

    def _delay(self, need_index: int, urgent_h: tuple, other_h: tuple, *key: int) -> float:
        urgent = URGENCIES[self.world.needs.urgency[need_index]] == "urgent"
        lo, hi = urgent_h if urgent else other_h
        return float(lo + (hi - lo) * self._rng(2, need_index, *key).random())

    # --- needs --------------------------------------------------------------------------------
    def need_arrives(self, i: int) -> None:
        n = self.world.needs
        owner = self.users[self.record.citizen_user_ids[int(n.owner[i])]]
        now = timezone.now()
        with transaction.atomic():
            need = need_create(
                owner=owner,
                category=self.kinds[int(n.category[i]) % len(self.kinds)],
                title="Help wanted",
                description="A simulated need.",
                point=Point(float(self.nx[i]), float(self.ny[i]), srid=4326),
                timing=Need.Timing.ONE_OFF,
                starts_at=now,
                ends_at=now + dt.timedelta(hours=float(n.window_h[i])),
                urgency=URGENCIES[int(n.urgency[i])],
            )
        # Committed: the alerts the council's policy chose are recorded.
        self.record.need_ids[i] = need.pk
        self.need_index[need.pk] = i
        self._alerts_heard(need.pk)
        self.at(float(n.at_h[i] + n.window_h[i]), self.deadline, need.pk)
        urgent = URGENCIES[int(n.urgency[i])] == "urgent"
        if self.policy.matching == "arrival" or (self.policy.matching == "patient" and urgent):
            self.propose(need.pk)
        elif self.policy.matching == "patient":
            self.at(float(n.at_h[i] + 0.75 * n.window_h[i]), self.propose, need.pk)

    def _alerts_heard(self, need_id: int) -> None:
        """The helpers alerted about the need since last time each decide whether to answer;
        if the policy owes a further wave, the beat job looks for it when it falls due."""
        i = self.need_index[need_id]
        heard = self.heard.setdefault(need_id, set())
        alerts = AlertSent.objects.filter(need_id=need_id).exclude(helper_id__in=heard)
        for alert in alerts.order_by("id").values("helper_id", "offer_id"):
            helper_id, offer_id = alert["helper_id"], alert["offer_id"]
            heard.add(helper_id)
            if self._asked(helper_id, i):
                delay = self._delay(i, (0.05, 0.75), (0.5, 4), helper_id)
                self.after(delay, self.alert_answered, need_id, helper_id, offer_id)
        due = AlertRequest.objects.filter(need_id=need_id).values_list("next_wave_at", flat=True)
        at = next(iter(due), None)
        if at is not None:  # beat runs the waves' job every minute
            due_h = (at - self.start).total_seconds() / 3600
            self.at(math.ceil(due_h * 60 - 1e-9) / 60, self.waves_due, need_id)

    def waves_due(self, need_id: int) -> None:
        """Beat's job for alert waves (`alert_waves_due`), then the alerted helpers answer."""
        alert_waves_due()
        self._alerts_heard(need_id)

    def propose(self, need_id: int) -> None:
        """The person asks the best ranked helper they have not asked yet."""
        need = Need.objects.select_related("owner", "council", "category").get(pk=need_id)
        if need.status != Need.Status.OPEN:
            return
        asked = self.proposed.setdefault(need_id, set())
        for pair in ranked_offers_for_need(need=need, limit=10):
            if pair.offer.helper_id in asked:
                continue
            with transaction.atomic():
                match = match_request(citizen=need.owner, need_id=need_id, offer_id=pair.offer.pk)
            self._proposal_sent(match)
            return

    def _proposal_sent(self, match: Match) -> None:
        helper_id = match.offer.helper_id
        i = self.need_index[match.need_id]
        self.proposed.setdefault(match.need_id, set()).add(helper_id)
        yes = self._asked(helper_id, i)
        self.after(self._delay(i, (0.1, 1), (1, 12), helper_id), self.proposal_answered,
                   match.pk, yes)  # fmt: skip

    def proposal_answered(self, match_id: int, yes: bool) -> None:
        match = Match.objects.select_related("offer").get(pk=match_id)
        if match.status != Match.Status.PROPOSED:
            return
        helper = self.users[match.offer.helper_id]
        if yes:
            try:
                with transaction.atomic():
                    match = match_accept(user=helper, match_id=match_id)
            except ApplicationError:  # filled meanwhile, or the helper is full
                yes = False
        if not yes:
            with transaction.atomic():
                match_decline(user=helper, match_id=match_id)
            if self.policy.matching in ("arrival", "patient"):
                self.propose(match.need_id)
            return
        self._agreed(match)

    def alert_answered(self, need_id: int, helper_id: int, offer_id: int) -> None:
        if not Need.objects.filter(pk=need_id, status=Need.Status.OPEN).exists():
            return  # filled meanwhile: the helper had been told to stand down
        with transaction.atomic():
            match = match_offer_help(
                helper=self.users[helper_id], need_id=need_id, offer_id=offer_id
            )
        self._agreed(match)

    def _agreed(self, match: Match) -> None:
        """The helper said yes: the person agrees (if they had not) and the task is done."""
        i = self.need_index[match.need_id]
        if match.status == Match.Status.PROPOSED:
            self.after(self._delay(i, (0.05, 0.5), (0.5, 6), 3), self.person_agrees, match.pk)
        else:
            self._schedule_done(match.pk, i)

    def person_agrees(self, match_id: int) -> None:
        match = Match.objects.select_related("need__owner").get(pk=match_id)
        if match.status != Match.Status.PROPOSED:
            return
        with transaction.atomic():
            match = match_accept(user=match.need.owner, match_id=match_id)
        if match.status == Match.Status.ACCEPTED:
            self._schedule_done(match_id, self.need_index[match.need_id])

    def _schedule_done(self, match_id: int, i: int) -> None:
        n = self.world.needs
        end = float(n.at_h[i] + n.window_h[i])
        self.at(max(self.hours() + 0.5, min(end, self.hours() + 24)), self.done, match_id)

    def done(self, match_id: int) -> None:
        match = Match.objects.select_related("offer").get(pk=match_id)
        if match.status not in (Match.Status.ACCEPTED, Match.Status.ACTIVE):
            return
        with transaction.atomic():
            match_complete(user=self.users[match.offer.helper_id], match_id=match_id)

    def deadline(self, need_id: int) -> None:
        need = Need.objects.select_related("owner").get(pk=need_id)
        if need.status == Need.Status.OPEN:
            with transaction.atomic():
                need_withdraw(actor=need.owner, need=need)

    # --- rounds -------------------------------------------------------------------------------
    def round(self) -> None:
        if not Need.objects.filter(council=self.council, status=Need.Status.OPEN).exists():
            return
        rnd = round_run(council=self.council)
        if not rnd.proposals.exists():
            return
        with transaction.atomic():
            round_apply(staff=self.staff, round_id=rnd.pk)
        sent = RoundProposal.objects.filter(round=rnd, match__isnull=False).select_related(
            "match__offer"
        )
        for proposal in sent:
            self._proposal_sent(proposal.match)
