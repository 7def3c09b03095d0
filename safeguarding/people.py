"""Council staff find and read people of their council. Both reads show personal data and
are audited."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import StaffMembership, User
from accounts.offline import people_of_council_with_phone_key, phone_key
from accounts.permissions import Capability, council_person, staff_can, staff_council
from core.audit import audit_record
from core.errors import ApplicationError
from marketplace.models import Need, Offer
from trust.checks import verification_levels
from trust.models import (
    HelperCheck,
    SafeguardingConcern,
    Suspension,
)

logger = logging.getLogger(__name__)


# --- People ----------------------------------------------------------------------------------
PEOPLE_SEARCH_LIMIT = 50


@transaction.atomic
def people_search(*, actor: User, query: str, limit: int = PEOPLE_SEARCH_LIMIT) -> list[User]:
    """People of the staff member's council whose name or email contains `query`, or whose
    phone number is the one typed (however it is written: people who are not online have no
    email). Results show names and emails, so each search is audited with what was searched
    for."""
    council = staff_council(actor, Capability.PEOPLE)
    query = (query or "").strip()
    if len(query) < 2:
        raise ApplicationError(
            _("Enter at least 2 characters of a name or email address, or a whole phone number."),
            code="query_short",
        )
    matches = Q(display_name__icontains=query) | Q(email__icontains=query)
    key = phone_key(query)
    if len(key) >= 9 and not re.search(r"[^\d\s+()-]", query):
        matches |= Q(pk__in=people_of_council_with_phone_key(council=council, key=key).values("pk"))
    people = list(
        User.objects.filter(council=council)
        .filter(matches)
        .order_by("display_name", "email")[:limit]
    )
    audit_record(
        actor=actor,
        verb="people.searched",
        council=council,
        target_type="person",
        data={"query": query[:100], "results": len(people)},
    )
    return people


@dataclass
class PersonRecord:
    person: User
    staff_membership: StaffMembership | None
    verification_level: int
    checks: list[HelperCheck]
    needs: list[Need]
    offers: list[Offer]
    concerns: list[SafeguardingConcern]
    # With their reasons and reinstatement notes: only for staff who may suspend.
    suspensions: list[Suspension] = field(default_factory=list)


@transaction.atomic
def person_view(*, actor: User, person_id) -> PersonRecord:
    """A person's record as staff see it. Audited as "person.viewed"."""
    council = staff_council(actor, Capability.PEOPLE)
    person = council_person(council=council, person_id=person_id)
    levels = verification_levels(user_ids=[person.pk])
    record = PersonRecord(
        person=person,
        staff_membership=StaffMembership.objects.filter(user=person).first(),
        verification_level=levels[person.pk],
        checks=list(HelperCheck.objects.filter(user=person).order_by("-recorded_at")),
        needs=list(
            Need.objects.filter(owner=person).select_related("category").order_by("-created_at")
        ),
        offers=list(
            Offer.objects.filter(helper=person).select_related("category").order_by("-created_at")
        ),
        concerns=list(
            SafeguardingConcern.objects.filter(about=person, council=council).order_by(
                "-created_at"
            )
        )
        if staff_can(actor, Capability.SAFEGUARDING)
        else [],
        suspensions=list(
            Suspension.objects.filter(person=person, council=council).select_related(
                "suspended_by", "reinstated_by"
            )
        )
        if staff_can(actor, Capability.SUSPENSION)
        else [],
    )
    audit_record(
        actor=actor,
        verb="person.viewed",
        council=council,
        target_type="person",
        target_id=person.pk,
    )
    return record
