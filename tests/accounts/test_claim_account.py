"""Going online: a person Kith reaches by text or letter claims an online account with a
one-time code bound to them (hashed, expiring, five tries, used once, rate limited, audited),
then an email address (confirmed as at sign-up) and a password; their needs stay theirs."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.claims import account_claim, claim_code_check
from accounts.models import ClaimCode, User
from core.errors import ApplicationError
from core.models import AuditEvent
from notifications.models import Notification
from notifications.offline_people import claim_code_send, person_create_offline
from tests.kit import factories as make

pytestmark = pytest.mark.django_db

ADDRESS = "Flat 2\n10 Park Row\nLeeds\nLS1 1AA"
PASSWORD = "a long and unusual passphrase 42"  # noqa: S105


@pytest.fixture
def edna(safeguarding_lead, home_council):
    make.PostcodeFactory(postcode="LS1 1AA")
    return person_create_offline(
        actor=safeguarding_lead,
        council=home_council,
        display_name="Edna Phoneonly",
        postcode="LS1 1AA",
        preferred_route="text",
        consent_how="phone",
        phone="07700 900123",
        address=ADDRESS,
    )


def sent_code(person, channel="text"):
    body = Notification.objects.filter(person=person, template="claim_code").latest("id").body
    code = re.search(r"code(?: to go online)? is (\d+)|Your code: (\d+)", body)
    return next(g for g in code.groups() if g), body


def test_a_code_by_text_claims_the_record_and_keeps_the_needs(
    edna, safeguarding_lead, moderator, client
):
    need = make.open_need(owner=edna, moderator=moderator)
    row = claim_code_send(actor=safeguarding_lead, person=edna, channel="text")
    code, body = sent_code(edna)
    assert row.code_digest and code not in row.code_digest and len(code) == 6
    assert row.expires_at - row.created_at == dt.timedelta(minutes=30)
    assert "/go-online/" in body
    text = Notification.objects.get(person=edna, template="claim_code")
    assert text.channel == "sms" and text.to == "+447700900123"

    page = client.post(reverse("claim_account"), {"phone": "07700 900 123", "code": code})
    assert page.status_code == 302 and page["Location"] == reverse("claim_account_details")
    done = client.post(
        reverse("claim_account_details"),
        {"email": "Edna@Example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert done.status_code == 302 and done["Location"] == reverse("account_login")
    edna.refresh_from_db()
    assert edna.email == "edna@example.com" and edna.check_password(PASSWORD)
    assert edna.offline.claimed_at is not None
    address = EmailAddress.objects.get(user=edna)
    assert address.primary and not address.verified
    assert [m.to for m in mail.outbox] == [["edna@example.com"]]  # the confirmation link
    need.refresh_from_db()
    assert need.owner_id == edna.pk
    verbs = set(AuditEvent.objects.filter(target_id=edna.pk).values_list("verb", flat=True))
    assert {"person.claim_code_sent", "person.claim_code_used", "person.account_claimed"} <= verbs
    # Used once: the same code again does nothing.
    with pytest.raises(ApplicationError):
        claim_code_check(code=code, phone="07700900123")


def test_a_letter_has_a_reference_and_lasts_fourteen_days(edna, safeguarding_lead):
    row = claim_code_send(actor=safeguarding_lead, person=edna, channel="letter")
    code, body = sent_code(edna)
    assert len(code) == 8 and row.expires_at - row.created_at == dt.timedelta(days=14)
    letter = Notification.objects.get(person=edna, template="claim_code")
    assert letter.channel == "letter" and letter.to.endswith("LS1 1AA")
    reference = f"{row.reference[:4]}-{row.reference[4:]}"
    assert reference in body
    assert claim_code_check(code=code, reference=reference.lower()).person_id == edna.pk


def test_five_wrong_tries_and_expiry_end_a_code(edna, safeguarding_lead):
    claim_code_send(actor=safeguarding_lead, person=edna, channel="text")
    code, _ = sent_code(edna)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ApplicationError) as refused:
            claim_code_check(code=wrong, phone="07700900123")
        assert refused.value.code == "code_wrong"
    with pytest.raises(ApplicationError):
        claim_code_check(code=code, phone="07700900123")  # right, but too late
    ClaimCode.objects.update(attempts=0, expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ApplicationError):
        claim_code_check(code=code, phone="07700900123")


def test_codes_are_rate_limited(edna, safeguarding_lead):
    claim_code_send(actor=safeguarding_lead, person=edna, channel="text")
    with pytest.raises(ApplicationError) as refused:
        claim_code_send(actor=safeguarding_lead, person=edna, channel="text")
    assert refused.value.code == "code_too_soon"


def test_a_code_is_bound_to_its_person(edna, safeguarding_lead, home_council, citizen):
    """Someone sharing the number cannot claim Edna's record with their own code, nor take
    an account that is already online, nor use another person's email address."""
    bert = person_create_offline(
        actor=safeguarding_lead,
        council=home_council,
        display_name="Bert Sharesaphone",
        postcode="LS1 1AA",
        preferred_route="letter",
        consent_how="phone",
        phone="07700 900123",
        address=ADDRESS,
        confirmed_not_duplicate=True,
    )
    claim_code_send(actor=safeguarding_lead, person=edna, channel="text")
    claim_code_send(actor=safeguarding_lead, person=bert, channel="letter")
    bert_code, _ = sent_code(bert)
    used = claim_code_check(code=bert_code, reference=ClaimCode.objects.get(person=bert).reference)
    assert used.person_id == bert.pk
    with pytest.raises(ApplicationError) as refused:
        account_claim(claim_code_id=used.pk, email=citizen.email.upper(), password=PASSWORD)
    assert refused.value.code == "email_taken"
    assert account_claim(claim_code_id=used.pk, email="bert@example.com", password=PASSWORD)
    edna.refresh_from_db()
    assert edna.email is None
    with pytest.raises(ApplicationError) as refused:
        claim_code_send(actor=safeguarding_lead, person=bert, channel="text")
    assert refused.value.code == "not_claimable"
    with pytest.raises(ApplicationError):
        claim_code_send(actor=citizen, person=citizen, channel="text")


def test_the_public_page_asks_for_a_code_without_saying_who_kith_knows(edna, client):
    for number in ("07700 900123", "07700 900999"):
        page = client.post(reverse("claim_ask"), {"phone": number}, follow=True)
        assert "If Kith has this number" in page.content.decode()
    assert Notification.objects.filter(template="claim_code").count() == 1
    assert client.get(reverse("claim_account_details")).status_code == 302
    assert User.objects.filter(email__isnull=True).count() == 1
