"""A council admin's message to many helpers at once: the helpers with an open offer in the
council, of one category and/or near one postcode. Previewed first (how many it reaches),
capped (`BROADCAST_MAX_RECIPIENTS` people, `BROADCASTS_PER_DAY` a day per council), audited,
and sent through the same pipeline as every other notice, so each helper gets it the way they
chose (and in "What's new"). The council's own words go as they wrote them; what Kith adds
around them (why the helper is told, how to change it) is in each helper's language."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.gis.measure import D
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import Capability, staff_council
from core.audit import audit_record, typed_text_facts
from core.errors import ApplicationError
from core.models import AuditEvent
from marketplace.models import Category, Offer
from places.geo import postcode_point

from .pipeline import notify
from .rules import Notice

BROADCAST_MAX_RECIPIENTS = 500
BROADCASTS_PER_DAY = 3
SUBJECT_MAX = 100
MESSAGE_MAX = 600


@dataclass(frozen=True)
class Broadcast:
    subject: str
    message: str
    category: Category | None
    postcode: str
    radius_km: int
    recipients: int


def _helpers(
    *, council_id: int, category: Category | None, postcode: str, radius_km: int
) -> QuerySet[User]:
    offers = Offer.objects.filter(council_id=council_id, status=Offer.Status.OPEN)
    if category is not None:
        offers = offers.filter(category=category)
    if postcode:
        offers = offers.filter(
            location__dwithin=(postcode_point(postcode=postcode), D(km=radius_km))
        )
    return User.objects.filter(
        pk__in=offers.values("helper_id"), is_active=True, suspended_at__isnull=True
    )


def broadcast_plan(
    *,
    actor: User,
    subject: str,
    message: str,
    category_slug: str = "",
    postcode: str = "",
    radius_km: int = 5,
) -> Broadcast:
    """Check a broadcast and count whom it would reach, sending nothing."""
    council = staff_council(actor, Capability.BROADCAST)
    subject, message = (subject or "").strip(), (message or "").strip()
    if not subject or len(subject) > SUBJECT_MAX:
        raise ApplicationError(
            _("Write a subject of up to %(max)s characters.") % {"max": SUBJECT_MAX},
            code="subject",
        )
    if not message or len(message) > MESSAGE_MAX:
        raise ApplicationError(
            _("Write a message of up to %(max)s characters.") % {"max": MESSAGE_MAX},
            code="message",
        )
    if not 1 <= int(radius_km) <= 50:
        raise ApplicationError(_("Choose a distance from 1 to 50 km."), code="radius")
    category = Category.objects.filter(slug=category_slug).first() if category_slug else None
    if category_slug and category is None:
        raise ApplicationError(_("Choose a kind of help from the list."), code="category")
    count = _helpers(
        council_id=council.pk, category=category, postcode=postcode, radius_km=int(radius_km)
    ).count()
    if count == 0:
        raise ApplicationError(_("No helper with an open offer matches this."), code="nobody")
    if count > BROADCAST_MAX_RECIPIENTS:
        raise ApplicationError(
            _(
                "This would reach %(count)s helpers; the most at once is %(max)s. Choose a "
                "kind of help or an area."
            )
            % {"count": count, "max": BROADCAST_MAX_RECIPIENTS},
            code="too_many",
        )
    return Broadcast(subject, message, category, postcode, int(radius_km), count)


@transaction.atomic
def broadcast_send(
    *,
    actor: User,
    subject: str,
    message: str,
    category_slug: str = "",
    postcode: str = "",
    radius_km: int = 5,
) -> int:
    """Send the broadcast the admin previewed. Returns how many helpers it reached."""
    plan = broadcast_plan(
        actor=actor,
        subject=subject,
        message=message,
        category_slug=category_slug,
        postcode=postcode,
        radius_km=radius_km,
    )
    council = staff_council(actor, Capability.BROADCAST)
    # One broadcast at a time per council, so the daily limit cannot be raced past.
    type(council).objects.select_for_update().filter(pk=council.pk).first()
    today = AuditEvent.objects.filter(
        council_id=council.pk,
        verb="broadcast.sent",
        created_at__gte=timezone.now() - dt.timedelta(days=1),
    ).count()
    if today >= BROADCASTS_PER_DAY:
        raise ApplicationError(
            _(
                "Your council has sent %(count)s broadcasts in the last day, the most Kith "
                "allows. Please try again tomorrow."
            )
            % {"count": BROADCASTS_PER_DAY},
            code="daily_limit",
        )
    helpers = list(
        _helpers(
            council_id=council.pk,
            category=plan.category,
            postcode=plan.postcode,
            radius_km=plan.radius_km,
        )
    )
    event = audit_record(
        actor=actor,
        verb="broadcast.sent",
        council=council,
        target_type="council",
        target_id=council.pk,
        data={
            "recipients": len(helpers),
            "category": plan.category.slug if plan.category else "",
            "area": bool(plan.postcode),
            "radius_km": plan.radius_km if plan.postcode else None,
            **typed_text_facts(plan.message, key="message"),
        },
    )
    notify(
        [
            Notice(
                person=helper,
                template="broadcast",
                dedupe=f"broadcast:{event.pk}",
                link=reverse("helping"),
                context={"subject": plan.subject, "message": plan.message},
                by_letter=False,
            )
            for helper in helpers
        ],
        event="broadcast.sent",
    )
    return len(helpers)
