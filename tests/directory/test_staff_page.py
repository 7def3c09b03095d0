"""The council admin's "Other help nearby" page: set the directory's address (audited; a
private or plain-HTTP address refused with the reason), read it now through the worker,
upload a file, and see what was read or why the last read failed. Other roles are refused."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditEvent
from directory.models import DirectorySource, OtherService
from tests.directory.oruk_server import FIXTURE, OrukServer

pytestmark = pytest.mark.django_db


def test_address_then_read_now_then_the_page_lists_what_was_read(
    client, council_admin, home_council, settings
):
    settings.KITH_DIRECTORY_ALLOW_PRIVATE_HOSTS = True
    client.force_login(council_admin)
    page = client.get(reverse("staff:directory")).content.decode()
    assert "Not read yet" in page and "Read the directory now" not in page
    with OrukServer() as server:
        answer = client.post(reverse("staff:directory_address"), {"url": server.url})
        assert answer.status_code == 302
        assert AuditEvent.objects.filter(verb="directory.address_set").exists()
        answer = client.post(reverse("staff:directory_read_now"), follow=True)
    page = answer.content.decode()
    assert "Kith is reading your directory." in page
    assert "Chapeltown lunch club" in page and "Closed day centre" not in page
    assert AuditEvent.objects.filter(verb="directory.read_asked", actor=council_admin).exists()
    # The server is gone: the page says the read failed and keeps what was read.
    client.post(reverse("staff:directory_read_now"))
    page = client.get(reverse("staff:directory")).content.decode()
    assert "Could not be read" in page and "Chapeltown lunch club" in page


def test_a_private_address_is_refused_with_the_reason_and_nothing_saved(
    client, council_admin, home_council
):
    client.force_login(council_admin)
    answer = client.post(reverse("staff:directory_address"), {"url": "http://10.0.0.5/api/"})
    assert answer.status_code == 400
    assert "must start with https://" in answer.content.decode()
    assert not DirectorySource.objects.filter(council=home_council).exclude(url="").exists()


def test_upload_a_file_and_nonsense(client, council_admin, home_council):
    client.force_login(council_admin)
    upload = SimpleUploadedFile("directory.json", FIXTURE.read_bytes(), "application/json")
    answer = client.post(reverse("staff:directory_file"), {"file": upload}, follow=True)
    assert "Directory read: 4 services." in answer.content.decode()
    bad = SimpleUploadedFile("directory.json", b"<html>", "text/html")
    answer = client.post(reverse("staff:directory_file"), {"file": bad})
    assert answer.status_code == 400
    assert "must be an Open Referral UK directory in JSON" in answer.content.decode()
    assert OtherService.objects.filter(council=home_council).count() == 4
    assert client.post(reverse("staff:directory_file"), {}).status_code == 400


def test_a_moderator_may_not(client, moderator, home_council):
    client.force_login(moderator)
    assert client.get(reverse("staff:directory")).status_code == 403
    upload = SimpleUploadedFile("directory.json", FIXTURE.read_bytes(), "application/json")
    assert client.post(reverse("staff:directory_file"), {"file": upload}).status_code == 403
    assert not OtherService.objects.exists()
