"""The expiry task and the admin registrations."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from marketplace.models import Need
from marketplace.tasks import listings_expire
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


def test_expiry_task_closes_stale_needs(citizen):
    need = make.need(owner=citizen)
    Need.objects.filter(pk=need.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    assert listings_expire.delay().get() == 1
    need.refresh_from_db()
    assert (need.status, need.closed_reason) == ("closed", "expired")


@pytest.mark.parametrize(
    "model",
    [
        "marketplace/need",
        "marketplace/offer",
        "marketplace/category",
        "trust/report",
        "core/auditevent",
        "trust/block",
    ],
)
def test_admin_pages_open_for_superusers(client, citizen, helper, model):
    make.need(owner=citizen)
    make.offer(helper=helper)
    admin = get_user_model().objects.create_superuser("root@kith.example", "pw-long-enough")
    make.enrol_totp(admin)  # the admin opens only with the second factor (docs/adr/0007)
    client.force_login(admin)
    assert client.get(f"/django-admin/{model}/").status_code == 200


def test_audit_log_cannot_be_edited_in_admin(client):
    admin = get_user_model().objects.create_superuser("root@kith.example", "pw-long-enough")
    make.enrol_totp(admin)  # the admin opens only with the second factor (docs/adr/0007)
    client.force_login(admin)
    assert client.get("/django-admin/core/auditevent/add/").status_code == 403
