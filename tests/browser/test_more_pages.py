"""Every other citizen and helper page, and its error state, through axe-core in Chromium:
withdrawing, saying no, raising a concern, pausing, alerts and the account pages."""

from __future__ import annotations

import re

import pytest

from matching.models import Match
from matching.services import match_offer_help
from tests.kit.browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_other_pages_and_their_errors_pass_axe(live_server, new_context, pages, need_and_helper):
    need, people = need_and_helper
    base = live_server.url
    offer = people["Sam"].offers.get()
    match = match_offer_help(helper=people["Sam"], need_id=need.pk, offer_id=offer.pk)

    # The helper's side.
    h = new_context().new_page()
    sign_in(h, base, "sam@example.org")
    for path, name in [
        ("/helping/", "helping"),
        (f"/offers/{offer.pk}/", "offer page"),
        (f"/offers/{offer.pk}/pause/", "pause offer"),
        ("/helping/alerts/", "alerts"),
        (f"/matches/{match.pk}/concern/", "concern"),
        ("/account/", "account"),
        ("/account/details/", "your details"),
        ("/account/postcode/", "change postcode"),
        ("/account/download/", "download your data"),
        ("/account/delete/", "delete your account"),
        ("/accounts/email/", "email addresses"),
        ("/accounts/password/change/", "change password"),
        ("/accounts/logout/", "sign out"),
    ]:
        h.goto(base + path)
        pages.check(h, name)

    h.goto(base + "/helping/alerts/")
    h.get_by_role("group", name=re.compile("needs help urgently")).get_by_label("Yes").check()
    h.get_by_label("Do not send alerts from (optional)").fill("25:00")
    h.get_by_role("button", name="Save").click()
    pages.check(h, "alerts error")
    h.goto(base + f"/matches/{match.pk}/concern/")
    h.get_by_role("button", name="Send to the council").click()
    pages.check(h, "concern error")
    h.goto(base + "/account/delete/")
    h.get_by_role("button", name="Delete my account").click()
    pages.check(h, "delete account error")
    h.goto(base + f"/offers/{offer.pk}/pause/")
    h.get_by_role("button", name="Pause my offer").click()
    pages.check(h, "offer paused")

    # The citizen's side: say no to the offer of help, then withdraw the need.
    p = new_context().new_page()
    sign_in(p, base, "margaret@example.org")
    p.goto(base + f"/matches/{match.pk}/")
    p.get_by_role("link", name="No, thank you").click()
    pages.check(p, "decline")
    p.get_by_role("button", name="No, thank you").click()
    pages.check(p, "declined")
    match.refresh_from_db()
    assert match.status == Match.Status.DECLINED
    p.goto(base + f"/needs/{need.pk}/")
    p.get_by_role("link", name="I no longer need this help").click()
    pages.check(p, "withdraw")
    p.get_by_role("button", name="Yes, withdraw it").click()
    pages.check(p, "withdrawn")
    need.refresh_from_db()
    assert need.status == "closed"
    for path, name in [
        ("/privacy/", "privacy"),
        ("/accessibility/", "accessibility statement"),
        ("/staying-safe/", "staying safe"),
        ("/start/", "what would you like to do"),
    ]:
        p.goto(base + path)
        pages.check(p, name)
    assert not pages.failed_requests, "\n".join(pages.failed_requests)
