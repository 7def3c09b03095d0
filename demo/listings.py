"""Demo data owned by the marketplace: synthetic postcodes inside the demo council."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.hashers import make_password
from django.contrib.gis.geos import Point
from django.utils import timezone

from accounts.models import Council, StaffMembership, User
from marketplace.models import Category, Need, NeedSlot, Offer, OfferSlot, Urgency
from places.geo import approximate_point
from places.models import Postcode
from trust.models import HelperCheck

DEMO_POSTCODE_COUNT = 300
_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

#: Days left for some demo checks (by the helper's index), inside the warning days.
DUE_TO_EXPIRE = {0: 25, 3: 6}

ONE_DAY = dt.timedelta(days=1)


def seed_postcodes(*, council: Council) -> int:
    """A few hundred postcodes spread over the council's boundary, in the YY area, which
    no real UK postcode uses.

    The first two are fixed (YY1 1AB, YY2 3DF) because the demo accounts live there.
    """
    rng = random.Random(20261122)  # noqa: S311 - demo data, not security
    boundary = council.boundary
    xmin, ymin, xmax, ymax = boundary.extent
    # Fixed homes for the demo citizen and helper, about 1.5 km apart near the centre.
    centre = boundary.centroid
    wanted = {
        "YY1 1AB": Point(centre.x - 0.010, centre.y + 0.004, srid=4326),
        "YY2 3DF": Point(centre.x + 0.012, centre.y - 0.003, srid=4326),
    }
    while len(wanted) < DEMO_POSTCODE_COUNT:
        district = rng.randint(1, 9)
        code = f"YY{district} {rng.randint(1, 9)}{rng.choice(_LETTERS)}{rng.choice(_LETTERS)}"
        point = Point(rng.uniform(xmin, xmax), rng.uniform(ymin, ymax), srid=4326)
        if code not in wanted and boundary.contains(point):
            wanted[code] = point
    existing = set(Postcode.objects.filter(postcode__in=wanted).values_list("postcode", flat=True))
    Postcode.objects.bulk_create(
        [
            Postcode(postcode=pc, location=pt, district_code=council.code)
            for pc, pt in wanted.items()
            if pc not in existing
        ]
    )
    return len(wanted)


def demo_postcodes() -> list[str]:
    return list(
        Postcode.objects.filter(postcode__startswith="YY")
        .order_by("postcode")
        .values_list("postcode", flat=True)
    )


# --- Demo listings ---------------------------------------------------------------------------
DEMO_PEOPLE_DOMAIN = "demo.kith.example"
DEMO_NEED_COUNT = 180
DEMO_OFFER_COUNT = 200
DEMO_NEIGHBOURS = 60
DEMO_HELPERS = 80
_FIRST_NAMES = [
    "Aisha", "Bernard", "Chloe", "Dev", "Edith", "Farid", "Grace", "Harry", "Ines", "Jamal",
    "Kath", "Leon", "Maya", "Nadia", "Owen", "Priya", "Quentin", "Rosa", "Sanjay", "Tess",
    "Uma", "Victor", "Wen", "Yusuf", "Zofia", "Alan", "Beata", "Colin", "Dorota", "Eileen",
]  # fmt: skip
_LANGUAGES = [["en"], ["en"], ["en"], ["en", "pl"], ["en", "ur"], ["en", "pa"], ["en", "so"]]
# (title, description) ideas per category; none carries contact details.
_NEED_TEXT = {
    "hot-meals": [
        ("A hot dinner a few times a week", "Cooking is hard since my hip operation."),
        ("An extra portion of home cooking", "I live alone and miss a proper meal."),
    ],
    "shopping": [
        ("Weekly food shop", "I can't carry heavy bags from the shop any more."),
        ("Collecting my prescriptions", "The chemist is a bus ride away and I get tired."),
    ],
    "befriending": [
        ("A weekly chat over a cup of tea", "My family live far away; I'd love some company."),
        ("Someone to talk to on the phone", "A friendly call to check in once a week."),
    ],
    "lifts": [
        ("A lift to the hospital", "Regular appointments at the eye clinic."),
        ("Lift to the GP surgery", "The surgery moved and the bus doesn't go there."),
    ],
    "gardening": [
        ("Help mowing the lawn", "The back garden has got out of hand this year."),
        ("Weeding and tidying", "Raised beds need weeding before spring."),
    ],
    "small-repairs": [
        ("Putting up a shelf", "I have the shelf and brackets, just not the drill."),
        ("Changing a ceiling bulb", "I can't safely climb a ladder."),
    ],
    "technology": [
        ("Learning video calls", "I'd like to see my grandchildren on the tablet."),
        ("Setting up online banking", "Help to get started safely, not to handle money."),
    ],
    "forms-letters": [
        ("Help with a benefits form", "The form is long and the letters confuse me."),
        ("Reading council letters", "My eyesight makes small print hard."),
    ],
    "dog-walking": [
        ("Walking my terrier", "He needs a good walk but my knees are bad."),
        ("Dog walks while I recover", "Two weeks after surgery, then I'll manage."),
    ],
    "personal-care": [
        ("Help getting dressed in the morning", "Just a hand with buttons and shoes."),
        ("Help with washing my hair", "Once a week would make a big difference."),
    ],
}
_OFFER_TEXT = {
    "hot-meals": "I cook for my family most evenings and can plate up one more.",
    "shopping": "I shop at the big supermarket every Saturday and can take a list.",
    "befriending": "Retired teacher, happy to chat about anything over a cuppa.",
    "lifts": "I have a car and flexible hours most weekdays.",
    "gardening": "Keen gardener with my own tools.",
    "small-repairs": "Handy with a drill and a screwdriver.",
    "technology": "I work in IT and like helping people get online.",
    "forms-letters": "Patient with paperwork; I can read letters through with you.",
    "dog-walking": "I walk my own dog twice a day and love dogs.",
    "personal-care": "Former care assistant, DBS checked.",
}
_DIETS = ["vegetarian", "halal", "diabetic_friendly", "soft_food"]
_REJECTION_REASONS = [
    "Please describe what help you need in a little more detail.",
    "This looks like paid work; Kith is for neighbourly help.",
]


def _demo_people(*, council: Council, rng: random.Random, homes: list[tuple[str, Point]]):
    """The extra demo people (neighbours and helpers), created once and then refreshed."""
    wanted = [f"neighbour-{i:03d}@{DEMO_PEOPLE_DOMAIN}" for i in range(1, DEMO_NEIGHBOURS + 1)]
    wanted += [f"helper-{i:03d}@{DEMO_PEOPLE_DOMAIN}" for i in range(1, DEMO_HELPERS + 1)]
    existing = {u.email: u for u in User.objects.filter(email__in=wanted)}
    unusable = make_password(None)
    to_create, to_update = [], []
    for email in wanted:
        postcode, point = rng.choice(homes)
        fields = {
            "display_name": rng.choice(_FIRST_NAMES),
            "home_postcode": postcode,
            "home_location": point,
            "council": council,
            "preferred_languages": rng.choice(_LANGUAGES),
            "gender": rng.choice(["woman", "man", "woman", "man", ""]),
        }
        user = existing.get(email)
        if user is None:
            to_create.append(User(email=email, password=unusable, **fields))
        else:
            for name, value in fields.items():
                setattr(user, name, value)
            to_update.append(user)
    User.objects.bulk_create(to_create)
    User.objects.bulk_update(to_update, list(fields))
    people = {u.email: u for u in User.objects.filter(email__in=wanted)}
    neighbours = [people[e] for e in wanted if e.startswith("neighbour-")]
    helpers = [people[e] for e in wanted if e.startswith("helper-")]
    return neighbours, helpers


# Part of the day a weekly time falls in: (first start hour, last start hour, lengths).
_NEED_WINDOWS = [(9, 11, [1, 2]), (13, 15, [1, 2]), (17, 18, [1, 2])]
_OFFER_WINDOWS = [(8, 9, [3, 4]), (12, 13, [3, 4]), (16, 17, [3, 4])]


def _home(person: User) -> Point:
    """A demo person's home: every one of them is given one (`_demo_people`)."""
    if person.home_location is None:
        raise ValueError(f"Demo person {person.email} has no home.")
    return person.home_location


