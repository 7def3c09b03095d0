"""The main journeys in Welsh, in Chromium, as people would walk them, every page checked with
axe-core and saved as a screenshot:

- a helper switches to Cymraeg and offers help, from "Helpu" to "Gwiriwch eich atebion", and
  the offer waits for the council;
- a moderator (with their authenticator code) approves it from the "Ciw cymedroli", and the
  helper, who asked for correspondence in Welsh, reads the news in "Beth sy’n newydd";
- a citizen asks one of the helpers suggested for her need, the helper says yes, and both see
  the match page in Welsh.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from marketplace.models import Offer
from matching.models import Match
from notifications.models import Channel, ContactPreference, Notification
from tests.kit import factories as make
from tests.kit.browser import sign_in
from tests.kit.factories import Role
from trust.checks import helper_check_record
from trust.models import HelperCheck

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SWITCH_TO_WELSH = "Newid yr iaith i’r Gymraeg"  # the "Cymraeg" link's accessible name
TITLE = "Sgwrs dros baned"


def in_welsh(page, *words: str) -> str:
    """Assert the page is in Welsh and shows `words`; return the text of its main content."""
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "cy", page.url
    text = page.inner_text("main")
    for word in words:
        assert word in text, f"{word!r} not on {page.url}"
    return text


def switch_to_welsh(page) -> None:
    page.get_by_role("link", name=SWITCH_TO_WELSH).click()
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "cy"


def parhau(page) -> None:
    page.get_by_role("button", name="Parhau").click()
    page.wait_for_load_state("load")


def test_a_helper_offers_help_and_a_moderator_approves_it_in_welsh(
    live_server, new_context, pages, need_and_helper
):
    _, people = need_and_helper
    council = people["Margaret"].council
    make.PostcodeFactory(postcode="LS6 6AA", location=Point(-1.545, 53.805, srid=4326))
    gwen = make.resident(postcode="LS6 6AA", name="Gwen", email="gwen@example.org")
    ContactPreference.objects.create(person=gwen, language=ContactPreference.Language.WELSH)
    moderator = make.staff(
        council=council, role=Role.MODERATOR, mfa=False, lives_here=True, display_name="Mo"
    )
    totp = make.enrol_totp(moderator)
    # Befriending needs an ID check: staff have seen Gwen's.
    helper_check_record(
        actor=moderator,
        helper_id=gwen.pk,
        kind=HelperCheck.Kind.ID,
        issued_on=timezone.localdate() - dt.timedelta(days=10),
        expires_on=timezone.localdate() + dt.timedelta(days=365),
    )
    base = live_server.url

    # --- 1. The helper offers help, in Welsh ----------------------------------------------
    h = new_context().new_page()
    sign_in(h, base, "gwen@example.org")
    h.goto(base + "/language/en-gb/?next=/home/")  # English first, then the switch
    h.wait_for_load_state("load")
    assert h.locator("html").get_attribute("lang") == "en-GB"
    switch_to_welsh(h)
    in_welsh(h, "Helo, Gwen")
    pages.check(h, "home in Welsh")

    h.locator(".govuk-service-navigation__link").filter(has_text="Helpu").click()
    h.get_by_role("heading", name="Helpu", exact=True).wait_for()
    in_welsh(h, "Eich cynigion")
    pages.check(h, "helpu")
    h.get_by_role("button", name="Cynnig math o help").click()

    h.get_by_role("heading", name="Pa fath o help allwch chi ei gynnig?").wait_for()
    in_welsh(h)
    pages.check(h, "offer category")
    h.get_by_label("Cyfeillio a sgyrsiau i gadw mewn cysylltiad").check()
    parhau(h)

    in_welsh(h)
    pages.check(h, "offer about")
    h.get_by_label("Crynhowch eich cynnig mewn ychydig eiriau (dewisol)").fill(TITLE)
    h.get_by_label("Dywedwch wrth bobl am yr help y gallwch ei roi").fill(
        "Athrawes wedi ymddeol, yn hapus i sgwrsio a gwrando."
    )
    parhau(h)

    in_welsh(h)
    pages.check(h, "offer where from")
    assert h.get_by_label("O ble byddwch chi’n helpu?").input_value() == "LS6 6AA"
    parhau(h)

    in_welsh(h)
    pages.check(h, "offer how far")
    h.get_by_label("Hyd at 5 km").check()
    parhau(h)

    h.get_by_role("heading", name="Pryd rydych chi’n rhydd bob wythnos?").wait_for()
    in_welsh(h)
    pages.check(h, "offer weekly times")
    first = h.get_by_role("group", name="Amser 1")
    first.get_by_label("Diwrnod").select_option(label="Dydd Mawrth")
    first.get_by_label("O", exact=True).fill("13:00")
    first.get_by_label("Tan", exact=True).fill("17:00")
    parhau(h)

    in_welsh(h)
    pages.check(h, "offer how many people")
    assert h.get_by_label("Faint o bobl allech chi eu helpu ar yr un pryd?").count() == 1
    parhau(h)

    in_welsh(h)
    pages.check(h, "offer languages")
    h.get_by_label("Ym mha ieithoedd allwch chi helpu? (dewisol)").fill("Cymraeg, Saesneg")
    parhau(h)

    h.get_by_role("heading", name="Gwiriwch eich atebion").wait_for()
    summary = in_welsh(h, TITLE, "Cyfeillio a sgyrsiau", "Hyd at 5 km", "Dydd Mawrth")
    assert "13:00" in summary
    pages.check(h, "offer check your answers")
    assert not Offer.objects.filter(helper=gwen).exists()
    h.get_by_role("button", name="Anfon y cynnig").click()

    h.get_by_role("heading", name="Cynnig wedi’i anfon").wait_for()
    in_welsh(h)
    pages.check(h, "offer sent")
    offer = Offer.objects.get(helper=gwen)
    assert offer.status == Offer.Status.PENDING_REVIEW
    assert (offer.title, offer.radius_m) == (TITLE, 5000)

    h.get_by_role("link", name="Gweld eich cynnig").click()
    h.get_by_role("heading", name=TITLE).wait_for()
    in_welsh(h, "Mae staff y cyngor yn gwirio eich cynnig")
    pages.check(h, "offer waiting for the council")
    h.locator(".govuk-service-navigation__link").filter(has_text="Helpu").click()
    row = h.locator("tr").filter(has_text=TITLE)
    assert "Yn cael ei wirio" in row.inner_text()

    # --- 2. A moderator approves it, in Welsh ---------------------------------------------
    s = new_context().new_page()
    sign_in(s, base, moderator.email, totp=totp)
    s.goto(base + "/staff/")
    s.get_by_role("heading", name="Staff console").wait_for()
    switch_to_welsh(s)
    s.get_by_role("heading", name="Consol staff").wait_for()
    in_welsh(s)
    pages.check(s, "staff console home")
    s.get_by_role("link", name="Ciw cymedroli").first.click()
    s.get_by_role("heading", name="Ciw cymedroli").wait_for()
    in_welsh(s, TITLE)
    pages.check(s, "moderation queue")
    s.get_by_role("link", name=TITLE).click()
    in_welsh(s, TITLE)
    pages.check(s, "offer to review")
    s.get_by_role("button", name="Cymeradwyo").click()
    s.get_by_text(f"Cymeradwywyd: {offer}.").wait_for()
    in_welsh(s)
    pages.check(s, "moderation queue after approval")
    offer.refresh_from_db()
    assert offer.status == Offer.Status.OPEN

    # The helper reads the news, written in Welsh.
    notice = Notification.objects.get(
        person=gwen, channel=Channel.KITH, template="listing_approved"
    )
    assert notice.subject == "Mae eich cynnig o help nawr ar Kith", notice.subject
    h.goto(base + "/home/")
    nav = h.locator(".govuk-service-navigation__link").filter(has_text="Beth sy’n newydd")
    assert "Beth sy’n newydd" in nav.inner_text()
    nav.click()
    h.get_by_role("heading", name="Beth sy’n newydd", exact=True).wait_for()
    in_welsh(h, "Mae eich cynnig o help nawr ar Kith")
    pages.check(h, "whats new")
    h.get_by_role("link", name="Mae eich cynnig o help nawr ar Kith").first.click()
    h.get_by_role("heading", name=TITLE).wait_for()
    in_welsh(h, "Agored")
    pages.check(h, "offer open")
    assert not pages.failed_requests, "\n".join(pages.failed_requests)


def test_a_citizen_asks_a_suggested_helper_who_says_yes_in_welsh(
    live_server, new_context, pages, need_and_helper
):
    need, people = need_and_helper
    base = live_server.url

    # --- 3. The citizen asks a suggested helper ---------------------------------------------
    p = new_context().new_page()
    sign_in(p, base, "margaret@example.org")
    p.goto(base + "/home/")
    switch_to_welsh(p)
    in_welsh(p, "Helo, Margaret")
    pages.check(p, "citizen home")
    p.get_by_role("link", name=need.title).first.click()
    p.get_by_role("heading", name="Helpwyr rydym yn eu hawgrymu").wait_for()
    in_welsh(p, "Sam")
    pages.check(p, "helpers suggested")
    p.get_by_role("button", name="Gofyn i Sam helpu").click()
    p.get_by_text("Rydym wedi gofyn i Sam. Byddwch yn gweld yma pan fyddan nhw’n ateb.").wait_for()
    in_welsh(p, "Helpwr:", "Rydym yn aros i Sam ateb.")  # "Eich helpwr" once both agree
    pages.check(p, "citizen asked sam")
    match = Match.objects.get(need=need)
    assert match.status == Match.Status.PROPOSED

    # --- The helper says yes -----------------------------------------------------------------
    h = new_context().new_page()
    sign_in(h, base, "sam@example.org")
    h.goto(base + "/home/")
    switch_to_welsh(h)
    pages.check(h, "helper home")
    h.locator(".govuk-service-navigation__link").filter(has_text="Helpu").click()
    h.get_by_role("link", name=f"{need.title} – Margaret").click()
    h.get_by_role(
        "heading", name="Mae Margaret wedi gofyn i chi helpu. Allwch chi helpu?"
    ).wait_for()
    in_welsh(h, "Yn gofyn am help:")  # "Yn helpu" once both agree
    pages.check(h, "helper asked")
    h.get_by_role("button", name="Ie, derbyn").click()
    h.get_by_role("heading", name="Negeseuon").wait_for()
    in_welsh(h, "Yn helpu:")
    pages.check(h, "helper accepted")
    match.refresh_from_db()
    assert match.status == Match.Status.ACCEPTED

    # --- Both see the match in Welsh --------------------------------------------------------
    h.get_by_label("Eich neges").fill("Helo Margaret, mae dydd Mawrth yn iawn.")
    h.get_by_role("button", name="Anfon neges").click()
    h.wait_for_load_state("load")
    in_welsh(h, "mae dydd Mawrth yn iawn")
    p.reload()
    p.get_by_role("heading", name="Negeseuon").wait_for()
    in_welsh(p, "Eich helpwr:", "mae dydd Mawrth yn iawn")
    pages.check(p, "citizen match page")
    assert not pages.failed_requests, "\n".join(pages.failed_requests)
