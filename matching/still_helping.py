""" "Do you still want to help?": a helper whose open offers have had no proposal, no urgent
alert and no match for weeks (the council's `still_helping.idle_weeks`, six by default) is
asked once, kindly, whether to keep their offers open (`StillHelping`, audited as
`helper.still_helping_asked`, which the notifications room turns into their email, text or
letter). Nobody is asked again within that period.

A "yes" keeps everything as it is. A "no" pauses their open offers through the marketplace's
own `offer_pause` (each audited as `offer.paused`), and they can start them again whenever
they like. No answer changes nothing: Kith never pauses an offer silently.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Council, User
from accounts.services import ERASED_DOMAIN
from core.audit import audit_record
from core.errors import ApplicationError, NotFound
from marketplace.models import Offer
from marketplace.services import offer_pause

from .models import AlertSent, Match, StillHelping

SETTINGS_KEY = "still_helping"
DEFAULT_IDLE_WEEKS = 6
IDLE_WEEKS_RANGE = (2, 26)


def idle_after(council: Council) -> dt.timedelta:
    """How long a helper's open offers go without a proposal, alert or match before they are
    asked: the council's `settings["still_helping"]["idle_weeks"]`, else Kith's default."""
    stored = ((council.settings or {}).get(SETTINGS_KEY) or {}).get("idle_weeks")
    try:
        weeks = int(stored) if stored is not None else DEFAULT_IDLE_WEEKS
    except (TypeError, ValueError):
        weeks = DEFAULT_IDLE_WEEKS
    low, high = IDLE_WEEKS_RANGE
    return dt.timedelta(weeks=min(max(weeks, low), high))


def _audit(*, actor: User | None, verb: str, row: StillHelping, **data) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        target_type="still_helping",
        target_id=row.pk,
        council=row.council,
        data=data,
    )


def idle_helpers(*, council: Council, now: dt.datetime) -> list[int]:
    """The helpers of `council` with an open offer, none published, proposed, alerted or
    matched since `now - idle_after(council)`, and not asked within that time either. An idle
    ask (`AlertSent.Kind.IDLE`) they let pass does not count: a helper who lets every one of
    them pass for weeks is exactly who this question is for."""
    since = now - idle_after(council)
    offers = Offer.objects.filter(
        council=council,
        status=Offer.Status.OPEN,
        helper__is_active=True,
        helper__suspended_at__isnull=True,
    ).exclude(helper__email__iendswith="@" + ERASED_DOMAIN)
    recently_busy = Q(helper_id__in=offers.filter(published_at__gt=since).values("helper_id"))
    recently_busy |= Q(
        helper_id__in=Match.objects.filter(
            Q(created_at__gt=since) | Q(status__in=Match.LIVE)
        ).values("offer__helper_id")
    )
    recently_busy |= Q(
        helper_id__in=AlertSent.objects.filter(
            sent_at__gt=since, kind=AlertSent.Kind.URGENT
        ).values("helper_id")
    )
    recently_busy |= Q(
        helper_id__in=StillHelping.objects.filter(
            Q(asked_at__gt=since) | Q(answered_at__isnull=True)
        ).values("helper_id")
    )
    return sorted(set(offers.exclude(recently_busy).values_list("helper_id", flat=True)))


def still_helping_run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The daily job: ask each idle helper, once per idle period."""
    now = now or timezone.now()
    asked = 0
    for council in Council.objects.filter(is_active=True).order_by("pk"):
        for helper_id in idle_helpers(council=council, now=now):
            try:
                with transaction.atomic():
                    row = StillHelping.objects.create(
                        council=council, helper_id=helper_id, asked_at=now
                    )
                    _audit(actor=None, verb="helper.still_helping_asked", row=row)
            except IntegrityError:
                continue  # asked already, for another council's offer
            asked += 1
    return {"asked": asked}


def still_helping_waiting(*, user: User) -> StillHelping | None:
    """The question waiting for `user`, if any."""
    return StillHelping.objects.filter(helper=user, answered_at__isnull=True).first()


def still_helping_of(*, user: User, row_id: int) -> StillHelping:
    """`user`'s own question `row_id`, answered or not; anyone else's is not found."""
    row = StillHelping.objects.filter(pk=row_id, helper=user).first()
    if row is None:
        raise NotFound()
    return row


def still_helping_answer(
    *, user: User, row_id: int, keep: bool, now: dt.datetime | None = None
) -> StillHelping:
    """The helper answers. Yes: nothing changes. No: each of their open offers is paused,
    as if they had paused it themselves, until they start it again."""
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            StillHelping.objects.select_for_update()
            .select_related("council")
            .filter(pk=row_id, helper=user)
            .first()
        )
        if row is None:
            raise NotFound()
        if row.answered_at is not None:
            raise ApplicationError(
                gettext("You have already answered this. Thank you."), code="answered"
            )
        paused = []
        if not keep:
            for offer in Offer.objects.filter(helper=user, status=Offer.Status.OPEN).order_by("pk"):
                offer_pause(actor=user, offer=offer)
                audit_record(
                    actor=user, verb="offer.paused", target=offer, data={"why": "still_helping"}
                )
                paused.append(offer.pk)
        row.answered_at = now
        row.answer = StillHelping.Answer.YES if keep else StillHelping.Answer.NO
        row.paused_offers = len(paused)
        row.save(update_fields=["answered_at", "answer", "paused_offers"])
        _audit(actor=user, verb="helper.still_helping_answered", row=row, keep=keep, paused=paused)
    return row
