"""Demo data of the partners room: a GP practice's social prescribing team registered as a
partner organisation, with one referrer account, and one referral it recorded for a person who
is not online (waiting for the council's review).

Deterministic and idempotent: running it again updates the same rows.
"""

from __future__ import annotations

import datetime as dt

from accounts.models import Council
from accounts.second_factor import invitation_send, needs_invitation_to_enrol
from demo.people import ensure_user
from marketplace.models import Category
from partners.models import PartnerOrganisation, Referral, Referrer
from partners.services import referral_record

DEMO_PARTNER = "Meadow Lane Surgery social prescribing"
DEMO_REFERRER_EMAIL = "referrer@kith.example"
DEMO_REFERRER_PASSWORD = "demo-referrer-passphrase"  # noqa: S105 - the demo's published one
DEMO_REFERRED_NAME = "Arthur (referred)"


def seed_partner(*, council: Council, base_url: str = "") -> str:
    organisation, _ = PartnerOrganisation.objects.update_or_create(
        council=council,
        name=DEMO_PARTNER,
        defaults={
            "kind": PartnerOrganisation.Kind.SOCIAL_PRESCRIBING,
            "contact_name": "Lin (link worker lead)",
            "contact_email": "linkworkers@meadowlane.example",
            "contact_phone": "0113 496 0000",
            "suspended_at": None,
            "suspended_reason": "",
        },
    )
    organisation.categories.set(
        Category.objects.filter(slug__in=("shopping", "befriending", "hot-meals"))
    )
    user = ensure_user(
        email=DEMO_REFERRER_EMAIL,
        password=DEMO_REFERRER_PASSWORD,
        display_name="Rita (referrer)",
        council=council,
    )
    referrer, _ = Referrer.objects.update_or_create(
        user=user, defaults={"organisation": organisation, "active": True}
    )
    if not Referral.objects.filter(referrer=referrer).exists():
        referral_record(
            actor=user,
            display_name=DEMO_REFERRED_NAME,
            postcode="YY2 3DF",
            preferred_route="letter",
            phone="",
            category=Category.objects.get(slug="befriending"),
            title="A weekly chat",
            description="Arthur is 86, lives alone since his wife died and would like company.",
            consent_by=Referral.ConsentBy.PERSON,
            consent_representative="",
            consent_how=Referral.ConsentHow.IN_PERSON,
            consent_on=dt.date(2026, 1, 12),
        )
    lines = [
        f"Demo partner organisation: {DEMO_PARTNER}; referrer {DEMO_REFERRER_EMAIL} / "
        f"{DEMO_REFERRER_PASSWORD} (referral pages at /refer/)"
    ]
    if base_url and needs_invitation_to_enrol(user):
        link = invitation_send(
            actor=None, member=user, base_url=base_url, account="referrer", tool="Kith referrals"
        )
        lines.append(f"  the referrer sets up an authenticator app from {link}")
    return "\n".join(lines)
