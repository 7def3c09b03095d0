"""The audit log: every staff decision, every staff read of personal data, every match step.

Call `audit_record` inside the same transaction as the change it records (Saleor's order
events pattern): if the change rolls back, so does its record. Each record is also announced
as a domain event (`core.events`), which is how the people concerned are told.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.db.models import QuerySet

from core.events import Event, announce
from core.models import AuditEvent


def typed_text_facts(text: str | None, *, key: str = "reason") -> dict:
    """What an audit row keeps of words someone typed (a reason, a note): whether there were
    any and how many characters, never the words. Audit rows are append-only and kept longer
    than anything else, where erasure and retention cannot reach; the words stay on their
    record."""
    text = text or ""
    return {f"{key}_given": bool(text), f"{key}_length": len(text)}


def audit_record(
    *,
    actor: AbstractBaseUser | None,
    verb: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: int | None = None,
    council: models.Model | None = None,
    data: dict | None = None,
) -> AuditEvent:
    # Ids, not instances: the council is an accounts model, and core sits below accounts.
    council_id = council.pk if council is not None else None
    if target is not None:
        target_type = target_type or target._meta.model_name or ""
        target_id = target.pk
        if council_id is None:
            council_id = getattr(target, "council_id", None)
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    row = AuditEvent.objects.create(
        actor_id=actor_id,
        council_id=council_id,
        verb=verb,
        target_type=target_type,
        target_id=target_id,
        data=data or {},
    )
    announce(
        Event(
            verb=verb,
            target_type=target_type,
            target_id=target_id,
            actor_id=actor_id,
            council_id=council_id,
            data=row.data,
            audit_id=row.pk,
        )
    )
    return row


# --- Audit log -------------------------------------------------------------------------------
def audit_events_for_council(
    *,
    council: models.Model,
    verb: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    target_type: str = "",
    target_id: int | None = None,
) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.filter(council_id=council.pk).select_related("actor")
    if verb:
        qs = qs.filter(verb__startswith=verb) if verb.endswith(".") else qs.filter(verb=verb)
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    if target_type:
        qs = qs.filter(target_type=target_type)
    if target_id is not None:
        qs = qs.filter(target_id=target_id)
    return qs.order_by("-created_at", "-id")
