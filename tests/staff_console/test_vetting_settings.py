"""A council admin sets when check expiry warnings go out, the renewal window and the DBS
re-check interval, and asks more of a kind of help's helpers than Kith does — never less."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.audit import AuditEvent
from core.errors import ApplicationError
from marketplace import services as marketplace_services
from marketplace.models import Category
from marketplace.vetting import kith_requirements_of, requirements_of
from tests.kit import factories as make
from trust.models import HelperCheck
from trust.vetting import vetting_settings

pytestmark = pytest.mark.django_db
K = HelperCheck.Kind


def test_the_page_shows_what_kith_asks_of_each_kind_of_help(client, council_admin):
    client.force_login(council_admin)
    page = client.get(reverse("staff:vetting_settings")).content.decode()
    assert "Vetting settings" in page and "Light personal care" in page
    assert "Enhanced DBS with adults&#x27; barred list" in page


def test_settings_are_saved_and_audited_and_nonsense_is_refused(
    client, council_admin, home_council
):
    client.force_login(council_admin)
    url = reverse("staff:vetting_settings")
    bad = client.post(url, {"warn_days": "soon", "renewal_window_days": "60",
                            "recheck_every_days": "365"})  # fmt: skip
    assert bad.status_code == 400 and "separated by commas" in bad.content.decode()
    out_of_range = client.post(
        url, {"warn_days": "0", "renewal_window_days": "60", "recheck_every_days": "365"}
    )
    assert out_of_range.status_code == 400
    assert "each between 1 and 180" in out_of_range.content.decode()
    ok = client.post(
        url, {"warn_days": "45, 14, 3", "renewal_window_days": "90", "recheck_every_days": "180"}
    )
    assert ok.status_code == 302
    home_council.refresh_from_db()
    saved = vetting_settings(home_council)
    assert saved.warn_days == (45, 14, 3) and saved.renewal_window_days == 90
    assert AuditEvent.objects.filter(verb="council.vetting_settings_changed").count() == 1


def test_a_council_adds_a_check_and_an_offer_then_needs_it(
    client, council_admin, home_council, moderator, helper
):
    befriending = Category.objects.get(slug="befriending")
    kith = kith_requirements_of(befriending)
    client.force_login(council_admin)
    response = client.post(
        reverse("staff:category_requirements", args=["befriending"]),
        {"befriending-kinds": [K.INDUCTION]},
    )
    assert response.status_code == 302
    needed = requirements_of(category=befriending, council=home_council)
    assert needed == {**kith, K.INDUCTION: 1}
    assert AuditEvent.objects.filter(verb="council.category_requirements_changed").exists()
    # A helper holding what Kith asks but not the induction cannot have an offer opened.
    for kind, count in kith.items():
        for _ in range(count):
            make.check(user=helper, council=home_council, kind=kind)
    offer = marketplace_services.offer_create(
        helper=helper, category=befriending, description="A weekly chat.", radius_m=3000
    )
    with pytest.raises(ApplicationError) as refused:
        marketplace_services.moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
    assert "Induction" in refused.value.message
    # Taking the addition away again leaves what Kith asks.
    client.post(reverse("staff:category_requirements", args=["befriending"]), {})
    assert requirements_of(category=befriending, council=home_council) == kith


def test_nothing_outside_the_list_is_accepted(client, council_admin):
    client.force_login(council_admin)
    response = client.post(
        reverse("staff:category_requirements", args=["befriending"]),
        {"befriending-kinds": ["tea-making-certificate"]},
    )
    assert response.status_code == 400
    assert client.post(reverse("staff:category_requirements", args=["nope"]), {}).status_code == 404
