"""Partner organisations and their referrers for tests (partners/): rows made directly, the
referrer with an authenticator app enrolled and marked as used in this session, like
`factories.staff`."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import Council, User
from accounts.second_factor import mark_second_factor
from marketplace.models import Category
from partners import services
from partners.models import PartnerOrganisation, Referral, Referrer
from tests.kit import factories as make

REFERRAL_POSTCODE = "LS1 1AA"


def organisation(
    *, council: Council, name: str = "Riverside GP practice", slugs=("shopping", "befriending")
) -> PartnerOrganisation:
    org = PartnerOrganisation.objects.create(
        council=council,
        name=name,
        kind=PartnerOrganisation.Kind.GP_PRACTICE,
        contact_name="Lin Worker",
        contact_email="lin@riverside.example",
    )
    org.categories.set(Category.objects.filter(slug__in=slugs))
    return org


def referrer(
    *, organisation: PartnerOrganisation, mfa: bool = True, display_name: str = "Rita Referrer"
) -> User:
    user = make.person(council=organisation.council, with_home=False, display_name=display_name)
    Referrer.objects.create(user=user, organisation=organisation)
    if mfa:
        make.enrol_totp(user)
        mark_second_factor(user, used=True)
    return user


def referral_data(**overrides) -> dict:
    category = overrides.pop("category", None) or Category.objects.get(slug="shopping")
    data = {
        "display_name": "Edna Smith",
        "postcode": REFERRAL_POSTCODE,
        "preferred_route": "text",
        "phone": "07700 900123",
        "category": category,
        "title": "Shopping on Fridays",
        "description": "A weekly shop at the corner supermarket.",
        "consent_by": Referral.ConsentBy.PERSON,
        "consent_representative": "",
        "consent_how": Referral.ConsentHow.PHONE,
        "consent_on": timezone.localdate() - dt.timedelta(days=1),
    }
    data.update(overrides)
    return data


def referral(*, referrer: User, **overrides) -> Referral:
    """A referral recorded through the service (the postcode's row must exist)."""
    make.PostcodeFactory(postcode=REFERRAL_POSTCODE)
    return services.referral_record(actor=referrer, **referral_data(**overrides))
