"""Demo data of a person who is not online: Edna has only a mobile phone. Staff recorded her
with her consent; Kith reaches her by text message, never email, and she can go online later
with a code (the staff console's person page sends one).

Deterministic and idempotent: running it again updates the same rows.
"""

from __future__ import annotations

from django.utils import timezone

from accounts.models import Council, OfflinePerson, User, WebProfile
from notifications.models import ContactPreference
from places.geo import postcode_point

DEMO_OFFLINE_NAME = "Edna (phone only)"
DEMO_OFFLINE_MOBILE = "+447700900555"  # Ofcom's range for drama: never a real phone
DEMO_OFFLINE_POSTCODE = "YY1 1AB"


def seed_offline_person(*, council: Council) -> str:
    person = User.objects.filter(
        council=council, display_name=DEMO_OFFLINE_NAME, email__isnull=True
    ).first()
    if person is None:
        person = User(email=None, display_name=DEMO_OFFLINE_NAME, council=council)
        person.set_unusable_password()
    person.phone = DEMO_OFFLINE_MOBILE
    person.home_postcode = DEMO_OFFLINE_POSTCODE
    person.home_location = postcode_point(postcode=DEMO_OFFLINE_POSTCODE)
    person.save()
    WebProfile.objects.update_or_create(
        user=person, defaults={"role": WebProfile.Role.NEED, "onboarded_at": timezone.now()}
    )
    OfflinePerson.objects.update_or_create(
        person=person, defaults={"preferred_route": "text", "consent_how": "phone"}
    )
    # Another number's verified owner would clash with Edna's: the demo number is hers.
    ContactPreference.objects.filter(mobile=DEMO_OFFLINE_MOBILE).exclude(person=person).update(
        mobile="", mobile_verified_at=None
    )
    ContactPreference.objects.update_or_create(
        person=person,
        defaults={
            "by_email": False,
            "by_sms": True,
            "by_letter": False,
            "mobile": DEMO_OFFLINE_MOBILE,
            "mobile_verified_at": timezone.now(),
        },
    )
    return f"Demo person not online: {DEMO_OFFLINE_NAME}, texts to {DEMO_OFFLINE_MOBILE}"
