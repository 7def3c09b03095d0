"""One small world, built through the real services with the kit's factories, for the sweeps
that walk every endpoint or page: the privacy probe, fuzzing, stored XSS, trilateration, the
API permission matrix and the API privacy sweep.

One council (and a second far away), and in it:
- Ada, Bea and Cal: Ada and Bea each have a need, Cal an offer; Cal is matched with Ada
  (accepted, with messages) and with Bea (proposed), and helped Ada once before (completed,
  with feedback both ways); Ada reported Bea, and a moderator raised a concern about Bea;
- Margaret (the owner) with listings in every state (an open, a pending and a draft need; an
  open, a pending and a paused offer), Bill (another citizen, with nothing) and Tomasz (a
  helper with an open offer), who reported Margaret;
- a moderator and a safeguarding lead of the council, a council admin, and a moderator of the
  other council.

Every person has distinctive private values (an unusual home, a phone number, an email and a
postcode) so that a test looking for them cannot pass by accident; `text` goes into every
field Ada, Bea, Cal or their staff can type (names, titles, descriptions, messages, report
reasons, feedback comments, concern summaries and notes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.utils import timezone

from accounts.models import Council, StaffMembership, User
from accounts.services import web_profile_set_role
from marketplace import services
from marketplace.models import Need, Offer
from matching import services as matching
from matching.models import Match, Message
from places.geo import approximate_point
from safeguarding import reports as safeguarding_reports
from tests.kit import factories as make
from trust import concerns as trust_concerns
from trust.checks import helper_check_record
from trust.models import HelperCheck, Report, SafeguardingConcern

# Homes chosen so their 4-decimal forms cannot appear by chance in a grid-cell centre.
PEOPLE = {
    "ada": {
        "lon": -1.533713,
        "lat": 53.792158,
        "postcode": "LS9 8QJ",
        "phone": "07700 900459",
        "email": "ada.lovelock@example.org",
    },
    "bea": {
        "lon": -1.562347,
        "lat": 53.806791,
        "postcode": "LS6 2QT",
        "phone": "07700 900457",
        "email": "bea.quartermaine@example.org",
    },
    "cal": {
        "lon": -1.528463,
        "lat": 53.814529,
        "postcode": "LS7 3HB",
        "phone": "07700 900458",
        "email": "cal.fenwick@example.org",
    },
}
AWAY_CENTRE = (-2.24, 53.48)
# The owner's exact home: digits that cannot appear by chance in an approximate location.
OWNER_LON, OWNER_LAT = -1.551234, 53.801234
OWNER_POSTCODE = "LS1 4AP"
OWNER_PHONE = "07700 900461"
OWNER_EMAIL = "margaret.owner@example.org"
HELPER_LON, HELPER_LAT = -1.567891, 53.812345
HELPER_POSTCODE = "LS2 7HY"
HELPER_PHONE = "07700 900782"
HELPER_EMAIL = "tomasz.helper@example.org"
STAFF_EMAIL = "moderator.private@council.example"
LEAD_EMAIL = "lead.private@council.example"
# Cal's whole DBS certificate number, kept (encrypted) with his consent to Update Service
# checks: no page, API answer, export, log line or audit row may ever show it, to anyone.
CAL_DBS_NUMBER = "928374650192"


@dataclass
class World:
    council: Council
    away_council: Council
    ada: User  # a citizen with a need, matched with Cal
    bea: User  # a citizen with a need Cal offered to help with
    cal: User  # a helper with an offer
    owner: User  # a citizen with listings in every state
    other: User  # another citizen, with nothing
    helper: User  # a helper with an open offer
    moderator: User
    lead: User
    admin: User
    away_staff: User  # a moderator of the other council
    ada_need: Need
    bea_need: Need
    cal_offer: Offer
    ada_cal: Match
    bea_cal: Match
    completed: Match
    message: Message
    report: Report  # Ada's, about Bea
    concern: SafeguardingConcern
    open_need: Need
    pending_need: Need
    draft_need: Need
    open_offer: Offer
    pending_offer: Offer
    paused_offer: Offer
    helper_offer: Offer
    report_about_owner: Report
    cal_dbs: HelperCheck | None = None  # Cal's DBS check with the whole number (CAL_DBS_NUMBER)

    def others_than(self, viewer: User) -> list[User]:
        return [p for p in (self.ada, self.bea, self.cal, self.moderator, self.lead) if p != viewer]

    def role(self, name: str) -> User | None:
        """The caller a permission test names: "staff" is the council's moderator."""
        if name == "anonymous":
            return None
        return self.moderator if name == "staff" else getattr(self, name)


