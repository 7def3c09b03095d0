"""Retention: what Kith keeps about closed listings and ended conversations, and for how long.

Each council sets `Council.settings["retention_days"]` (default `DEFAULT_RETENTION_DAYS`,
never less than `MIN_RETENTION_DAYS`, so a typing slip cannot wipe last week). Once a listing
has been closed for longer than that, or a match ended longer ago than that:

- the messages of the match are deleted, and the fields of the match, its feedback and its
  ongoing help that `privacy.personal_data` declares for retention are cleared — today the
  reason typed for declining or ending it, the feedback comments (ratings stay), why the
  arrangement ended, and the helper's visit notes and skip reasons (visit times and minutes
  stay); the arrangement's regular times are deleted;
- a listing no statistic counts is deleted with its weekly slots (and the alert and
  round-proposal rows that point at it): a closed offer that never reached a match, and a
  rejected need that never reached a match;
- every other closed listing is *not* deleted, because the open statistics and the oversight
  dashboard count needs asked for (withdrawn, expired and fulfilled ones too) and deleting a
  listing with matches would cascade into the matches and feedback that the impact report and
  helper reliability count. Its personal content is erased instead, the way
  `privacy.erasure` erases a departing person's listings: the weekly slots go, and each
  field goes as `privacy.personal_data` declares it (`Personal.retain`) — today the title,
  description, postcode, languages, consent note, rejection reason, dietary requirements and
  gender preference are cleared and the exact point becomes the published grid-cell centre.

Audit events are append-only (the database refuses DELETE) and carry no foreign key, so they
are never touched. "Closed at" is the listing's `updated_at`: closing is the last write a
closed listing receives (retention's own redaction keeps `updated_at` as it was).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.drafts import form_drafts_forget_stale
from accounts.models import Council
from arrangements.models import Arrangement, RegularTime, Visit
from marketplace.models import Need, NeedSlot, Offer, OfferSlot
from matching.models import Feedback, Match, Message

from .personal_data import REDACTED_TEXT, declared_for
from .personal_data.vocabulary import unchanged_skipped

__all__ = ["REDACTED_TEXT", "RetentionResult", "retention_apply", "retention_days"]

logger = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 365
MIN_RETENTION_DAYS = 30
BATCH_SIZE = 500


def _retained(model: type[models.Model]) -> dict[str, Any]:
    """What retention writes into a kept row of `model`, as `privacy.personal_data` declares."""
    return declared_for(model).retention_values(stand_in=REDACTED_TEXT)


def retention_days(council: Council) -> int:
    """The council's retention period in days (default when unset or not a whole number)."""
    raw = (council.settings or {}).get("retention_days", DEFAULT_RETENTION_DAYS)
    try:
        days = int(raw)
    except (TypeError, ValueError):
        logger.warning("Council %s has a retention_days that is not a number", council.pk)
        return DEFAULT_RETENTION_DAYS
    if isinstance(raw, float) and raw != days:
        return DEFAULT_RETENTION_DAYS
    return max(days, MIN_RETENTION_DAYS)


