"""People's rights: "delete my account" anonymises the person instead of deleting them, so the
council's statistics stay as they were, and "download my data" holds everything about them.

Self-service erasure waits while a person is suspended or the subject of a safeguarding
concern that is not closed (UK GDPR Art. 17(3)(e)): the page says kindly to contact the
council, without saying a concern exists, and nothing is erased; "download my data" still
works; a council admin can still erase them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.auth import authenticate
from django.urls import reverse
from django.utils import timezone

from accounts.models import StaffMembership, User
from accounts.services import erased_email, is_erased
from accounts.token_models import PersonalAccessToken
from core.errors import ApplicationError, NotFound
from core.models import AuditEvent
from insights import measures, publication
from insights.oversight import oversight_for
from marketplace.models import Need, NeedSlot, Offer
from matching import eligibility
from matching import services as matching
from matching.models import AlertPreference, Feedback, Match, Message
from places.models import Postcode
from privacy.erasure import ERASED_TEXT, person_erase, self_erasure_hold
from privacy.export import person_data_export
from safeguarding import blocks as safeguarding_blocks
from safeguarding import reports as safeguarding_reports
from safeguarding import suspension as safeguarding_suspension
from tests.kit import factories as make
from tests.kit.tokens import api_token
from trust import concerns as trust_concerns
from trust.checks import helper_check_record
from trust.models import Block, HelperCheck, SafeguardingConcern

pytestmark = pytest.mark.django_db

SECRETS = {
    "email": "winifred.quayle@example.org",
    "name": "Winifred Quayle",
    "phone": "07700 900 482",
    "postcode": "LS6 9QZ",
}
HOME = (-1.551234, 53.801234)  # 4-decimal forms cannot be a grid-cell centre by chance
COORDINATE_FORMS = ("-1.5512", "53.8012", "-1.55123", "53.80123")


@pytest.fixture
def world(client):
    council = make.CouncilFactory(name="Erasure Council")
    moderator = make.staff(council=council)
    person = make.person(
        council=council,
        postcode=SECRETS["postcode"],
        lon=HOME[0],
        lat=HOME[1],
        email=SECRETS["email"],
        display_name=SECRETS["name"],
        phone=SECRETS["phone"],
        preferred_languages=["Welsh"],
        gender="woman",
    )
    helper = make.person(council=council, lon=-1.56, lat=53.81, display_name="Sam Helper")
    other = make.person(council=council, lon=-1.54, lat=53.79, display_name="Olu Other")
    third = make.person(council=council, lon=-1.545, lat=53.795, display_name="Tam Third")
    for h in (helper, other, third):
        make.check(user=h, council=council)

    def own_need(title):
        return make.open_need(
            owner=person,
            moderator=moderator,
            lon=HOME[0],
            lat=HOME[1],
            postcode=SECRETS["postcode"],
            title=title,
            description=f"Ask for {SECRETS['name']} at the door",
        )

    # A live, accepted match: the helper must see it end.
    live_need = own_need(f"Walks for {SECRETS['name']}")
    live_offer = make.open_offer(helper=helper, moderator=moderator)
    live = matching.match_offer_help(helper=helper, need_id=live_need.pk, offer_id=live_offer.pk)
    matching.match_accept(user=person, match_id=live.pk)
    matching.message_send(user=person, match_id=live.pk, body=f"My number is {SECRETS['phone']}")
    matching.message_send(user=helper, match_id=live.pk, body="Lovely, see you Monday.")

    # A completed match with feedback both ways: counted by the statistics.
    done_need = own_need("Walks last month")
    done_offer = make.open_offer(helper=other, moderator=moderator)
    done = matching.match_request(citizen=person, need_id=done_need.pk, offer_id=done_offer.pk)
    matching.match_accept(user=other, match_id=done.pk)
    matching.message_send(user=person, match_id=done.pk, body=f"I am at {SECRETS['postcode']}")
    matching.match_complete(user=person, match_id=done.pk)
    matching.feedback_leave(
        user=person, match_id=done.pk, rating=5, comment=f"Thanks, {SECRETS['name']}"
    )
    matching.feedback_leave(
        user=other, match_id=done.pk, rating=4, comment=f"{SECRETS['name']} was kind"
    )

    # A plain open need (with a proposal they turned down), a draft, and an offer of their own.
    open_need = own_need("Another walk")
    turned_down = matching.match_offer_help(
        helper=other, need_id=open_need.pk, offer_id=done_offer.pk
    )
    # The audit log is append-only and keeps the words of a decline reason (see ADR 0005), so
    # this one names nobody; the match row itself must lose it.
    matching.match_decline(user=person, match_id=turned_down.pk, reason="Away in May, sorry")
    staff_proposal = matching.match_propose_by_staff(
        staff=moderator,
        need_id=open_need.pk,
        # Another helper's: blocking `other` below ends every live match with them.
        offer_id=make.open_offer(helper=third, moderator=moderator, lon=-1.545, lat=53.795).pk,
        explanation="1–2 km away · speaks Welsh",
    )
    draft = make.need(owner=person, lon=HOME[0], lat=HOME[1], submit=False, title="Draft")
    make.record_checks_for(
        helper=person, category=make.category("befriending"), moderator=moderator
    )
    own_offer = make.open_offer(
        helper=person, moderator=moderator, lon=HOME[0], lat=HOME[1], category_slug="befriending"
    )

    # Sign-in material: a web session, an API token, an authenticator, alert settings.
    client.force_login(person)
    api_token(person)
    matching.alert_preference_update(user=person, opted_in=True)
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(person, generate_totp_secret())
    safeguarding_blocks.block_create(blocker=person, blocked_id=other.pk)
    return {
        "council": council,
        "moderator": moderator,
        "person": person,
        "helper": helper,
        "other": other,
        "live": live,
        "done": done,
        "live_need": live_need,
        "open_need": open_need,
        "draft": draft,
        "turned_down": turned_down,
        "staff_proposal": staff_proposal,
        "own_offer": own_offer,
    }


def _statistics(council):
    today = timezone.localdate()
    month = today.replace(day=1)
    # Open data's counts of the month, before its disclosure rule (insights.publication).
    stats = publication.month_counts(council=council, month=month)
    oversight = oversight_for(council=council, date_from=today, date_to=today)
    return stats, (
        oversight.created,
        oversight.matched,
        oversight.fulfilled,
        oversight.median_hours_to_match,
    )


def _sessions_of(user) -> int:
    from accounts.models import PersonSession

    return PersonSession.objects.filter(user_id=user.pk).count()


def _every_row_as_text() -> str:
    """Every row of every table Kith has, except the public postcode directory."""
    chunks = []
    for model in apps.get_models():
        if model is Postcode or model._meta.app_label in ("sessions",):
            continue
        for row in model.objects.all().values():
            chunks.append(repr({k: getattr(v, "wkt", v) for k, v in row.items()}))
    return "\n".join(chunks)


def test_erasure_leaves_no_personal_data_and_keeps_the_statistics(world, monkeypatch, client):
    monkeypatch.setattr(measures, "SUPPRESS_BELOW", 1)  # show the small counts of this test
    person, council = world["person"], world["council"]
    stats_before, oversight_before = _statistics(council)
    assert sum(stats_before.asked.values()) == 3
    assert oversight_before[:3] == (3, 2, 1)
    before = _every_row_as_text()
    for secret in [*SECRETS.values(), *COORDINATE_FORMS]:
        assert secret in before  # the probe can find each value while it is there

    assert _sessions_of(person) == 1

    person_erase(person=person)

    assert _sessions_of(person) == 0
    text = _every_row_as_text()
    for secret in [*SECRETS.values(), *COORDINATE_FORMS]:
        assert secret not in text, secret
    assert _statistics(council) == (stats_before, oversight_before)

    erased = User.objects.get(pk=person.pk)
    assert erased.email == erased_email(person.pk) and not erased.is_active
    assert not erased.has_usable_password()
    assert (erased.display_name, erased.phone, erased.home_postcode, erased.gender) == ("",) * 4
    assert erased.home_location is None and erased.preferred_languages == []
    assert not erased.emailaddress_set.exists()
    assert not Authenticator.objects.filter(user=person).exists()
    assert not PersonalAccessToken.objects.filter(user=person).exists()
    assert not AlertPreference.objects.filter(user=person).exists()
    assert authenticate(email=SECRETS["email"], password="correct-horse-battery") is None
    assert client.get(reverse("account_home")).status_code == 302  # the session has gone

    # Listings stay for the statistics, closed, with nothing of theirs left in them.
    assert not Need.objects.filter(pk=world["draft"].pk).exists()
    for need in Need.objects.filter(owner=person):
        assert need.status == Need.Status.CLOSED
        assert need.title == need.description == ERASED_TEXT
        assert need.location == need.approx_location and need.postcode == ""
    assert Need.objects.get(pk=world["open_need"].pk).closed_reason == "withdrawn"
    assert Need.objects.get(pk=world["done"].need_id).closed_reason == "fulfilled"
    assert not NeedSlot.objects.filter(need__owner=person).exists()
    offer = Offer.objects.get(pk=world["own_offer"].pk)
    assert offer.status == Offer.Status.CLOSED and offer.description == ERASED_TEXT
    assert offer.location == offer.approx_location

    # Their messages are replaced; the other person's stay. Ratings stay, comments go.
    assert set(Message.objects.filter(sender=person).values_list("body", flat=True)) == {
        ERASED_TEXT
    }
    assert Message.objects.filter(sender=world["helper"], body="Lovely, see you Monday.").exists()
    assert sorted(Feedback.objects.values_list("rating", "comment")) == [(4, ""), (5, "")]
    declined = Match.objects.get(pk=world["turned_down"].pk)
    assert declined.status == Match.Status.DECLINED and declined.decline_reason == ""
    proposal = Match.objects.get(pk=world["staff_proposal"].pk)
    assert proposal.status == Match.Status.CANCELLED and proposal.explanation == ""

    event = AuditEvent.objects.get(verb="person.erased", target_id=person.pk)
    assert event.data["by"] == "self" and event.data["matches_ended"] == 2
    assert event.data["needs_closed"] == 2 and event.data["offers_closed"] == 1


def test_the_other_person_sees_the_match_ended_neutrally(world, client):
    helper, live = world["helper"], world["live"]
    person_erase(person=world["person"])
    match = Match.objects.get(pk=live.pk)
    assert match.status == Match.Status.CANCELLED
    assert match.decline_reason == "The other person left Kith."
    assert AuditEvent.objects.filter(verb="match.cancelled", target_id=live.pk).exists()
    # Their offer has its place back, and the match page names nobody.
    assert eligibility.holding_count(offer=match.offer) == 0
    client.force_login(helper)
    html = client.get(reverse("match_detail", args=[live.pk])).content.decode()
    assert "Cancelled" in html and f"Kith member {world['person'].pk}" in html
    assert SECRETS["name"] not in html


def test_a_second_erasure_is_harmless(world):
    person = world["person"]
    person_erase(person=person)
    first = _every_row_as_text()
    again = person_erase(person=User.objects.get(pk=person.pk))
    assert again.email == erased_email(person.pk)
    assert AuditEvent.objects.filter(verb="person.erased", target_id=person.pk).count() == 1
    assert _every_row_as_text() == first


def test_staff_membership_goes_and_only_the_persons_council_admin_may_erase(world):
    council, person = world["council"], world["person"]
    moderator = world["moderator"]
    with pytest.raises(NotFound):
        person_erase(person=person, actor=moderator)  # a moderator may not
    stranger = make.staff(council=make.other_council(), role=StaffMembership.Role.COUNCIL_ADMIN)
    with pytest.raises(NotFound):
        person_erase(person=person, actor=stranger)  # nor another council's admin
    assert User.objects.get(pk=person.pk).email == SECRETS["email"]

    admin = make.staff(council=council, role=StaffMembership.Role.COUNCIL_ADMIN)
    person_erase(person=person, actor=admin)
    event = AuditEvent.objects.get(verb="person.erased", target_id=person.pk)
    assert event.actor_id == admin.pk and event.data["by"] == "staff"

    # Staff who leave lose their membership with everything else.
    person_erase(person=moderator)
    assert not StaffMembership.objects.filter(user=moderator).exists()
    assert not User.objects.get(pk=moderator.pk).is_active


def test_download_my_data_holds_everything_about_the_person(world):
    person, council = world["person"], world["council"]
    lead = make.staff(council=council, role=StaffMembership.Role.COUNCIL_ADMIN)
    from trust.checks import helper_check_record
    from trust.models import HelperCheck

    helper_check_record(
        actor=lead,
        helper_id=person.pk,
        kind=HelperCheck.Kind.ID,
        issued_on=timezone.localdate() - dt.timedelta(days=3),
        expires_on=timezone.localdate() + dt.timedelta(days=300),
    )
    safeguarding_reports.report_create(
        reporter=person, target_type="offer", target_id=world["live"].offer_id, reason="Rude"
    )
    data = person_data_export(user=person)
    json.dumps(data)  # all of it serialisable
    assert data["account"]["email"] == SECRETS["email"]
    assert data["account"]["phone"] == SECRETS["phone"]
    assert data["account"]["home_postcode"] == SECRETS["postcode"]
    assert len(data["needs"]) == 4 and len(data["offers"]) == 1
    assert data["offers"][0]["title"]
    assert {m["id"] for m in data["matches"]} == {
        world["live"].pk,
        world["done"].pk,
        world["turned_down"].pk,
        world["staff_proposal"].pk,
    }
    sent = [msg["body"] for m in data["matches"] for msg in m["messages"] if msg["from"] == "you"]
    assert f"My number is {SECRETS['phone']}" in sent
    assert data["feedback_given"][0]["comment"] == f"Thanks, {SECRETS['name']}"
    assert data["feedback_received"][0]["rating"] == 4
    assert data["alert_preferences"]["opted_in"] is True
    # The check recorded for the befriending offer, and the one recorded here superseding it.
    assert [c["kind"] for c in data["checks"]] == ["ID check", "ID check"]
    assert sum(bool(c["superseded_at"]) for c in data["checks"]) == 1
    assert data["blocked"] == ["Olu Other"]
    assert data["sign_in"]["authenticators"] == ["totp"]
    assert data["reports_made"][0]["reason"] == "Rude"
    assert data["staff_role"] is None
    assert world["other"].email not in json.dumps(data)
    assert Block.objects.filter(blocker=person).count() == 1


def test_the_sign_in_page_refuses_them_and_the_address_can_sign_up_afresh(world, client):
    person = world["person"]
    person_erase(person=person)
    client.logout()
    response = client.post(
        reverse("account_login"),
        {"login": SECRETS["email"], "password": "correct-horse-battery"},
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200  # the form again, with an error
    response = client.post(
        reverse("account_signup"),
        {
            "email": SECRETS["email"],
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 302
    fresh = User.objects.get(email=SECRETS["email"])
    assert fresh.pk != person.pk and fresh.display_name == ""
    assert not Need.objects.filter(owner=fresh).exists()


# --- Self-service erasure waits for a concern or a suspension -----------------------------
Role = StaffMembership.Role


@pytest.fixture
def hold_world():
    council = make.CouncilFactory(name="Kindly Council", contact_email="help@kindly.example")
    lead = make.staff(council=council, role=Role.SAFEGUARDING_LEAD, lon=-1.54, lat=53.79)
    admin = make.staff(council=council, role=Role.COUNCIL_ADMIN, lon=-1.56, lat=53.81)
    person = make.person(council=council, display_name="Pat Person")
    need = make.need(owner=person)
    return {"council": council, "lead": lead, "admin": admin, "person": person, "need": need}


def _raise_concern(hold_world) -> SafeguardingConcern:
    return trust_concerns.concern_raise(
        actor=hold_world["lead"],
        about_id=hold_world["person"].pk,
        summary="Asked a helper for money",
        priority=SafeguardingConcern.Priority.HIGH,
    )


def _suspend(hold_world) -> None:
    safeguarding_suspension.person_suspend(
        actor=hold_world["lead"], person_id=hold_world["person"].pk, reason="Under investigation"
    )


def _fresh(person: User) -> User:
    return User.objects.get(pk=person.pk)


# --- The rule ---------------------------------------------------------------------------------
def test_no_hold_for_an_ordinary_person(hold_world):
    assert self_erasure_hold(person=hold_world["person"]) is None


@pytest.mark.parametrize("status", ["open", "in_progress"])
def test_a_concern_not_closed_holds_self_erasure(hold_world, status):
    concern = _raise_concern(hold_world)
    SafeguardingConcern.objects.filter(pk=concern.pk).update(status=status)
    message = self_erasure_hold(person=_fresh(hold_world["person"]))
    assert message is not None
    assert "contact Kindly Council at help@kindly.example" in message
    assert "download your data" in message
    # The person is not told that a concern exists.
    assert "concern" not in message.lower() and "safeguarding" not in message.lower()


def test_a_closed_concern_does_not_hold(hold_world):
    concern = _raise_concern(hold_world)
    trust_concerns.concern_close(
        actor=hold_world["lead"],
        concern_id=concern.pk,
        outcome=SafeguardingConcern.Outcome.NO_FURTHER_ACTION,
        note="Spoke to both; a misunderstanding.",
    )
    assert self_erasure_hold(person=_fresh(hold_world["person"])) is None
    person_erase(person=_fresh(hold_world["person"]))
    assert is_erased(_fresh(hold_world["person"]))


@pytest.mark.parametrize("hold", ["concern", "suspended"])
def test_self_erasure_is_refused_and_changes_nothing(hold_world, hold):
    _raise_concern(hold_world) if hold == "concern" else _suspend(hold_world)
    with pytest.raises(ApplicationError) as refused:
        person_erase(person=_fresh(hold_world["person"]))
    assert refused.value.code == "erasure_on_hold"
    person = _fresh(hold_world["person"])
    assert person.email != erased_email(person.pk) and person.display_name == "Pat Person"
    assert Need.objects.get(pk=hold_world["need"].pk).description != ""
    assert not AuditEvent.objects.filter(verb="person.erased").exists()


@pytest.mark.parametrize("hold", ["concern", "suspended"])
def test_a_council_admin_can_still_erase(hold_world, hold):
    _raise_concern(hold_world) if hold == "concern" else _suspend(hold_world)
    person_erase(person=_fresh(hold_world["person"]), actor=hold_world["admin"])
    assert is_erased(_fresh(hold_world["person"]))
    event = AuditEvent.objects.get(verb="person.erased")
    assert event.data["by"] == "staff"
    # The concern stays, naming the person only by id.
    if hold == "concern":
        assert SafeguardingConcern.objects.get(about=hold_world["person"]).summary


# --- The page -------------------------------------------------------------------------------
def test_page_under_a_concern_explains_and_offers_the_download(client, hold_world):
    _raise_concern(hold_world)
    client.force_login(hold_world["person"])
    response = client.get(reverse("account_delete"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="erasure-on-hold"' in html
    assert "contact Kindly Council at help@kindly.example" in html
    assert reverse("account_download") in html
    assert "Delete my account</button>" not in html


def test_page_post_under_a_concern_erases_nothing_and_keeps_them_signed_in(client, hold_world):
    _raise_concern(hold_world)
    client.force_login(hold_world["person"])
    response = client.post(reverse("account_delete"), {"confirm": "on"})
    assert response.status_code == 200
    assert 'id="erasure-on-hold"' in response.content.decode()
    assert not is_erased(_fresh(hold_world["person"]))
    assert client.get(reverse("account_home")).status_code == 200  # still signed in


def test_download_still_works_under_a_concern(client, hold_world):
    _raise_concern(hold_world)
    client.force_login(hold_world["person"])
    response = client.post(reverse("account_download"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert "Pat Person" in json.dumps(data)


def test_page_for_a_suspended_person_with_a_lingering_session(client, hold_world):
    """Suspension ends sessions; a session that outlived it (or a suspension set from the Django
    admin) still cannot erase."""
    client.force_login(hold_world["person"])
    User.objects.filter(pk=hold_world["person"].pk).update(suspended_at="2026-01-01T00:00:00Z")
    response = client.post(reverse("account_delete"), {"confirm": "on"})
    assert response.status_code == 200
    assert "contact Kindly Council" in response.content.decode()
    assert not is_erased(_fresh(hold_world["person"]))


def test_page_without_a_hold_still_erases(client, hold_world):
    client.force_login(hold_world["person"])
    response = client.post(reverse("account_delete"), {"confirm": "on"})
    assert response.status_code == 302
    assert is_erased(_fresh(hold_world["person"]))
    assert client.get(reverse("account_home")).status_code == 302  # signed out


# --- The API --------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["delete", "post", "put"])
def test_the_api_offers_no_way_round_the_hold(api_client, hold_world, method):
    """/api/v1/me/ erases nothing, and /api/v1/me/erase/ waits on a concern as the account
    page does."""
    _raise_concern(hold_world)
    api_client.force_authenticate(hold_world["person"])
    response = getattr(api_client, method)("/api/v1/me/")
    assert response.status_code == 405
    response = api_client.post("/api/v1/me/erase/", {"confirm": True}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "erasure_on_hold"
    assert not is_erased(_fresh(hold_world["person"]))
    assert api_client.get("/api/v1/me/").json()["display_name"] == "Pat Person"


def test_erasure_clears_a_whole_dbs_certificate_number_and_keeps_the_vetting_record():
    council = make.CouncilFactory(name="Vetting Council")
    moderator = make.staff(council=council, role=StaffMembership.Role.COUNCIL_ADMIN)
    helper = make.person(council=council, display_name="Dora Vetted")
    check = helper_check_record(
        actor=moderator,
        helper_id=helper.pk,
        kind=HelperCheck.Kind.DBS_ENHANCED_BARRED,
        issued_on=timezone.localdate() - dt.timedelta(days=30),
        expires_on=timezone.localdate() + dt.timedelta(days=700),
        certificate_number="001234567890",
        update_service_consent=True,
    )
    assert check.certificate_number_encrypted
    person_erase(person=helper, actor=moderator)
    check.refresh_from_db()
    assert check.certificate_number_encrypted == ""
    # The council's record of the check stays, naming the person only by id.
    assert (check.kind, check.certificate_last4) == (HelperCheck.Kind.DBS_ENHANCED_BARRED, "7890")
    assert check.update_service_consent_at is not None
