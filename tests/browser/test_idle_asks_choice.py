"""A helper's choice about idle asks, in Chromium: the alerts page asks two yes/no questions
(each saved on its own), and in a council that uses idle asks the
helper who said no is not told about a new need nearby, while saying yes gets them an email
whose link opens the need, from which they offer to help."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from accounts.models import StaffMembership
from marketplace.models import Category, Need
from marketplace.services import moderation_approve, need_create
from matching.models import AlertPreference, AlertSent, Match
from tests.kit import factories as make
from tests.kit.browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _new_need(people, moderator, title: str) -> Need:
    need = need_create(
        owner=people["Margaret"],
        category=Category.objects.get(slug="befriending"),
        title=title,
        description="Someone to talk to.",
    )
    moderation_approve(actor=moderator, kind="need", listing_id=need.pk)
    return need


def test_the_helper_chooses_and_the_choice_is_kept(
    live_server, new_context, pages, need_and_helper
):
    need, people = need_and_helper
    council = need.council
    council.settings = {**(council.settings or {}), "alerts": {"idle_asks": 2}}
    council.save(update_fields=["settings"])
    moderator = make.UserFactory(council=council)
    StaffMembership.objects.create(
        user=moderator, council=council, role=StaffMembership.Role.MODERATOR
    )
    base = live_server.url
    h = new_context().new_page()
    sign_in(h, base, "sam@example.org")

    h.goto(base + "/helping/alerts/")
    urgent = h.get_by_role("group", name=re.compile("needs help urgently"))
    idle = h.get_by_role("group", name=re.compile("nobody has asked you to help"))
    pages.check(h, "alerts page")
    assert idle.get_by_label("Yes").is_checked()  # on unless the helper turns it off
    urgent.get_by_label("No").check()
    idle.get_by_label("No").check()
    h.get_by_role("button", name="Save").click()
    pages.check(h, "saved")
    assert AlertPreference.objects.get(user=people["Sam"]).idle_asks is False
    h.goto(base + "/helping/alerts/")
    idle = h.get_by_role("group", name=re.compile("nobody has asked you to help"))
    assert idle.get_by_label("No").is_checked()
    pages.check(h, "alerts page keeps no")

    mail.outbox.clear()
    quiet = _new_need(people, moderator, "A walk on Friday")
    assert not AlertSent.objects.filter(need=quiet).exists()
    assert not [m for m in mail.outbox if m.to == ["sam@example.org"]]

    h.goto(base + "/helping/alerts/")
    h.get_by_role("group", name=re.compile("nobody has asked you to help")).get_by_label(
        "Yes"
    ).check()
    h.get_by_role("button", name="Save").click()
    asked = _new_need(people, moderator, "A cup of tea on Sunday")
    assert AlertSent.objects.get(need=asked).helper == people["Sam"]
    email = next(m for m in mail.outbox if m.to == ["sam@example.org"])
    assert email.subject.endswith("Someone near you could use your help")
    link = next(w for w in email.body.split() if f"/helping/needs/{asked.pk}/" in w)
    h.goto(base + urlsplit(link).path)  # the email names the public site; here, the test's
    pages.check(h, "the need from the idle ask")
    h.get_by_role("button", name=re.compile("Offer to help|Offer help")).first.click()
    pages.check(h, "offered")
    assert Match.objects.filter(need=asked, offer__helper=people["Sam"]).exists()
