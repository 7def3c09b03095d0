"""People without email: staff record a person reached by text or letter (with consent,
audited, no usable password), possible duplicates (same phone however written, or same name
and postcode) are refused until staff confirm, and the email-only parts of Kith cope with a
person who has none."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError

from accounts.models import OfflinePerson, User
from core.errors import ApplicationError, NotFound
from core.models import AuditEvent
from notifications.models import Channel, ContactPreference, Notification
from notifications.offline_people import PossibleDuplicates, person_create_offline
from notifications.pipeline import channels_for, preference_of
from notifications.rules import Notice
from tests.kit import factories as make

pytestmark = pytest.mark.django_db

ADDRESS = "Flat 2\n10 Park Row\nLeeds\nLS1 1AA"


@pytest.fixture
def postcode():
    return make.PostcodeFactory(postcode="LS1 1AA")


def record(actor, council, **kw):
    kw.setdefault("display_name", "Edna Phoneonly")
    kw.setdefault("postcode", "LS1 1AA")
    kw.setdefault("preferred_route", "text")
    kw.setdefault("consent_how", "phone")
    kw.setdefault("phone", "07700 900123")
    return person_create_offline(actor=actor, council=council, **kw)


def test_a_phone_only_person_is_recorded_without_email_reached_by_text(
    safeguarding_lead, home_council, postcode, django_capture_on_commit_callbacks
):
    person = record(safeguarding_lead, home_council)
    person.refresh_from_db()
    assert person.email is None and not person.has_usable_password()
    assert person.phone == "+447700900123" and person.council == home_council
    assert person.home_postcode == "LS1 1AA" and person.home_location is not None
    assert str(person) == "Edna Phoneonly" and not person.is_online
    offline = OfflinePerson.objects.get(person=person)
    assert offline.preferred_route == "text" and offline.consent_how == "phone"
    assert offline.recorded_by == safeguarding_lead
    pref = ContactPreference.objects.get(person=person)
    assert (pref.by_email, pref.by_sms, pref.by_letter) == (False, True, False)
    assert pref.mobile == "+447700900123" and pref.set_by == safeguarding_lead
    # A code is texted to prove the number; staff confirm it as the person reads it out.
    assert Notification.objects.filter(person=person, template="mobile_code").exists()
    row = AuditEvent.objects.get(verb="person.recorded_offline")
    assert row.actor_id == safeguarding_lead.pk and row.target_id == person.pk
    assert row.data["route"] == "text" and row.data["confirmed_not_duplicate"] is False
    assert "07700" not in str(row.data) and "Edna" not in str(row.data)
    # Nobody can sign in as them.
    assert authenticate(email=None, password="") is None


def test_never_email_and_letters_for_a_letter_person(safeguarding_lead, home_council, postcode):
    person = record(
        safeguarding_lead, home_council, preferred_route="letter", phone="", address=ADDRESS
    )
    pref = preference_of(person)
    assert (pref.by_email, pref.by_sms, pref.by_letter) == (False, False, True)
    notice = Notice(person=person, template="helper_offered", dedupe="x", link="/")
    assert channels_for(person=person, pref=pref, notice=notice) == [Channel.KITH, Channel.LETTER]
    # Even with email switched on by mistake, no email goes to a person without one.
    pref.by_email = True
    assert Channel.EMAIL not in channels_for(person=person, pref=pref, notice=notice)


def test_many_people_without_email_and_emails_still_unique_in_any_case(
    safeguarding_lead, home_council, postcode, citizen
):
    record(safeguarding_lead, home_council)
    record(safeguarding_lead, home_council, display_name="Bert", phone="07700 900456")
    assert User.objects.filter(email__isnull=True).count() == 2
    with pytest.raises(IntegrityError):
        make.UserFactory(email=citizen.email.upper())


@pytest.mark.parametrize(
    "kw, code",
    [
        ({"preferred_route": "text", "phone": ""}, "mobile_required"),
        ({"preferred_route": "text", "phone": "0113 496 0000"}, "mobile_invalid"),
        ({"preferred_route": "letter", "phone": "", "address": ""}, "address_required"),
        ({"preferred_route": "letter", "address": "one line"}, "address_invalid"),
        ({"preferred_route": "email"}, "route_invalid"),
        ({"consent_how": ""}, "consent_missing"),
        ({"display_name": "  "}, "name_missing"),
        ({"postcode": "SW1A 1AA"}, "postcode_unknown"),
    ],
)
def test_what_is_refused_saves_nothing(safeguarding_lead, home_council, postcode, kw, code):
    with pytest.raises(ApplicationError) as refused:
        record(safeguarding_lead, home_council, **kw)
    assert refused.value.code == code
    assert not User.objects.filter(email__isnull=True).exists()


def test_only_assisted_digital_staff_of_the_council_may_record(
    moderator, away_admin, home_council, postcode, citizen
):
    with pytest.raises(ApplicationError) as refused:
        record(moderator, home_council)
    assert refused.value.code == "forbidden"
    with pytest.raises(NotFound):
        record(away_admin, home_council)
    with pytest.raises(NotFound):
        record(citizen, home_council)


def test_same_phone_however_written_is_a_possible_duplicate(
    safeguarding_lead, home_council, postcode
):
    first = record(safeguarding_lead, home_council)
    with pytest.raises(PossibleDuplicates) as refused:
        record(
            safeguarding_lead, home_council, display_name="Someone Else", phone="+44 7700 900123"
        )
    assert refused.value.code == "possible_duplicate"
    (dup,) = refused.value.duplicates
    assert dup.person_id == first.pk and dup.public_name == "Edna Phoneonly"
    assert dup.masked_phone == "ending 123" and "same phone number" in dup.why
    assert User.objects.filter(email__isnull=True).count() == 1


def test_same_name_and_postcode_is_a_possible_duplicate_even_with_email(
    safeguarding_lead, home_council, postcode
):
    online = make.person(
        council=home_council, display_name="edna  PHONEONLY", home_postcode="LS1 1AA"
    )
    online.phone = "0113 496 0001"
    online.save()
    with pytest.raises(PossibleDuplicates) as refused:
        record(safeguarding_lead, home_council)
    assert [d.person_id for d in refused.value.duplicates] == [online.pk]
    assert refused.value.duplicates[0].why == "same name and postcode"
    # Confirmed as a different person: recorded, and the confirmation is in the audit row.
    person = record(safeguarding_lead, home_council, confirmed_not_duplicate=True)
    row = AuditEvent.objects.get(verb="person.recorded_offline", target_id=person.pk)
    assert row.data["confirmed_not_duplicate"] is True
    assert row.data["possible_duplicates"] == [online.pk]


def test_people_of_another_council_are_not_duplicates(
    safeguarding_lead, home_council, away_council, postcode
):
    make.person(council=away_council, display_name="Edna Phoneonly", home_postcode="LS1 1AA")
    assert record(safeguarding_lead, home_council).pk
