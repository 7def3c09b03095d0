"""Who may open each staff console URL: every role, staff of another council, a citizen,
anonymous visitors and staff without two-factor authentication.

Expected outcomes:
- allowed: the page (200), a redirect after an action (302) or a form error (400);
- staff whose role lacks the page: 403; a citizen: 403;
- staff of another council: 404 on any page about a record of this council (list pages show
  them their own council instead, see test_lists_show_only_own_council);
- anonymous: redirect to sign in; staff without an authenticator app: redirect to set one up.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import ROLE_CAPABILITIES, Capability
from arrangements.welfare import welfare_open
from marketplace import services as marketplace_services
from partners.models import Referrer
from safeguarding import reports as safeguarding_reports
from safeguarding.models import MatchHold
from tests.arrangements.conftest import make_arrangement
from tests.kit import factories as make
from tests.kit import partners as partners_kit
from tests.kit.factories import Role
from trust.concerns import concern_raise

pytestmark = pytest.mark.django_db
C = Capability

# (url name, object key or None, method, capability, status when allowed)
URLS = [
    ("staff:home", None, "get", C.CONSOLE, 200),
    ("staff:moderation", None, "get", C.MODERATION, 200),
    ("staff:moderation", None, "post", C.MODERATION, 302),
    ("staff:moderation_item", "need", "get", C.MODERATION, 200),
    ("staff:moderation_item", "offer", "get", C.MODERATION, 200),
    ("staff:moderation_approve", "need", "post", C.MODERATION, 302),
    ("staff:moderation_reject", "offer", "post", C.MODERATION, 400),
    ("staff:report", "report", "get", C.MODERATION, 200),
    ("staff:report", "report", "post", C.MODERATION, 400),
    ("staff:checks", None, "get", C.HELPER_CHECKS, 200),
    ("staff:checks", None, "post", C.HELPER_CHECKS, 400),
    ("staff:check_revoke", "check", "post", C.HELPER_CHECKS, 302),
    ("staff:check_status", "check", "post", C.HELPER_CHECKS, 302),
    ("staff:hold_release", "hold", "post", C.HELPER_CHECKS, 302),
    ("staff:rounds", None, "get", C.MATCHING_ROUNDS, 200),
    ("staff:rounds", None, "post", C.MATCHING_ROUNDS, 302),
    ("staff:round", "round", "get", C.MATCHING_ROUNDS, 200),
    ("staff:round_apply", "round", "post", C.MATCHING_ROUNDS, 400),  # nothing ticked
    ("staff:round_discard", "round", "post", C.MATCHING_ROUNDS, 302),
    ("staff:concerns", None, "get", C.SAFEGUARDING, 200),
    ("staff:concern_raise", "person_query", "get", C.CONSOLE, 200),
    ("staff:concern_raise", "person_query", "post", C.CONSOLE, 400),
    ("staff:concern", "concern", "get", C.SAFEGUARDING, 200),
    ("staff:concern_assign", "concern", "post", C.SAFEGUARDING, 400),
    ("staff:concern_note", "concern", "post", C.SAFEGUARDING, 400),
    ("staff:concern_close", "concern", "post", C.SAFEGUARDING, 400),
    ("staff:people", None, "get", C.PEOPLE, 200),
    ("staff:person", "person", "get", C.PEOPLE, 200),
    ("staff:person_contact", "person", "get", C.ASSISTED_DIGITAL, 200),
    ("staff:person_contact", "person", "post", C.ASSISTED_DIGITAL, 400),
    ("staff:notification_failures", None, "get", C.PEOPLE, 200),
    ("staff:broadcast", None, "get", C.BROADCAST, 200),
    ("staff:broadcast", None, "post", C.BROADCAST, 400),
    ("staff:assisted_need", "person", "get", C.ASSISTED_DIGITAL, 200),
    ("staff:assisted_need", "person", "post", C.ASSISTED_DIGITAL, 400),
    ("staff:assisted", None, "get", C.ASSISTED_DIGITAL, 200),
    ("staff:person_offline_new", None, "get", C.ASSISTED_DIGITAL, 200),
    ("staff:person_offline_new", None, "post", C.ASSISTED_DIGITAL, 400),
    ("staff:person_claim_code", "person", "post", C.ASSISTED_DIGITAL, 302),
    ("staff:assisted_need_detail", "assisted_need", "get", C.ASSISTED_DIGITAL, 200),
    ("staff:assisted_ask", "assisted_need", "post", C.ASSISTED_DIGITAL, 302),
    ("staff:assisted_match", "assisted_match", "get", C.ASSISTED_DIGITAL, 200),
    ("staff:assisted_match", "assisted_match", "post", C.ASSISTED_DIGITAL, 400),
    ("staff:assisted_accept", "assisted_match", "post", C.ASSISTED_DIGITAL, 302),
    ("staff:assisted_decline", "assisted_match", "post", C.ASSISTED_DIGITAL, 302),
    ("staff:assisted_complete", "assisted_match", "post", C.ASSISTED_DIGITAL, 302),
    ("staff:assisted_cancel", "assisted_match", "post", C.ASSISTED_DIGITAL, 302),
    ("staff:person_suspend", "person", "post", C.SUSPENSION, 400),
    ("staff:person_reinstate", "person", "post", C.SUSPENSION, 400),
    ("staff:oversight", None, "get", C.OVERSIGHT, 200),
    ("staff:impact", None, "get", C.OVERSIGHT, 200),
    ("staff:impact_csv", None, "get", C.OVERSIGHT, 200),
    ("staff:vetting_csv", None, "get", C.OVERSIGHT, 200),
    ("staff:settings", None, "get", C.COUNCIL_SETTINGS, 200),
    ("staff:impact_units", None, "post", C.COUNCIL_SETTINGS, 302),
    ("staff:ongoing_settings", None, "post", C.COUNCIL_SETTINGS, 400),
    ("staff:vetting_settings", None, "get", C.COUNCIL_SETTINGS, 200),
    ("staff:vetting_settings", None, "post", C.COUNCIL_SETTINGS, 400),
    ("staff:directory", None, "get", C.COUNCIL_SETTINGS, 200),
    ("staff:directory_address", None, "post", C.COUNCIL_SETTINGS, 302),
    ("staff:directory_file", None, "post", C.COUNCIL_SETTINGS, 400),
    ("staff:directory_read_now", None, "post", C.COUNCIL_SETTINGS, 302),
    ("staff:category_requirements", "category", "post", C.COUNCIL_SETTINGS, 302),
    ("staff:welfare_checks", None, "get", C.WELFARE, 200),
    ("staff:welfare_check", "welfare_check", "get", C.WELFARE, 200),
    ("staff:welfare_check", "welfare_check", "post", C.WELFARE, 400),
    ("staff:still_needed", None, "get", C.WELFARE, 200),
    ("staff:still_needed", None, "post", C.WELFARE, 400),
    ("staff:settings", None, "post", C.COUNCIL_SETTINGS, 400),
    ("staff:category_switch", "category", "post", C.CATEGORY_SWITCHES, 302),
    ("staff:audit", None, "get", C.AUDIT_LOG, 200),
    ("staff:audit_csv", None, "get", C.AUDIT_LOG, 200),
    ("staff:team", None, "get", C.TEAM, 200),
    ("staff:team_setup_link", "team_member", "post", C.TEAM, 302),
    ("staff:partners", None, "get", C.PARTNERS, 200),
    ("staff:partners", None, "post", C.PARTNERS, 400),
    ("staff:partner", "partner", "get", C.PARTNERS, 200),
    ("staff:partner", "partner", "post", C.PARTNERS, 400),
    ("staff:partner_invite", "partner", "post", C.PARTNERS, 400),
    ("staff:partner_suspend", "partner", "post", C.PARTNERS, 400),
    ("staff:partner_reinstate", "partner", "post", C.PARTNERS, 302),  # not paused: a message
    ("staff:partner_referrer", "referrer", "get", C.PARTNERS, 200),
    ("staff:partner_referrer_deactivate", "referrer", "post", C.PARTNERS, 302),
    ("staff:partner_referrer_reactivate", "referrer", "post", C.PARTNERS, 302),  # a message
]
ROLES = [Role.MODERATOR, Role.SAFEGUARDING_LEAD, Role.COUNCIL_ADMIN]
ACTORS = [*ROLES, "other_council_admin", "citizen", "anonymous", "admin_without_mfa"]


@pytest.fixture
def records(home_council, council_admin, citizen, helper):
    need = make.need(owner=citizen)
    offer = make.offer(helper=helper)
    published = make.offer(helper=helper, title="Lifts to the shops")
    marketplace_services.moderation_approve(
        actor=council_admin, kind="offer", listing_id=published.pk
    )
    report = safeguarding_reports.report_create(
        reporter=citizen, target_type="offer", target_id=published.pk, reason="Rude description"
    )
    check = make.record_check(actor=council_admin, helper=helper)
    concern = concern_raise(
        actor=council_admin, about_id=citizen.pk, summary="Worried", priority="high"
    )
    # A need staff recorded for the citizen with consent, and a helper's offer to help with it.
    assisted_need = make.need(
        owner=citizen, title="Shopping for her", recorded_by=council_admin, consent_given=True
    )
    from matching.rounds import round_run
    from matching.services import match_offer_help

    assisted_match = match_offer_help(
        helper=helper, need_id=assisted_need.pk, offer_id=published.pk
    )
    # A welfare check after a visit of an arrangement of the citizen's.
    arrangement = make_arrangement(home_council)
    welfare_check = welfare_open(
        arrangement=arrangement,
        visit=arrangement.visits.first(),
        reason="citizen_said_no",
        now=timezone.now(),
    )
    partner = partners_kit.organisation(council=home_council)
    return {
        "welfare_check": welfare_check,
        "assisted_need": assisted_need,
        "assisted_match": assisted_match,
        "round": round_run(council=home_council, actor=council_admin),
        "need": need,
        "offer": offer,
        "report": report,
        "check": check,
        "hold": MatchHold.objects.create(
            match=assisted_match, council=home_council, why=MatchHold.Why.REVOKED
        ),
        "concern": concern,
        "person": citizen,
        "team_member": make.staff(council=home_council, mfa=False, lives_here=True),
        "partner": partner,
        "referrer": Referrer.objects.get(user=partners_kit.referrer(organisation=partner)),
    }


def _url(name: str, key: str | None, records) -> str:
    if key is None:
        return reverse(name)
    if key == "category":  # categories are shared; the switch acts on the actor's council
        return reverse(name, kwargs={"slug": "gardening"})
    if key == "welfare_check":
        return reverse(name, kwargs={"check_id": records[key].pk})
    if key == "person_query":
        return f"{reverse(name)}?person={records['person'].pk}"
    if name in ("staff:moderation_item", "staff:moderation_approve", "staff:moderation_reject"):
        return reverse(name, kwargs={"kind": key, "pk": records[key].pk})
    return reverse(name, kwargs={"pk": records[key].pk})


def _actor(actor: str, *, home_council, away_council, citizen):
    if actor in ROLES:
        return make.staff(council=home_council, role=actor, lives_here=True)
    if actor == "other_council_admin":
        return make.staff(
            council=away_council, role=Role.COUNCIL_ADMIN, lon=-0.12, lat=51.5, lives_here=True
        )
    if actor == "citizen":
        return citizen
    if actor == "admin_without_mfa":
        return make.staff(council=home_council, role=Role.COUNCIL_ADMIN, mfa=False, lives_here=True)
    return None


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    ("name", "key", "method", "capability", "allowed"),
    URLS,
    ids=[f"{m.upper()} {n}{'(' + k + ')' if k else ''}" for n, k, m, _, _ in URLS],
)
def test_permission_matrix(
    client,
    records,
    home_council,
    away_council,
    citizen,
    actor,
    name,
    key,
    method,
    capability,
    allowed,
):
    url = _url(name, key, records)
    user = _actor(actor, home_council=home_council, away_council=away_council, citizen=citizen)
    if user is not None:
        client.force_login(user)
    response = getattr(client, method)(url)

    if actor == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif actor == "citizen":
        assert response.status_code == 403
    elif actor == "admin_without_mfa":
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")
    elif actor == "other_council_admin":
        assert response.status_code == (404 if key and key != "category" else allowed)
    elif capability in ROLE_CAPABILITIES[actor]:
        assert response.status_code == allowed, response.content[:2000]
    else:
        assert response.status_code == 403


def test_every_console_url_is_in_the_matrix():
    from staff_console.urls import urlpatterns

    covered = {name.split(":")[1] for name, *_ in URLS}
    assert {p.name for p in urlpatterns} == covered


def test_lists_show_only_own_council(client, records, away_council):
    away = make.staff(
        council=away_council, role=Role.COUNCIL_ADMIN, lon=-0.12, lat=51.5, lives_here=True
    )
    client.force_login(away)
    for name in (
        "staff:moderation",
        "staff:checks",
        "staff:concerns",
        "staff:audit",
        "staff:assisted",
    ):
        body = client.get(reverse(name)).content.decode()
        assert records["need"].title not in body
        assert "Harry Helper" not in body and "Margaret Citizen" not in body
        assert "Worried" not in body
    body = client.get(reverse("staff:people"), {"q": "Margaret"}).content.decode()
    assert "0 results" in body
    csv_body = b"".join(client.get(reverse("staff:audit_csv")).streaming_content).decode()
    assert "concern.raised" not in csv_body and "helper_check.recorded" not in csv_body


def test_staff_without_mfa_are_told_why(client, home_council):
    user = make.staff(council=home_council, role=Role.MODERATOR, mfa=False, lives_here=True)
    client.force_login(user)
    response = client.get(reverse("staff:home"), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("Set up an authenticator app" in m for m in messages)


def test_suspended_staff_cannot_open_the_console(client, home_council, council_admin):
    from safeguarding.suspension import person_suspend

    lead = make.staff(council=home_council, role=Role.SAFEGUARDING_LEAD, lives_here=True)
    person_suspend(actor=council_admin, person_id=lead.pk, reason="Left the council")
    client.force_login(lead)
    assert client.get(reverse("staff:home")).status_code == 403
