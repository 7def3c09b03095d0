"""Vetting as a policy: which checks each kind of help needs (Kith's defaults, a council's
additions, never below the legal floor), what a helper holds and lacks, and the one rule that
an offer opens only when its helper holds every check its category needs.

Every path that opens an offer asks first: a moderator's approval and the helper resuming
(`require_vetted`, refusing with what is missing), auto-approval (`needs_review`: the offer
waits for review instead), and staff reopening after a suspension (`offers_vetting`: the offer
stays closed, saying why). Matching's own rule 5 (`matching.eligibility`) still leaves out
helpers below their category's level.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import Council, User
from accounts.permissions import Capability, staff_council
from core.audit import audit_record
from core.errors import ApplicationError
from marketplace.models import Category, CategoryRequirement, Offer
from trust.models import HelperCheck
from trust.vetting import (
    MEETS,
    KindStatus,
    assess,
    current_checks,
    floor_for_level,
    missing_words,
)


def requirements_of(*, category: Category, council: Council | int | None) -> dict[str, int]:
    """kind → how many current checks of it `category` needs in `council`'s area."""
    council_id = council.pk if isinstance(council, Council) else council
    required = dict(floor_for_level(category.required_level))
    rows = CategoryRequirement.objects.filter(category=category).filter(
        Q(council__isnull=True) | Q(council_id=council_id)
    )
    for kind, count in rows.values_list("kind", "count"):
        required[kind] = max(required.get(kind, 0), count)
    return required


@dataclass
class Vetting:
    """What a helper's offer of a category needs, holds and lacks."""

    category: Category
    statuses: list[KindStatus]

    @property
    def ok(self) -> bool:
        return all(s.missing == 0 for s in self.statuses)

    @property
    def missing(self) -> list[KindStatus]:
        return [s for s in self.statuses if s.missing]

    @property
    def missing_kinds(self) -> list[str]:
        return [s.kind for s in self.missing]

    @property
    def missing_words(self) -> str:
        return missing_words(self.statuses)


def vetting_of(
    *, helper: User | int, category: Category, council: Council | int, on: dt.date | None = None
) -> Vetting:
    helper_id = helper.pk if isinstance(helper, User) else helper
    held = current_checks(user_ids=[helper_id], on=on)[helper_id]
    required = requirements_of(category=category, council=council)
    return Vetting(category=category, statuses=assess(required=required, held=held))


def offer_vetting(offer: Offer, *, on: dt.date | None = None) -> Vetting:
    return vetting_of(
        helper=offer.helper_id, category=offer.category, council=offer.council_id, on=on
    )


def offers_vetting(offers: Iterable[Offer], *, on: dt.date | None = None) -> dict[int, Vetting]:
    """Each offer's vetting, reading the helpers' checks in one query."""
    offers = list(offers)
    held = current_checks(user_ids={o.helper_id for o in offers}, on=on)
    out = {}
    for offer in offers:
        required = requirements_of(category=offer.category, council=offer.council_id)
        out[offer.pk] = Vetting(
            category=offer.category,
            statuses=assess(required=required, held=held[offer.helper_id]),
        )
    return out


STAYS: dict[str, str] = {
    Offer.Status.PENDING_REVIEW: "in review",
    Offer.Status.PAUSED: "paused",
    Offer.Status.CLOSED: "closed",
}


def require_vetted(offer: Offer) -> None:
    """Refuse to open `offer` while its helper lacks a check its category needs, naming what
    is missing. The offer stays where it is (in review, paused or closed)."""
    vetting = offer_vetting(offer)
    if vetting.ok:
        return
    words = {"category": offer.category.local_name, "missing": vetting.missing_words}
    if offer.status == Offer.Status.PENDING_REVIEW:
        message = _(
            "This offer cannot open: %(category)s needs checks the helper does not hold. "
            "Missing: %(missing)s. The offer stays in review until the council records them."
        )
    elif offer.status == Offer.Status.PAUSED:
        message = _(
            "This offer cannot open: %(category)s needs checks the helper does not hold. "
            "Missing: %(missing)s. The offer stays paused until the council records them."
        )
    elif offer.status == Offer.Status.CLOSED:
        message = _(
            "This offer cannot open: %(category)s needs checks the helper does not hold. "
            "Missing: %(missing)s. The offer stays closed until the council records them."
        )
    else:
        words["stays"] = offer.get_status_display().lower()
        message = _(
            "This offer cannot open: %(category)s needs checks the helper does not hold. "
            "Missing: %(missing)s. The offer stays %(stays)s until the council records them."
        )
    raise ApplicationError(message % words, code="checks_missing")


def kith_requirements_of(category: Category) -> dict[str, int]:
    """What `category` needs anywhere: the legal floor and Kith's defaults (no council's)."""
    return requirements_of(category=category, council=None)


def always_required(category: Category) -> set[str]:
    """The kinds of check a council cannot add to `category` because it needs them anyway:
    Kith's (and the law's), and those a check Kith asks for already meets (an enhanced DBS
    check includes checking who the helper is)."""
    base = kith_requirements_of(category)
    return {
        kind
        for kind in HelperCheck.Kind.values
        if any(meeting in base for meeting in MEETS.get(kind, (kind,)))
    }


def _council_added(category: Category, kinds: Iterable[str]) -> dict[str, int]:
    kinds = set(kinds)
    if kinds - set(HelperCheck.Kind.values):
        raise ApplicationError(_("Choose checks from the list."), code="invalid_kind")
    fixed = always_required(category)
    return {kind: HelperCheck.CURRENT_AT_ONCE.get(kind, 1) for kind in kinds if kind not in fixed}


def council_requirements_would_be(*, category: Category, kinds: Iterable[str]) -> dict[str, int]:
    """What `category` would need in a council that adds `kinds` (nothing is saved): for
    telling staff what a change does before they make it."""
    required = kith_requirements_of(category)
    for kind, count in _council_added(category, kinds).items():
        required[kind] = max(required.get(kind, 0), count)
    return required


@transaction.atomic
def council_requirements_set(
    *, actor: User, category: Category, kinds: Iterable[str]
) -> dict[str, int]:
    """A council asks more of a category's helpers than Kith does: `kinds` are the checks it
    adds (references: two). What Kith asks stays whatever is sent. Audited; returns what the
    category now needs there. Offers already open that now lack a check are paused by the
    safeguarding room (`safeguarding.lapses.category_requirements_change`), which calls this."""
    council = staff_council(actor, Capability.COUNCIL_SETTINGS)
    added = _council_added(category, kinds)
    CategoryRequirement.objects.filter(category=category, council=council).delete()
    CategoryRequirement.objects.bulk_create(
        CategoryRequirement(category=category, council=council, kind=kind, count=count)
        for kind, count in sorted(added.items())
    )
    audit_record(
        actor=actor,
        verb="council.category_requirements_changed",
        target=category,
        council=council,
        data={"category": category.slug, "added": sorted(added)},
    )
    return requirements_of(category=category, council=council)