def _person(name: str, *, council, text: str) -> User:
    values = PEOPLE[name]
    user = make.person(
        postcode=values["postcode"],
        lon=values["lon"],
        lat=values["lat"],
        council=council,
        display_name=f"{name.title()} {text}".strip()[:60],
        email=values["email"],
        phone=values["phone"],
    )
    web_profile_set_role(user=user, role="both", onboarded=True)
    return user


def build_world(*, text: str = "") -> World:
    council = make.CouncilFactory(name="Home Borough Council")
    # Manchester: the bad-input tests need London to stay outside every council.
    away_council = make.CouncilFactory(
        boundary=make.square(*AWAY_CENTRE), name="Other Borough Council"
    )
    moderator = make.staff(council=council, lon=-1.5401, lat=53.7999, email=STAFF_EMAIL)
    lead = make.staff(
        council=council, role=StaffMembership.Role.SAFEGUARDING_LEAD, email=LEAD_EMAIL
    )
    ada = _person("ada", council=council, text=text)
    bea = _person("bea", council=council, text=text)
    cal = _person("cal", council=council, text=text)
    words = f" {text}" if text else ""

    def need_of(owner: User, title: str) -> Need:
        values = PEOPLE[owner.email.split(".")[0]]
        return make.open_need(
            owner=owner,
            moderator=moderator,
            title=f"{title}{words}"[:80],
            description=f"Please help{words}",
            lon=values["lon"],
            lat=values["lat"],
        )

    ada_need = need_of(ada, "Walk my dog")
    bea_need = need_of(bea, "Walk my spaniel")
    done_need = need_of(ada, "Walk the terrier")
    cal_offer = make.open_offer(
        helper=cal,
        moderator=moderator,
        title=f"Dog walks{words}"[:80],
        description=f"I like dogs{words}",
        lon=PEOPLE["cal"]["lon"],
        lat=PEOPLE["cal"]["lat"],
        radius_m=5000,
        capacity=3,
    )
    ada_cal = matching.match_offer_help(helper=cal, need_id=ada_need.pk, offer_id=cal_offer.pk)
    matching.match_accept(user=ada, match_id=ada_cal.pk)
    message = matching.message_send(user=cal, match_id=ada_cal.pk, body=f"Hello Ada{words}")
    matching.message_send(user=ada, match_id=ada_cal.pk, body=f"Hello Cal{words}")
    bea_cal = matching.match_offer_help(helper=cal, need_id=bea_need.pk, offer_id=cal_offer.pk)
    completed = matching.match_offer_help(helper=cal, need_id=done_need.pk, offer_id=cal_offer.pk)
    matching.match_accept(user=ada, match_id=completed.pk)
    matching.match_complete(user=ada, match_id=completed.pk)
    matching.feedback_leave(user=ada, match_id=completed.pk, rating=5, comment=f"Kind{words}")
    matching.feedback_leave(user=cal, match_id=completed.pk, rating=4, comment=f"Nice{words}")
    report = safeguarding_reports.report_create(
        reporter=ada, target_type="person", target_id=bea.pk, reason=f"Rude{words}"
    )
    concern = trust_concerns.concern_raise(
        actor=moderator,
        about_id=bea.pk,
        summary=f"Worried{words}"[:200],
        priority="high",
        note=f"First note{words}",
    )
    trust_concerns.concern_add_note(actor=lead, concern_id=concern.pk, body=f"Called{words}")
    admin = make.staff(council=council, role=StaffMembership.Role.COUNCIL_ADMIN)
    away_staff = make.staff(council=away_council, lon=AWAY_CENTRE[0], lat=AWAY_CENTRE[1])
    owner = make.person(
        postcode=OWNER_POSTCODE,
        lon=OWNER_LON,
        lat=OWNER_LAT,
        council=council,
        display_name="Margaret",
        email=OWNER_EMAIL,
        phone=OWNER_PHONE,
    )
    helper = make.person(
        postcode=HELPER_POSTCODE,
        lon=HELPER_LON,
        lat=HELPER_LAT,
        council=council,
        display_name="Tomasz",
        email=HELPER_EMAIL,
        phone=HELPER_PHONE,
    )
    other = make.person(lon=-1.53, lat=53.79, council=council, display_name="Bill")
    here = {"lon": OWNER_LON, "lat": OWNER_LAT}
    open_need = make.open_need(owner=owner, moderator=moderator, **here)
    pending_need = make.need(owner=owner, title="Help with a letter", **here)
    draft_need = make.need(owner=owner, submit=False, title="A draft", **here)
    open_offer = make.open_offer(helper=owner, moderator=moderator, **here)
    pending_offer = make.offer(helper=owner, **here)
    paused_offer = make.open_offer(helper=owner, moderator=moderator, **here)
    services.offer_pause(actor=owner, offer=paused_offer)
    paused_offer.refresh_from_db()
    helper_offer = make.open_offer(
        helper=helper, moderator=moderator, lon=HELPER_LON, lat=HELPER_LAT
    )
    # A report moderators decide: about a listing (a report about a person goes to the
    # safeguarding lead as a concern instead).
    report_about_owner = safeguarding_reports.report_create(
        reporter=ada, target_type="need", target_id=open_need.pk, reason="Seemed pushy"
    )
    cal_dbs = helper_check_record(
        actor=moderator,
        helper_id=cal.pk,
        kind=HelperCheck.Kind.DBS_ENHANCED_BARRED,
        issued_on=timezone.localdate() - dt.timedelta(days=40),
        expires_on=timezone.localdate() + dt.timedelta(days=1000),
        certificate_number=CAL_DBS_NUMBER,
        update_service_consent=True,
    )
    for obj in (ada_need, bea_need, cal_offer, ada_cal, bea_cal, completed):
        obj.refresh_from_db()
    return World(
        council=council,
        away_council=away_council,
        ada=ada,
        bea=bea,
        cal=cal,
        moderator=moderator,
        lead=lead,
        ada_need=ada_need,
        bea_need=bea_need,
        cal_offer=cal_offer,
        ada_cal=ada_cal,
        bea_cal=bea_cal,
        completed=completed,
        message=message,
        report=report,
        concern=concern,
        owner=owner,
        other=other,
        helper=helper,
        admin=admin,
        away_staff=away_staff,
        open_need=open_need,
        pending_need=pending_need,
        draft_need=draft_need,
        open_offer=open_offer,
        pending_offer=pending_offer,
        paused_offer=paused_offer,
        helper_offer=helper_offer,
        report_about_owner=report_about_owner,
        cal_dbs=cal_dbs,
    )


