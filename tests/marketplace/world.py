"""A small marketplace with every role, for the privacy sweep and the permission matrix."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import StaffMembership, User
from marketplace import services
from marketplace.models import Need, Offer
from safeguarding import reports as safeguarding_reports
from tests.factories import CouncilFactory
from tests.marketplace import factories as mf
from trust.models import Report

# The owner's exact home: digits that cannot appear by chance in an approximate location.
OWNER_LON, OWNER_LAT = -1.551234, 53.801234
OWNER_POSTCODE = "LS1 4AP"
OWNER_PHONE = "07700 900461"
OWNER_EMAIL = "margaret.owner@example.org"
HELPER_LON, HELPER_LAT = -1.567891, 53.812345
HELPER_POSTCODE = "LS2 7HY"
HELPER_PHONE = "07700 900782"
HELPER_EMAIL = "tomasz.helper@example.org"


@dataclass
class World:
    council: object
    away_council: object
    owner: User
    other: User
    helper: User
    staff: User
    away_staff: User
    admin: User
    open_need: Need
    pending_need: Need
    draft_need: Need
    open_offer: Offer
    pending_offer: Offer
    paused_offer: Offer
    helper_offer: Offer
    report: Report

    def role(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)


def build_world() -> World:
    council = CouncilFactory(name="Home Borough Council")
    away_council = mf.other_council()
    owner = mf.person(
        postcode=OWNER_POSTCODE,
        lon=OWNER_LON,
        lat=OWNER_LAT,
        council=council,
        display_name="Margaret",
        email=OWNER_EMAIL,
        phone=OWNER_PHONE,
    )
    helper = mf.person(
        postcode=HELPER_POSTCODE,
        lon=HELPER_LON,
        lat=HELPER_LAT,
        council=council,
        display_name="Tomasz",
        email=HELPER_EMAIL,
        phone=HELPER_PHONE,
    )
    other = mf.person(lon=-1.53, lat=53.79, council=council, display_name="Bill")
    staff = mf.staff(council=council, lon=-1.54, lat=53.80)
    admin = mf.staff(council=council, role=StaffMembership.Role.COUNCIL_ADMIN)
    away_staff = mf.staff(council=away_council, lon=-0.12, lat=51.5)
    here = {"lon": OWNER_LON, "lat": OWNER_LAT}
    open_need = mf.open_need(owner=owner, moderator=staff, **here)
    pending_need = mf.need(owner=owner, title="Help with a letter", **here)
    draft_need = mf.need(owner=owner, submit=False, title="A draft", **here)
    open_offer = mf.open_offer(helper=owner, moderator=staff, **here)
    pending_offer = mf.offer(helper=owner, **here)
    paused_offer = mf.open_offer(helper=owner, moderator=staff, **here)
    services.offer_pause(actor=owner, offer=paused_offer)
    paused_offer.refresh_from_db()
    helper_offer = mf.open_offer(helper=helper, moderator=staff, lon=HELPER_LON, lat=HELPER_LAT)
    report = safeguarding_reports.report_create(
        reporter=helper, target_type="person", target_id=owner.pk, reason="Seemed pushy"
    )
    return World(
        council=council,
        away_council=away_council,
        owner=owner,
        other=other,
        helper=helper,
        staff=staff,
        away_staff=away_staff,
        admin=admin,
        open_need=open_need,
        pending_need=pending_need,
        draft_need=draft_need,
        open_offer=open_offer,
        pending_offer=pending_offer,
        paused_offer=paused_offer,
        helper_offer=helper_offer,
        report=report,
    )


def secrets_of(user: User) -> list[str]:
    """Strings that must never reach anyone but the person (and their council's staff)."""
    home = user.home_location
    values = [user.email, user.phone, user.phone.replace(" ", ""), user.home_postcode]
    values += [f"{home.y:.4f}", f"{home.x:.4f}"]
    return [v for v in values if v]