@dataclass
class RetentionResult:
    needs_deleted: int = 0
    offers_deleted: int = 0
    needs_redacted: int = 0
    offers_redacted: int = 0
    messages_deleted: int = 0
    # Forms people started and left for `accounts.drafts.DRAFT_DAYS`: not per council.
    drafts_deleted: int = 0
    councils: dict[int, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        return {
            "needs_deleted": self.needs_deleted,
            "offers_deleted": self.offers_deleted,
            "needs_redacted": self.needs_redacted,
            "offers_redacted": self.offers_redacted,
            "messages_deleted": self.messages_deleted,
            "drafts_deleted": self.drafts_deleted,
        }


def _ids_in_batches(queryset: models.QuerySet[Any], batch_size: int) -> Iterator[list[int]]:
    """Primary keys of `queryset` in batches, re-read each time (rows leave the set)."""
    last = 0
    while True:
        ids = list(
            queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def _messages_purge(*, council: Council, cutoff: dt.datetime, batch_size: int) -> int:
    ended = Match.objects.filter(council=council).filter(
        Q(status=Match.Status.COMPLETED, completed_at__lt=cutoff)
        | Q(
            status__in=[Match.Status.DECLINED, Match.Status.CANCELLED, Match.Status.EXPIRED],
            ended_at__lt=cutoff,
        )
    )
    deleted = 0
    for ids in _ids_in_batches(Message.objects.filter(match__in=ended), batch_size):
        with transaction.atomic():
            count, _ = Message.objects.filter(pk__in=ids).delete()
            deleted += count
    # What people typed about the match goes too — and about its ongoing help: why it ended,
    # the helper's notes and skip reasons; ratings, visit times and minutes stay for the
    # statistics, and the arrangement's regular times go with the match's conversation.
    with transaction.atomic():
        for rows, values in (
            (ended, _retained(Match)),
            (Feedback.objects.filter(match__in=ended), _retained(Feedback)),
            (Arrangement.objects.filter(match__in=ended), _retained(Arrangement)),
            (Visit.objects.filter(arrangement__match__in=ended), _retained(Visit)),
        ):
            if values:
                unchanged_skipped(rows, values).update(**values)
        RegularTime.objects.filter(arrangement__match__in=ended).delete()
    return deleted


def _listings_purge(
    *,
    model: type[Need] | type[Offer],
    slot_model: type[NeedSlot] | type[OfferSlot],
    slot_fk: str,
    council: Council,
    cutoff: dt.datetime,
    batch_size: int,
) -> tuple[int, int]:
    closed = model.objects.filter(
        council=council, status=model.Status.CLOSED, updated_at__lt=cutoff
    )
    link = "need" if model is Need else "offer"
    has_match = Exists(Match.objects.filter(**{link: OuterRef("pk")}))
    uncounted = Q(~has_match)
    if model is Need:
        uncounted &= Q(closed_reason=Need.ClosedReason.REJECTED)

    deleted = 0
    for ids in _ids_in_batches(closed.filter(uncounted), batch_size):
        with transaction.atomic():
            # Lock the rows and check again, so a concurrent change is never deleted over.
            victims = list(
                model.objects.select_for_update()
                .filter(pk__in=ids, status=model.Status.CLOSED, updated_at__lt=cutoff)
                .filter(uncounted)
                .values_list("pk", flat=True)
            )
            _, per_model = model.objects.filter(pk__in=victims).delete()
            deleted += per_model.get(model._meta.label, 0)

    cleared = _retained(model)
    redacted = 0
    pending = closed.exclude(uncounted).exclude(description=REDACTED_TEXT)
    for ids in _ids_in_batches(pending, batch_size):
        with transaction.atomic():
            locked = list(
                model.objects.select_for_update()
                .filter(pk__in=ids, status=model.Status.CLOSED, updated_at__lt=cutoff)
                .values_list("pk", flat=True)
            )
            slot_model.objects.filter(**{f"{slot_fk}_id__in": locked}).delete()
            # A queryset update keeps updated_at (auto_now runs only in save()).
            redacted += model.objects.filter(pk__in=locked).update(**cleared)
    return deleted, redacted


def retention_apply_council(
    *, council: Council, now: dt.datetime | None = None, batch_size: int = BATCH_SIZE
) -> RetentionResult:
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=retention_days(council))
    result = RetentionResult()
    result.messages_deleted = _messages_purge(council=council, cutoff=cutoff, batch_size=batch_size)
    result.needs_deleted, result.needs_redacted = _listings_purge(
        model=Need,
        slot_model=NeedSlot,
        slot_fk="need",
        council=council,
        cutoff=cutoff,
        batch_size=batch_size,
    )
    result.offers_deleted, result.offers_redacted = _listings_purge(
        model=Offer,
        slot_model=OfferSlot,
        slot_fk="offer",
        council=council,
        cutoff=cutoff,
        batch_size=batch_size,
    )
    return result


def retention_apply(
    *, now: dt.datetime | None = None, batch_size: int = BATCH_SIZE
) -> RetentionResult:
    """Apply every council's retention period. Safe to re-run: a second run finds nothing."""
    now = now or timezone.now()
    total = RetentionResult()
    for council in Council.objects.order_by("pk"):
        one = retention_apply_council(council=council, now=now, batch_size=batch_size)
        for name, value in one.as_dict().items():
            setattr(total, name, getattr(total, name) + value)
        total.councils[council.pk] = sum(one.as_dict().values())
    total.drafts_deleted = form_drafts_forget_stale(now=now)
    logger.info("Retention applied: %s", total.as_dict())
    return total