def _coordinate_forms(value: float) -> set[str]:
    """4-decimal forms of a coordinate: rounded and truncated, with and without a sign."""
    rounded = f"{value:.4f}"
    sign = "-" if value < 0 else ""
    whole, frac = f"{abs(value):.6f}".split(".")
    truncated = f"{sign}{whole}.{frac[:4]}"
    return {rounded, truncated, rounded.lstrip("-"), truncated.lstrip("-")}


def secrets_of(user: User) -> dict[str, set[str]]:
    """What must never reach anyone but the person (and their council's staff), by kind."""
    out: dict[str, set[str]] = {"email": {user.email, user.email.split("@")[0]}}
    if user.phone:
        digits = user.phone.replace(" ", "")
        out["phone"] = {user.phone, digits, "+44" + digits[1:], "+44 " + user.phone[1:]}
    if user.home_postcode:
        out["postcode"] = {user.home_postcode, user.home_postcode.replace(" ", "")}
    if user.home_location is not None:
        home = user.home_location
        out["latitude"] = _coordinate_forms(home.y)
        out["longitude"] = _coordinate_forms(home.x)
        # Sanity: the published cell centre does not share these strings.
        cell = approximate_point(Point(home.x, home.y, srid=4326))
        for form in out["latitude"] | out["longitude"]:
            assert form not in f"{cell.x:.6f} {cell.y:.6f}", form
    return out


def leaks(body: str, people: list[User]) -> list[tuple[str, str, str]]:
    """(person, kind, value) for each private value of `people` found in `body`."""
    found = []
    for user in people:
        for kind, values in secrets_of(user).items():
            for value in values:
                if value.lower() in body.lower():
                    found.append((user.email, kind, value))
    return found


def stored_secrets_of(user: User) -> list[str]:
    """The values as stored that must never reach anyone but the person (and their council's
    staff)."""
    home = user.home_location
    values = [user.email, user.phone, user.phone.replace(" ", ""), user.home_postcode]
    values += [f"{home.y:.4f}", f"{home.x:.4f}"]
    return [v for v in values if v]
