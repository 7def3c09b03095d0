"""A resident's worry about a person reaches the safeguarding lead's concerns queue, as the
report page promises, not the moderators' queue of listings and messages."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import AuditEvent
from matching.services import match_request
from safeguarding import reports
from tests.kit import factories as make
from trust.models import ConcernNote, Report, SafeguardingConcern
from trust.selectors import reports_for_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def match(citizen, helper, moderator):
    need = make.open_need(owner=citizen, moderator=moderator)
    offer = make.open_offer(helper=helper, moderator=moderator)
    return match_request(citizen=citizen, need_id=need.pk, offer_id=offer.pk)


def test_a_concern_raised_from_a_match_is_in_the_safeguarding_queue(
    client, citizen, helper, match, moderator, safeguarding_lead
):
    client.force_login(helper)
    response = client.post(
        reverse("match_concern", args=[match.pk]), {"reason": "She seemed frightened of someone"}
    )
    assert response.status_code == 302

    concern = SafeguardingConcern.objects.get()
    assert (concern.about_id, concern.raised_by_id, concern.council_id) == (
        citizen.pk,
        helper.pk,
        citizen.council_id,
    )
    assert concern.status == SafeguardingConcern.Status.OPEN
    note = ConcernNote.objects.get(concern=concern)
    assert note.body == "She seemed frightened of someone" and note.author_id == helper.pk
    report = Report.objects.get()
    assert report.status == Report.Status.REFERRED
    assert AuditEvent.objects.filter(
        verb="concern.raised", actor_id=helper.pk, target_id=concern.pk
    ).exists()

    # The safeguarding lead sees it in their queue; the moderators' queue does not hold it.
    client.force_login(safeguarding_lead)
    queue = client.get(reverse("staff:concerns")).content.decode()
    assert "A resident reported a worry about this person" in queue
    assert not reports_for_staff(staff=moderator).exists()
    client.force_login(moderator)
    assert "frightened" not in client.get(reverse("staff:moderation")).content.decode()


def test_a_person_reported_through_the_api_becomes_a_concern(citizen, helper, match):
    client = APIClient()
    client.force_authenticate(citizen)
    response = client.post(
        "/api/v1/reports/",
        {"target_type": "person", "target_id": helper.pk, "reason": "Asked for my bank card"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert SafeguardingConcern.objects.filter(about=helper, raised_by=citizen).exists()


def test_reports_of_listings_still_go_to_moderators(citizen, helper, moderator):
    offer = make.open_offer(helper=helper, moderator=moderator)
    report = reports.report_create(
        reporter=citizen, target_type="offer", target_id=offer.pk, reason="Rude description"
    )
    assert report.status == Report.Status.OPEN
    assert list(reports_for_staff(staff=moderator)) == [report]
    assert not SafeguardingConcern.objects.exists()
