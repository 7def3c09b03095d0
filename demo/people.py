"""Demo data owned by accounts: the demo council and the demo accounts.

Deterministic and idempotent: running it again updates the same rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from accounts.models import Council, StaffMembership, User
from accounts.second_factor import invitation_send, needs_invitation_to_enrol
from places.geo import postcode_point

DEMO_COUNCIL_CODE = "K99000001"
DEMO_CENTRE = Point(-1.5491, 53.8008, srid=4326)  # a northern English town centre


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    display_name: str
    role: str  # "citizen", "helper" or a StaffMembership role
    postcode: str = ""


DEMO_ACCOUNTS = [
    DemoAccount("citizen@kith.example", "demo-citizen-pass", "Margaret", "citizen", "YY1 1AB"),
    DemoAccount("helper@kith.example", "demo-helper-pass", "Tomasz", "helper", "YY2 3DF"),
    DemoAccount(
        "moderator@kith.example",
        "demo-moderator-passphrase",
        "Priya (moderator)",
        StaffMembership.Role.MODERATOR,
    ),
    DemoAccount(
        "safeguarding@kith.example",
        "demo-safeguarding-passphrase",
        "Sam (safeguarding lead)",
        StaffMembership.Role.SAFEGUARDING_LEAD,
    ),
    DemoAccount(
        "admin@kith.example",
        "demo-admin-passphrase",
        "Alex (council admin)",
        StaffMembership.Role.COUNCIL_ADMIN,
    ),
]


def demo_boundary() -> MultiPolygon:
    """A 16-sided service area about 9 km across east-west around the demo centre."""
    ring = []
    for i in range(16):
        angle = 2 * math.pi * i / 16
        # Slightly irregular, as real boundaries are.
        r_km = 9.0 + 1.5 * math.sin(3 * angle)
        dlat = r_km / 111.32 * math.sin(angle)
        dlon = r_km / (111.32 * math.cos(math.radians(DEMO_CENTRE.y))) * math.cos(angle)
        ring.append((round(DEMO_CENTRE.x + dlon, 6), round(DEMO_CENTRE.y + dlat, 6)))
    ring.append(ring[0])
    return MultiPolygon(Polygon(ring), srid=4326)


def seed_council() -> Council:
    council, _ = Council.objects.update_or_create(
        code=DEMO_COUNCIL_CODE,
        defaults={
            "name": "Demo Borough Council",
            "slug": "demo-borough",
            "boundary": demo_boundary(),
            "contact_email": "kith@demo-borough.example",
            "max_travel_radius_m": 8000,
            "auto_approve_verified_helpers": True,
        },
    )
    return council


def ensure_user(
    *, email: str, password: str, display_name: str, council: Council | None = None, **extra
) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password)
    else:
        user.set_password(password)
    user.display_name = display_name
    user.council = council
    for field, value in extra.items():
        setattr(user, field, value)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def seed_accounts(*, council: Council) -> dict[str, User]:
    users = {}
    for account in DEMO_ACCOUNTS:
        home = {}
        if account.postcode:
            home = {
                "home_postcode": account.postcode,
                "home_location": postcode_point(postcode=account.postcode),
                "preferred_languages": ["en", "pl"] if account.role == "helper" else ["en"],
            }
        user = ensure_user(
            email=account.email,
            password=account.password,
            display_name=account.display_name,
            council=council,
            **home,
        )
        if account.role in StaffMembership.Role.values:
            StaffMembership.objects.update_or_create(
                user=user, defaults={"council": council, "role": account.role}
            )
        users[account.email] = user
    return users


def staff_setup_links(*, base_url: str) -> list[tuple[str, str]]:
    """A fresh one-time authenticator set-up link for each demo member of staff who has not
    set up an app yet (the link a council admin would send them), as (email, link)."""
    links = []
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(email=account.email).first()
        if user is None or not needs_invitation_to_enrol(user):
            continue
        links.append((account.email, invitation_send(actor=None, member=user, base_url=base_url)))
    return links
