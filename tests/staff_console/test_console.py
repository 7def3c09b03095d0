"""The staff console's pages doing their work: signing in with an authenticator code,
moderation, helper checks, safeguarding with suspension, people, and the audit log (which the
database refuses to change)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Council
from accounts.second_factor import invitation_send
from core.audit import audit_record
from core.errors import ApplicationError
from core.models import AuditEvent
from marketplace.models import Need, Offer
from tests.kit import factories as make
from tests.kit.factories import Role
from trust.concerns import concern_raise
from trust.models import HelperCheck, SafeguardingConcern

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def audit_count() -> int:
    return AuditEvent.objects.count()


def assert_no_inline_code(body: str) -> None:
    """The Content-Security-Policy allows no inline styles or scripts: pages must not need
    them."""
    assert 'style="' not in body
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
    assert " on" + "click=" not in body


# --- Two-factor authentication ---------------------------------------------------------------
def test_staff_sign_in_with_password_then_authenticator_code(client, home_council):
    user = make.staff(council=home_council, role=Role.MODERATOR, mfa=False, lives_here=True)
    secret = pyotp.random_base32()
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, secret)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # not signed in until the code is given

    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.get(reverse("staff:home")).status_code == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # finishes after commit
def test_staff_without_an_authenticator_enrol_then_the_console_opens(client, home_council):
    user = make.staff(council=home_council, role=Role.SAFEGUARDING_LEAD, mfa=False, lives_here=True)
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    response = client.get(reverse("staff:concerns"))
    assert response["Location"] == reverse("mfa_activate_totp")
    # From the set-up link their council admin sent them (tests/security/test_staff_second_factor).
    link = invitation_send(actor=None, member=user, base_url="http://testserver")
    assert client.get(link)["Location"] == reverse("mfa_activate_totp")

    page = client.get(reverse("mfa_activate_totp"), follow=True)
    if page.redirect_chain and "reauthenticate" in page.redirect_chain[-1][0]:
        # allauth asks for the password again before adding an authenticator.
        page = client.post(page.redirect_chain[-1][0], {"password": PASSWORD}, follow=True)
    assert page.status_code == 200
    assert page.request["PATH_INFO"] == reverse("mfa_activate_totp")
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("staff:concerns")).status_code == 200


# --- Moderation ------------------------------------------------------------------------------
def test_approve_a_need_from_its_page(client, moderator, citizen):
    need = make.need(owner=citizen)
    client.force_login(moderator)
    queue = client.get(reverse("staff:moderation"))
    assert need.title in queue.content.decode()
    page = client.get(reverse("staff:moderation_item", args=["need", need.pk]))
    assert page.status_code == 200
    assert_no_inline_code(page.content.decode())
    # The page shows the need's postcode and its owner: the read is audited.
    viewed = AuditEvent.objects.get(verb="need.viewed")
    assert (viewed.actor_id, viewed.target_id, viewed.data) == (
        moderator.pk,
        need.pk,
        {"page": "moderation"},
    )

    response = client.post(reverse("staff:moderation_approve", args=["need", need.pk]))
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN
    event = AuditEvent.objects.get(verb="need.approved")
    assert event.actor_id == moderator.pk and event.target_id == need.pk
    history = client.get(reverse("staff:moderation_item", args=["need", need.pk]))
    assert "need.approved" in history.content.decode()


def test_bulk_approve_and_filters(client, moderator, citizen, helper):
    need = make.need(owner=citizen)
    offer = make.offer(helper=helper)
    client.force_login(moderator)
    only_offers = client.get(reverse("staff:moderation"), {"kind": "offer"}).content.decode()
    assert offer.title in only_offers and need.title not in only_offers
    gardening = client.get(reverse("staff:moderation"), {"category": "gardening"}).content.decode()
    assert offer.title not in gardening and need.title not in gardening

    response = client.post(
        reverse("staff:moderation"), {"items": [f"need-{need.pk}", f"offer-{offer.pk}"]}
    )
    assert response.status_code == 302
    need.refresh_from_db()
    offer.refresh_from_db()
    assert (need.status, offer.status) == (Need.Status.OPEN, Offer.Status.OPEN)
    assert sorted(AuditEvent.objects.values_list("verb", flat=True)) == [
        "need.approved",
        "offer.approved",
    ]


def test_reject_needs_a_reason_and_shows_an_error_summary(client, moderator, helper):
    offer = make.offer(helper=helper)
    client.force_login(moderator)
    url = reverse("staff:moderation_reject", args=["offer", offer.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "govuk-error-summary" in body and "Enter the reason, which the owner will see." in body
    assert "<title>Error:" in body
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING_REVIEW
    assert audit_count() == 0

    response = client.post(url, {"reason": "Please remove your phone number."})
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == Offer.Status.CLOSED
    assert offer.rejection_reason == "Please remove your phone number."
    assert AuditEvent.objects.get().verb == "offer.rejected"


# --- Helper checks ---------------------------------------------------------------------------
def test_record_a_dbs_check_through_the_page(client, moderator, helper):
    client.force_login(moderator)
    today = timezone.localdate()
    form = {
        "email": helper.email.upper(),
        "kind": "dbs_enhanced_barred",
        "issued_on": (today - dt.timedelta(days=10)).isoformat(),
        "expires_on": (today + dt.timedelta(days=20)).isoformat(),
        "certificate_last4": "0012 3456 7890",
    }
    response = client.post(reverse("staff:checks"), form)
    assert response.status_code == 400
    assert "never stores a whole certificate number" in response.content.decode()
    assert not HelperCheck.objects.exists()

    response = client.post(reverse("staff:checks"), {**form, "certificate_last4": "7890"})
    assert response.status_code == 302
    check = HelperCheck.objects.get()
    assert (check.user, check.certificate_last4, check.recorded_by) == (helper, "7890", moderator)
    page = client.get(reverse("staff:checks")).content.decode()
    assert "Due for renewal: expiring in the next 60 days" in page and helper.public_name in page
    assert "ending 7890" in page and "0012" not in page
    assert "Personal care" in page or "Light personal care" in page
    assert_no_inline_code(page)
    assert AuditEvent.objects.get().verb == "helper_check.recorded"


def test_check_for_someone_outside_the_council_is_refused(client, moderator, away_admin):
    client.force_login(moderator)
    today = timezone.localdate()
    response = client.post(
        reverse("staff:checks"),
        {"email": away_admin.email, "kind": "id", "issued_on": today.isoformat()},
    )
    assert response.status_code == 400
    assert "No one with that email address" in response.content.decode()


# --- Safeguarding ----------------------------------------------------------------------------
def test_concern_raised_assigned_noted_person_suspended_and_closed(
    client, moderator, safeguarding_lead, citizen, helper, django_capture_on_commit_callbacks
):
    offer = make.offer(helper=helper)
    client.force_login(moderator)
    response = client.post(
        reverse("staff:concern_raise"),
        {"person": helper.pk, "summary": "Asked for bank details", "priority": "urgent"},
    )
    assert response.status_code == 302
    concern = SafeguardingConcern.objects.get()

    client.force_login(safeguarding_lead)
    queue = client.get(reverse("staff:concerns")).content.decode()
    assert "Asked for bank details" in queue and "Urgent" in queue
    before = audit_count()
    page = client.get(reverse("staff:concern", args=[concern.pk]))
    assert page.status_code == 200
    assert_no_inline_code(page.content.decode())
    assert audit_count() == before + 1  # concern.viewed

    steps = [
        (
            reverse("staff:concern_assign", args=[concern.pk]),
            {"owner": safeguarding_lead.pk, "priority": "high"},
        ),
        (reverse("staff:concern_note", args=[concern.pk]), {"body": "Spoke to the citizen."}),
        (
            reverse("staff:person_suspend", args=[helper.pk]),
            {"reason": "Asked for bank details", "concern": concern.pk},
        ),
        (
            reverse("staff:concern_close", args=[concern.pk]),
            {"outcome": "person_suspended", "note": "Suspended and referred."},
        ),
    ]
    for url, data in steps:
        before = audit_count()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:3000]
        assert audit_count() > before, url

    history = client.get(reverse("staff:concern", args=[concern.pk])).content.decode()
    assert "person.suspended" in history and "concern.closed" in history
    concern.refresh_from_db()
    helper.refresh_from_db()
    offer.refresh_from_db()
    assert concern.status == "closed" and concern.outcome == "person_suspended"
    assert concern.owner == safeguarding_lead and concern.priority == "high"
    assert helper.is_suspended and offer.status == Offer.Status.CLOSED
    assert [n.body for n in concern.notes.all()] == [
        "Spoke to the citizen.",
        "Suspended and referred.",
    ]

    # Reinstate from the person's page.
    response = client.post(reverse("staff:person_reinstate", args=[helper.pk]), {"note": ""})
    assert response.status_code == 400
    response = client.post(
        reverse("staff:person_reinstate", args=[helper.pk]), {"note": "Police found no case"}
    )
    assert response.status_code == 302
    helper.refresh_from_db()
    assert not helper.is_suspended


def test_closing_a_concern_without_an_outcome_shows_the_error(client, safeguarding_lead, citizen):
    concern = concern_raise(
        actor=safeguarding_lead, about_id=citizen.pk, summary="Worry", priority="low"
    )
    client.force_login(safeguarding_lead)
    response = client.post(reverse("staff:concern_close", args=[concern.pk]), {"note": "x"})
    assert response.status_code == 400
    assert "Choose the outcome." in response.content.decode()
    concern.refresh_from_db()
    assert concern.status == "open"


# --- People ----------------------------------------------------------------------------------
def test_people_search_and_record_are_audited(client, safeguarding_lead, citizen):
    client.force_login(safeguarding_lead)
    response = client.get(reverse("staff:people"), {"q": "margaret"})
    body = response.content.decode()
    assert response.status_code == 200 and citizen.email in body
    assert AuditEvent.objects.filter(verb="people.searched").count() == 1

    page = client.get(reverse("staff:person", args=[citizen.pk]))
    assert page.status_code == 200
    assert citizen.email in page.content.decode()
    assert_no_inline_code(page.content.decode())
    event = AuditEvent.objects.get(verb="person.viewed")
    assert (event.actor_id, event.target_id) == (safeguarding_lead.pk, citizen.pk)

    short = client.get(reverse("staff:people"), {"q": "m"})
    assert short.status_code == 400
    assert "Enter at least 2 characters." in short.content.decode()


# --- Audit log -------------------------------------------------------------------------------
def test_audit_log_filters_and_csv_export(client, council_admin, citizen, home_council):
    audit_record(actor=council_admin, verb="person.viewed", council=home_council, target=citizen)
    audit_record(
        actor=council_admin,
        verb="need.rejected",
        council=home_council,
        target_type='=HYPERLINK("http://evil")',
        target_id=5,
        data={"reason": "Phone number in the text"},
    )
    client.force_login(council_admin)
    label = '<span class="kith-table-stack__label">Event</span>'
    cell = ('<td class="govuk-table__cell">' + label + "{}</td>").format
    page = client.get(reverse("staff:audit"), {"verb": "person.viewed"}).content.decode()
    assert cell("person.viewed") in page and cell("need.rejected") not in page
    prefix = client.get(reverse("staff:audit"), {"verb": "need."}).content.decode()
    assert cell("need.rejected") in prefix and cell("person.viewed") not in prefix
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    future = client.get(reverse("staff:audit"), {"date_from": tomorrow}).content.decode()
    assert "No entries match." in future
    bad = client.get(reverse("staff:audit"), {"date_from": tomorrow, "date_to": "2020-01-01"})
    assert bad.status_code == 400

    response = client.get(reverse("staff:audit_csv"), {"verb": "need."})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["id", "time", "actor_id", "actor", "verb"]
    assert [r[4] for r in rows[1:]] == ["need.rejected"]
    assert rows[1][5].startswith("'=")  # a formula is quoted, not run by a spreadsheet
    assert json.loads(rows[1][7]) == {"reason": "Phone number in the text"}
    exported = AuditEvent.objects.get(verb="audit_log.exported")
    assert exported.actor_id == council_admin.pk and exported.data == {"verb": "need."}


def test_the_database_refuses_to_change_or_delete_audit_rows(citizen, council_admin):
    event = audit_record(actor=council_admin, verb="person.viewed", target=citizen)
    for sql in (
        "UPDATE marketplace_auditevent SET verb = 'changed' WHERE id = %s",
        "DELETE FROM marketplace_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(verb="changed")
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.verb = "changed"
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        event.save()
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEvent.objects.get(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).verb == "person.viewed"


def test_console_pages_need_no_inline_code(client, council_admin, citizen):
    client.force_login(council_admin)
    for name in ("staff:home", "staff:moderation", "staff:concerns", "staff:people", "staff:audit"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert_no_inline_code(response.content.decode())


# --- Settings --------------------------------------------------------------------------------
def test_council_admin_changes_settings_and_switches_a_category_off(
    client, council_admin, citizen, home_council
):
    client.force_login(council_admin)
    page = client.get(reverse("staff:settings"))
    assert page.status_code == 200
    assert_no_inline_code(page.content.decode())
    bad = client.post(reverse("staff:settings"), {"max_travel_radius_m": "50"})
    assert bad.status_code == 400
    assert "at least 100 metres" in bad.content.decode()
    response = client.post(
        reverse("staff:settings"),
        {"max_travel_radius_m": "5000", "auto_approve_verified_helpers": "on"},
    )
    assert response.status_code == 302
    home_council.refresh_from_db()
    assert home_council.max_travel_radius_m == 5000
    assert home_council.auto_approve_verified_helpers
    event = AuditEvent.objects.get(verb="council.settings_changed")
    assert event.data["before"]["max_travel_radius_m"] == 8000
    assert event.data["after"]["max_travel_radius_m"] == 5000

    response = client.post(reverse("staff:category_switch", args=["dog-walking"]))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(verb="category.disabled").exists()
    with pytest.raises(ApplicationError):
        make.need(owner=citizen, category_slug="dog-walking")
    client.post(reverse("staff:category_switch", args=["dog-walking"]), {"enabled": "on"})
    assert make.need(owner=citizen, category_slug="dog-walking").pk


def test_revoke_a_check_from_the_page_pauses_the_offer(client, moderator, helper):
    from marketplace import services as marketplace_services

    check = make.record_check(actor=moderator, helper=helper)
    offer = make.offer(helper=helper, category_slug="gardening")
    marketplace_services.moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
    client.force_login(moderator)
    url = reverse("staff:check_revoke", args=[check.pk])
    response = client.post(url, {"reason": ""}, follow=True)
    assert "Say why the check is being revoked." in response.content.decode()
    check.refresh_from_db()
    assert check.revoked_at is None

    response = client.post(url, {"reason": "Certificate was for someone else"})
    assert response.status_code == 302
    check.refresh_from_db()
    offer.refresh_from_db()
    assert check.revoked_at is not None and offer.status == Offer.Status.PAUSED
    assert AuditEvent.objects.filter(verb="helper_check.revoked", target_id=check.pk).exists()


def test_a_suspended_person_cannot_sign_in(client, safeguarding_lead, citizen):
    from safeguarding.suspension import person_suspend

    person_suspend(actor=safeguarding_lead, person_id=citizen.pk, reason="Threats")
    response = client.post(
        reverse("account_login"), {"login": citizen.email, "password": PASSWORD}, follow=True
    )
    assert "_auth_user_id" not in client.session
    assert "Your account is suspended" in response.content.decode()


# --- Assisted digital ------------------------------------------------------------------------
def test_record_a_need_for_someone_not_online(client, safeguarding_lead, home_council):
    from marketplace.models import Category

    make.PostcodeFactory(postcode="LS1 4AP")
    person = make.person(council=home_council, display_name="Edna Offline", home_postcode="LS1 4AP")
    client.force_login(safeguarding_lead)
    url = reverse("staff:assisted_need", args=[person.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert_no_inline_code(page.content.decode())
    category = Category.objects.get(slug="befriending")
    form = {
        "category": category.pk,
        "title": "A weekly chat",
        "description": "Would like someone to talk to on Tuesday afternoons.",
        "urgency": "routine",
        "consent_note": "By phone, 3 March",
        "timing": "weekly",
        "slots-TOTAL_FORMS": "1",
        "slots-INITIAL_FORMS": "1",
        "slots-0-weekday": "1",
        "slots-0-start": "14:00",
        "slots-0-end": "16:00",
    }
    refused = client.post(url, form)
    assert refused.status_code == 400
    assert "Record that they agreed" in refused.content.decode()
    assert not Need.objects.exists()

    response = client.post(url, {**form, "consent": "on"})
    assert response.status_code == 302, response.content.decode()[:3000]
    need = Need.objects.get()
    assert need.owner == person and need.recorded_by == safeguarding_lead
    assert need.consent_recorded_at is not None and need.consent_note == "By phone, 3 March"
    assert need.postcode == "LS1 4AP"
    event = AuditEvent.objects.get(verb="need.recorded_on_behalf")
    assert event.actor_id == safeguarding_lead.pk and event.data["owner_id"] == person.pk


def test_council_admin_sets_the_contact_details_the_start_page_gives(
    client, council_admin, home_council
):
    client.force_login(council_admin)
    base = {"max_travel_radius_m": "8000"}
    bad = client.post(reverse("staff:settings"), {**base, "contact_phone": "call us!"})
    assert bad.status_code == 400 and "digits, spaces and +" in bad.content.decode()
    home_council.refresh_from_db()
    assert not (home_council.settings or {}).get("contact_phone")
    response = client.post(
        reverse("staff:settings"),
        {**base, "contact_phone": "01632  960 001", "contact_email": "help@home.gov.uk"},
    )
    assert response.status_code == 302
    home_council.refresh_from_db()
    assert home_council.settings["contact_phone"] == "01632 960 001"
    assert home_council.contact_email == "help@home.gov.uk"
    event = AuditEvent.objects.filter(verb="council.settings_changed").latest("id")
    assert event.data["after"]["contact_phone"] == "01632 960 001"
    form = client.get(reverse("staff:settings")).content.decode()
    assert 'value="01632 960 001"' in form and 'value="help@home.gov.uk"' in form
    # The start page of a service run for this council gives both to someone signed out.
    client.logout()
    assert Council.objects.filter(is_active=True).count() == 1
    start = client.get("/").content.decode()
    assert "01632 960 001" in start and "help@home.gov.uk" in start


def test_opening_the_list_of_people_kith_could_not_reach_is_audited(client, council_admin):
    client.force_login(council_admin)
    assert client.get(reverse("staff:notification_failures")).status_code == 200
    viewed = AuditEvent.objects.get(verb="notifications.not_reached_viewed")
    assert viewed.actor_id == council_admin.pk
    assert viewed.council_id == council_admin.staff_membership.council_id
