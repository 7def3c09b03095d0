"""People who are not online: recorded without an email address by council staff (or a
referrer) with their consent, and the possible duplicates staff see before a second record is
made. How such a person is reached (text or letter) is the notifications room's
(`notifications.offline_people`), which calls these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import F, Func, Q, QuerySet, Value
from django.db.models.functions import Lower, Trim
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Council, OfflinePerson, User, WebProfile
from accounts.selectors import council_for_point
from core.errors import ApplicationError
from places.geo import normalise_postcode, postcode_point

#: What `person_create_offline` refuses with while possible duplicates are not confirmed.
POSSIBLE_DUPLICATE = "possible_duplicate"
DUPLICATE_MESSAGE = gettext_lazy(
    "This may be someone Kith already has: check the people listed. Go to their record, or "
    "confirm that this is a different person."
)


def phone_key(raw: str) -> str:
    """A UK phone number reduced to its national digits, so that "07700 900123",
    "+44 7700 900123" and "0044 7700900123" are the same number ("" for none)."""
    digits = re.sub(r"\D", "", raw or "")
    return re.sub(r"^(0044|44|0)", "", digits)


def _sql_phone_key(field: str) -> Func:
    digits = Func(F(field), Value(r"\D"), Value(""), Value("g"), function="regexp_replace")
    return Func(digits, Value("^(0044|44|0)"), Value(""), function="regexp_replace")


def mask_phone(raw: str) -> str:
    """Enough of a number for staff to compare, not to read out: its last three digits."""
    digits = re.sub(r"\D", "", raw or "")
    return f"ending {digits[-3:]}" if len(digits) >= 6 else ""


@dataclass(frozen=True)
class PossibleDuplicate:
    person_id: int
    public_name: str
    masked_phone: str
    postcode: str
    why: str  # "same phone number", "same name and postcode"


def people_of_council_with_phone_key(*, council: Council, key: str) -> QuerySet[User]:
    return (
        User.objects.filter(council=council, is_active=True)
        .exclude(phone="")
        .annotate(_phone_key=_sql_phone_key("phone"))
        .filter(_phone_key=key)
    )


def possible_duplicates(
    *,
    council: Council,
    display_name: str,
    postcode: str,
    phone: str = "",
    also_phone_of: QuerySet[User] | None = None,
) -> list[PossibleDuplicate]:
    """People of `council` who may be the person about to be recorded: the same phone number
    (however written), or the same name and postcode. `also_phone_of`: people found with
    the number elsewhere (a higher room's record of mobile numbers)."""
    key = phone_key(phone)
    name = " ".join((display_name or "").split()).lower()
    code = normalise_postcode(postcode) if postcode else ""
    by_phone: set[int] = set()
    if len(key) >= 6:
        by_phone = set(
            people_of_council_with_phone_key(council=council, key=key).values_list("pk", flat=True)
        )
        if also_phone_of is not None:
            by_phone |= set(also_phone_of.filter(council=council).values_list("pk", flat=True))
    by_name: set[int] = set()
    if name and code:
        by_name = set(
            User.objects.filter(council=council, is_active=True, home_postcode=code)
            .annotate(
                _name=Func(
                    Lower(Trim("display_name")),
                    Value(r"\s+"),
                    Value(" "),
                    Value("g"),
                    function="regexp_replace",
                )
            )
            .filter(_name=name)
            .values_list("pk", flat=True)
        )
    found = []
    for person in User.objects.filter(Q(pk__in=by_phone) | Q(pk__in=by_name)).order_by("pk"):
        why = " and ".join(
            reason
            for reason, hit in (
                ("same phone number", person.pk in by_phone),
                ("same name and postcode", person.pk in by_name),
            )
            if hit
        )
        found.append(
            PossibleDuplicate(
                person_id=person.pk,
                public_name=person.public_name,
                masked_phone=mask_phone(person.phone),
                postcode=person.home_postcode,
                why=why,
            )
        )
    return found


def offline_home(*, postcode: str, council: Council) -> dict:
    """The home of a person recorded offline: `postcode`'s point, which must lie in `council`
    (the caller's council), as `offline_person_add` takes it."""
    point = postcode_point(postcode=postcode)
    found = council_for_point(point=point)
    if found is None or found.pk != council.pk:
        raise ApplicationError(
            _("Kith is not available in your area yet. The postcode must be in %(council)s.")
            % {"council": council.local_name},
            code="out_of_area",
        )
    return {"postcode": normalise_postcode(postcode), "point": point}


def offline_person_add(
    *,
    recorded_by: User | None,
    council: Council,
    display_name: str,
    phone: str,
    home: dict,
    preferred_route: str,
    consent_how: str,
) -> User:
    """The record of a person who is not online, in the caller's transaction (which audits
    it): no email address, no usable password, their home, and how they said yes."""
    if preferred_route not in OfflinePerson.Route.values:
        raise ApplicationError(_("Choose a text message or a letter."), code="route_invalid")
    if consent_how not in OfflinePerson.Consent.values:
        raise ApplicationError(
            _("Say how the person agreed to Kith keeping their details."), code="consent_missing"
        )
    person = User(
        email=None,
        display_name=display_name,
        phone=phone,
        council=council,
        home_postcode=home["postcode"],
        home_location=home["point"],
    )
    person.set_unusable_password()
    person.save()
    WebProfile.objects.create(user=person, role=WebProfile.Role.NEED, onboarded_at=timezone.now())
    OfflinePerson.objects.create(
        person=person,
        preferred_route=preferred_route,
        consent_how=consent_how,
        recorded_by=recorded_by,
    )
    return person


def offline_record_of(person: User) -> OfflinePerson | None:
    return OfflinePerson.objects.filter(person=person).first()
