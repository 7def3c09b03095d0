"""Blocking a person: Kith never matches or connects the two again, and every match still
going between them ends."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import ACCOUNT_CLOSED_MESSAGE, is_erased
from core.errors import ApplicationError, NotFound
from matching.services import matches_end_for_block
from safeguarding.reports import visible_person
from trust.models import Block

NOT_FOUND_MESSAGE = gettext_lazy("Not found.")


@transaction.atomic
@transaction.atomic
def block_create(*, blocker: User, blocked_id: int) -> Block:
    """Block a person: Kith stops showing each other's listings, never matches them again,
    and ends every match still going between them (`matching.services.matches_end_for_block`:
    cancelled, capacity freed, the other person told only that the match has ended), all in
    this one transaction. Blocking someone already blocked changes nothing.

    Both people are row-locked first, lowest id first, conflicting with the lock erasure,
    suspension and `person_lock_for_writing` take before any other: a block and an erasure or
    suspension of either person run one after the other, and two blocks between the same
    people too. The lock is FOR NO KEY UPDATE, not FOR UPDATE: rows that only refer to a
    person (a new match's proposer, an audit row's actor) take FOR KEY SHARE on them, and a
    proposal holding its need while it inserts must not wait on us while we wait on its need.
    """
    existing = Block.objects.filter(blocker=blocker, blocked_id=blocked_id).first()
    if existing is not None:
        return existing
    blocked = visible_person(viewer=blocker, person_id=blocked_id)
    locked = {
        person.pk: person
        for person in User.objects.select_for_update(no_key=True)
        .filter(pk__in=(blocker.pk, blocked.pk))
        .order_by("pk")
    }
    me, other = locked.get(blocker.pk), locked.get(blocked.pk)
    if me is None or not me.is_active or is_erased(me):
        raise ApplicationError(ACCOUNT_CLOSED_MESSAGE, code="account_closed")
    if other is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    existing = Block.objects.filter(blocker=blocker, blocked=other).first()
    if existing is not None:  # the same block, committed while we waited for the locks
        return existing
    try:
        with transaction.atomic():
            block = Block.objects.create(blocker=blocker, blocked=other)
    except IntegrityError:
        return Block.objects.get(blocker=blocker, blocked=other)
    matches_end_for_block(blocker=me, blocked=other)
    return block


@transaction.atomic
def block_delete(*, blocker: User, blocked_id: int) -> None:
    deleted, _per_model = Block.objects.filter(blocker=blocker, blocked_id=blocked_id).delete()
    if not deleted:
        raise NotFound(NOT_FOUND_MESSAGE)
