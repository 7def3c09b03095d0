"""Evidence of helper vetting for a council, as its oversight page and CSV show it: of the
active helpers (`measures.active_helper_ids`), the share holding each kind of check and
training in date, how many current checks expire in the next 30 days, and the data-security
training rate against the 95 % a council must evidence each year (the NHS Data Security and
Protection Toolkit asks it of staff and volunteers).

"In date" is what `trust.vetting.current_q` says: not revoked, not superseded, not expired.
A kind that is needed more than once at a time (two references) counts as held only when
that many are current."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone

from accounts.models import Council
from insights import measures
from trust.models import HelperCheck
from trust.vetting import current_checks, current_q

DATA_SECURITY_TARGET = 0.95
EXPIRING_WITHIN_DAYS = 30


@dataclass(frozen=True)
class KindEvidence:
    kind: str
    label: str
    needed: int  # current records that make the kind held (2 for references)
    holding: int  # active helpers holding it
    share: float | None  # of active helpers; None when there are none
    expiring: int  # current checks of the kind (any helper of the council) expiring soon


@dataclass
class VettingEvidence:
    today: dt.date
    active_helpers: int
    kinds: list[KindEvidence] = field(default_factory=list)
    target: float = DATA_SECURITY_TARGET

    @property
    def data_security(self) -> KindEvidence:
        return next(k for k in self.kinds if k.kind == HelperCheck.Kind.DATA_PROTECTION_TRAINING)

    @property
    def data_security_met(self) -> bool | None:
        share = self.data_security.share
        return None if share is None else share >= self.target

    @property
    def expiring_total(self) -> int:
        return sum(k.expiring for k in self.kinds)


def vetting_evidence(*, council: Council, today: dt.date | None = None) -> VettingEvidence:
    """Three queries: the active helpers, their current checks, and the council's current
    checks expiring within `EXPIRING_WITHIN_DAYS`."""
    today = today or timezone.localdate()
    helper_ids = list(measures.active_helper_ids(council_id=council.pk))
    held = current_checks(user_ids=helper_ids, on=today)
    expiring = dict(
        HelperCheck.objects.filter(council=council)
        .filter(current_q(today))
        .filter(expires_on__lte=today + dt.timedelta(days=EXPIRING_WITHIN_DAYS))
        .order_by()
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    kinds = []
    for kind, label in HelperCheck.Kind.choices:
        needed = HelperCheck.CURRENT_AT_ONCE.get(kind, 1)
        holding = sum(1 for uid in helper_ids if len(held[uid].get(kind, [])) >= needed)
        kinds.append(
            KindEvidence(
                kind=kind,
                label=str(label),
                needed=needed,
                holding=holding,
                share=(holding / len(helper_ids)) if helper_ids else None,
                expiring=expiring.get(kind, 0),
            )
        )
    return VettingEvidence(today=today, active_helpers=len(helper_ids), kinds=kinds)
