"""The evidence of helper vetting on the oversight page and its CSV: of the active helpers,
the share holding each check and training in date, what expires in the next 30 days, and the
data-security training rate against 95 %."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.audit import AuditEvent
from insights.vetting_evidence import vetting_evidence
from tests.kit import factories as make
from trust.models import HelperCheck

pytestmark = pytest.mark.django_db

K = HelperCheck.Kind


def _helper(council, *, open_offer: bool = True) -> User:
    offer = make.offer_row(council=council, checked=False)
    if not open_offer:
        type(offer).objects.filter(pk=offer.pk).update(status="paused")
    return offer.helper


@pytest.fixture
def helpers(home_council):
    """Four active helpers; a suspended one and one without an open offer do not count."""
    active = [_helper(home_council) for _ in range(4)]
    suspended = _helper(home_council)
    User.objects.filter(pk=suspended.pk).update(suspended_at=timezone.now())
    idle = _helper(home_council, open_offer=False)
    for outsider in (suspended, idle):
        make.check(user=outsider, council=home_council, kind=K.DATA_PROTECTION_TRAINING)
    return active


def test_shares_of_active_helpers_in_date_and_what_expires_soon(home_council, helpers):
    today = timezone.localdate()
    a, b, c, d = helpers
    for person in (a, b, c):
        make.check(user=person, council=home_council, kind=K.DATA_PROTECTION_TRAINING)
    # d's training lapsed yesterday; c's DBS expires in 10 days, b's was revoked.
    make.check(
        user=d,
        council=home_council,
        kind=K.DATA_PROTECTION_TRAINING,
        expires_on=today - dt.timedelta(days=1),
    )
    make.check(
        user=c,
        council=home_council,
        kind=K.DBS_ENHANCED_BARRED,
        expires_on=today + dt.timedelta(days=10),
    )
    make.check(user=b, council=home_council, kind=K.DBS_ENHANCED_BARRED, revoked=True)
    # Two references are needed: a holds two, b only one.
    for _ in range(2):
        make.check(user=a, council=home_council, kind=K.REFERENCE)
    make.check(user=b, council=home_council, kind=K.REFERENCE)

    evidence = vetting_evidence(council=home_council)
    by_kind = {k.kind: k for k in evidence.kinds}
    assert evidence.active_helpers == 4
    assert by_kind[K.DATA_PROTECTION_TRAINING].holding == 3
    assert by_kind[K.DATA_PROTECTION_TRAINING].share == 0.75
    assert evidence.data_security_met is False
    assert by_kind[K.DBS_ENHANCED_BARRED].holding == 1
    assert by_kind[K.DBS_ENHANCED_BARRED].expiring == 1
    assert (by_kind[K.REFERENCE].needed, by_kind[K.REFERENCE].holding) == (2, 1)
    assert by_kind[K.INDUCTION].share == 0.0

    # d renews the training: the lapsed record is superseded by the new one.
    HelperCheck.objects.filter(user=d, kind=K.DATA_PROTECTION_TRAINING).update(
        superseded_at=timezone.now()
    )
    make.check(user=d, council=home_council, kind=K.DATA_PROTECTION_TRAINING)
    assert vetting_evidence(council=home_council).data_security_met is True


def test_no_active_helpers_gives_no_shares(home_council):
    evidence = vetting_evidence(council=home_council)
    assert evidence.active_helpers == 0
    assert all(k.share is None for k in evidence.kinds)
    assert evidence.data_security_met is None


def test_the_oversight_page_and_the_csv_show_it_and_the_export_is_audited(
    client, council_admin, home_council, helpers
):
    make.check(user=helpers[0], council=home_council, kind=K.DATA_PROTECTION_TRAINING)
    client.force_login(council_admin)
    page = client.get(reverse("staff:oversight")).content.decode()
    assert "Helper checks and training" in page
    assert "<strong>25%</strong> of active helpers" in page and "not met" in page
    response = client.get(reverse("staff:vetting_csv"))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    training = next(r for r in rows if r["check_or_training"] == K.DATA_PROTECTION_TRAINING)
    assert (training["active_helpers"], training["holding"], training["share"]) == (
        "4",
        "1",
        "0.250",
    )
    assert training["target_share"] == "0.95"
    assert AuditEvent.objects.filter(verb="vetting_evidence.exported").count() == 1


def test_another_councils_staff_see_their_own_figures_only(
    client, away_admin, home_council, helpers
):
    client.force_login(away_admin)
    page = client.get(reverse("staff:oversight")).content.decode()
    assert "of the 0 active helpers" in page