def _weekly_slots(
    rng: random.Random, count: int, windows: list[tuple[int, int, list[int]]]
) -> list[tuple[int, dt.time, dt.time]]:
    """`count` weekly times on different days. Needs ask for an hour or two; helpers give a
    morning, an afternoon or an evening, so a need and a nearby offer share a time about as
    often as they would in a real borough (rather than almost never)."""
    days = sorted(rng.sample(range(7), count))
    slots = []
    for day in days:
        first, last, lengths = rng.choice(windows)
        start = rng.randint(first, last)
        slots.append((day, dt.time(start), dt.time(min(start + rng.choice(lengths), 21))))
    return slots


def seed_listings(*, council: Council) -> str:
    """About 180 needs and 200 offers over the demo council, from demo people at the demo
    postcodes, across categories, weekly times, urgencies and statuses (some waiting for
    review), and ID/DBS checks so that regulated categories have eligible helpers.

    Deterministic (seeded) and idempotent: the demo people are keyed on their email and their
    listings and checks are deleted and made again, so a second run gives the same rows.
    """
    rng = random.Random(20261123)  # noqa: S311 - demo data, not security
    today = timezone.localdate()
    midnight = timezone.make_aware(dt.datetime.combine(today, dt.time()))
    homes = [
        (p.postcode, Point(p.location.x, p.location.y, srid=4326))
        for p in Postcode.objects.filter(postcode__in=demo_postcodes()).order_by("postcode")
    ]
    if not homes:
        raise ValueError("Seed the demo postcodes first (seed_postcodes).")
    neighbours, helpers = _demo_people(council=council, rng=rng, homes=homes)
    citizen = User.objects.filter(email="citizen@kith.example").first()
    main_helper = User.objects.filter(email="helper@kith.example").first()
    moderator = (
        StaffMembership.objects.filter(council=council, role=StaffMembership.Role.MODERATOR)
        .select_related("user")
        .first()
    )
    recorder = moderator.user if moderator else None
    owners = neighbours + ([citizen] * 6 if citizen else [])
    all_helpers = helpers + ([main_helper] * 4 if main_helper else [])
    everyone = owners + all_helpers

    # Start again from nothing for the demo people (matches cascade with their listings).
    Need.objects.filter(owner__in=everyone).delete()
    Offer.objects.filter(helper__in=everyone).delete()
    HelperCheck.objects.filter(user__in=set(all_helpers)).delete()

    # Checks: most helpers are ID checked, a third also hold an enhanced DBS check, half have
    # safeguarding training; some checks are due to expire (`DUE_TO_EXPIRE`), so staff see the
    # renewal queue and the 30- and 7-day warnings.
    level: dict[int, int] = {}
    checks = []
    for index, helper in enumerate(sorted(set(all_helpers), key=lambda u: u.email)):
        roll = rng.random() if helper != main_helper else 0.0
        if roll < 0.8:
            level[helper.pk] = 1
            checks.append(
                HelperCheck(
                    user=helper,
                    council=council,
                    kind=HelperCheck.Kind.ID,
                    issued_on=today - dt.timedelta(days=30 + index),
                    recorded_by=recorder,
                )
            )
        if roll < 0.35:
            level[helper.pk] = 2
            checks.append(
                HelperCheck(
                    user=helper,
                    council=council,
                    kind=HelperCheck.Kind.DBS_ENHANCED_BARRED,
                    issued_on=today - dt.timedelta(days=60 + index),
                    expires_on=today
                    + dt.timedelta(days=DUE_TO_EXPIRE.get(index % 7, 3 * 365 - index)),
                    certificate_last4=f"{1000 + index * 37 % 9000:04d}",
                    recorded_by=recorder,
                )
            )
        if roll < 0.5:
            # Safeguarding training, some of it due for renewal within the warning days.
            checks.append(
                HelperCheck(
                    user=helper,
                    council=council,
                    kind=HelperCheck.Kind.SAFEGUARDING_TRAINING,
                    issued_on=today - dt.timedelta(days=300 + index),
                    expires_on=today + dt.timedelta(days=DUE_TO_EXPIRE.get(index % 5, 400)),
                    recorded_by=recorder,
                )
            )
    HelperCheck.objects.bulk_create(checks)

    categories = list(Category.objects.filter(is_active=True).order_by("sort_order"))
    weights = {"befriending": 3, "shopping": 3, "hot-meals": 3, "lifts": 2, "technology": 2}
    need_categories = [c for c in categories for _ in range(weights.get(c.slug, 1))]
    statuses = (
        [("open", "")] * 110
        + [("pending_review", "")] * 30
        + [("draft", "")] * 10
        + [("closed", "fulfilled")] * 12
        + [("closed", "withdrawn")] * 8
        + [("closed", "expired")] * 6
        + [("closed", "rejected")] * 4
    )
    rng.shuffle(statuses)
    urgencies = [Urgency.ROUTINE] * 6 + [Urgency.SOON] * 3 + [Urgency.URGENT] * 1

    needs, need_slots = [], []
    for i in range(DEMO_NEED_COUNT):
        owner = rng.choice(owners)
        category = rng.choice(need_categories)
        title, description = rng.choice(_NEED_TEXT.get(category.slug, [("Help", "Help.")]))
        status, reason = statuses[i % len(statuses)]
        point = _home(owner)
        one_off = rng.random() < 0.3
        starts = midnight + dt.timedelta(days=rng.randint(1, 14), hours=rng.choice([9, 10, 14]))
        recorded = recorder is not None and rng.random() < 0.08
        urgency = rng.choice(urgencies)
        if one_off and urgency == Urgency.URGENT and starts.date() > midnight.date() + ONE_DAY:
            urgency = Urgency.SOON  # "today or tomorrow" only for a day that is (the rule)
        need = Need(
            owner=owner,
            council=council,
            category=category,
            title=title,
            description=description,
            postcode=owner.home_postcode,
            location=point,
            approx_location=approximate_point(point),
            languages=list(owner.preferred_languages),
            timing=Need.Timing.ONE_OFF if one_off else Need.Timing.WEEKLY,
            starts_at=starts if one_off else None,
            ends_at=starts + dt.timedelta(hours=2) if one_off else None,
            urgency=urgency,
            # The demo citizen's own needs carry no preference that rules helpers out, so
            # the quick start shows ranked helpers on every one of them.
            helper_gender_preference=(
                "" if owner == citizen else rng.choice(["", "", "", "", "", "", "woman", "man"])
            ),
            dietary_requirements=(
                rng.sample(_DIETS, k=1)
                if category.is_meal and owner != citizen and rng.random() < 0.5
                else []
            ),
            helpers_wanted=2 if rng.random() < 0.1 else 1,
            status=status,
            closed_reason=reason,
            rejection_reason=rng.choice(_REJECTION_REASONS) if reason == "rejected" else "",
            recorded_by=recorder if recorded else None,
            consent_recorded_at=midnight - dt.timedelta(days=3) if recorded else None,
            consent_note="Agreed on the phone with the council's contact centre."
            if recorded
            else "",
            published_at=(
                midnight - dt.timedelta(days=rng.randint(0, 40))
                if status in ("open", "closed") and reason != "rejected"
                else None
            ),
        )
        need.expires_at = (
            need.ends_at if one_off else midnight + dt.timedelta(days=rng.randint(20, 90))
        )
        needs.append(need)
        if not one_off and rng.random() < 0.8:  # the rest are happy with any time
            need_slots.append((need, _weekly_slots(rng, rng.randint(1, 3), _NEED_WINDOWS)))
    Need.objects.bulk_create(needs)
    NeedSlot.objects.bulk_create(
        [
            NeedSlot(need=need, weekday=d, start=s, end=e)
            for need, slots in need_slots
            for d, s, e in slots
        ]
    )

    offer_statuses = (
        [Offer.Status.OPEN] * 150
        + [Offer.Status.PENDING_REVIEW] * 25
        + [Offer.Status.PAUSED] * 15
        + [Offer.Status.CLOSED] * 10
    )
    rng.shuffle(offer_statuses)
    offers, offer_slots = [], []
    for i in range(DEMO_OFFER_COUNT):
        # Offers follow demand: the categories people ask for most are offered most, each by
        # a helper who holds the checks it needs.
        category = rng.choice(need_categories)
        helper = rng.choice(
            [h for h in all_helpers if level.get(h.pk, 0) >= category.required_level]
        )
        status = offer_statuses[i % len(offer_statuses)]
        point = _home(helper)
        offers.append(
            Offer(
                helper=helper,
                council=council,
                category=category,
                title=category.name,
                description=_OFFER_TEXT.get(category.slug, "Happy to help."),
                postcode=helper.home_postcode,
                location=point,
                approx_location=approximate_point(point),
                radius_m=rng.choice([1600, 3000, 5000, 5000, 8000, 8000]),
                capacity=rng.choice([1, 1, 2, 3]),
                languages=list(helper.preferred_languages),
                dietary_capabilities=(
                    sorted(rng.sample([*_DIETS, "vegan"], k=3)) if category.is_meal else []
                ),
                status=status,
                published_at=(
                    None
                    if status == Offer.Status.PENDING_REVIEW
                    else midnight - dt.timedelta(days=rng.randint(0, 60))
                ),
            )
        )
        if rng.random() < 0.75:  # the rest can come at any time
            offer_slots.append((offers[-1], _weekly_slots(rng, rng.randint(2, 5), _OFFER_WINDOWS)))
    Offer.objects.bulk_create(offers)
    OfferSlot.objects.bulk_create(
        [
            OfferSlot(offer=offer, weekday=d, start=s, end=e)
            for offer, slots in offer_slots
            for d, s, e in slots
        ]
    )
    open_needs = sum(1 for n in needs if n.status == "open")
    pending = sum(1 for n in needs if n.status == "pending_review") + sum(
        1 for o in offers if o.status == Offer.Status.PENDING_REVIEW
    )
    return (
        f"Demo listings: {len(needs)} needs ({open_needs} open), {len(offers)} offers, "
        f"{pending} waiting for review, {len(neighbours) + len(helpers)} demo neighbours and "
        f"helpers, {len(checks)} helper checks"
    )
