"""Vetting as a policy: what each category requires (defaults, a council's additions, the
legal floor), one current check per kind (a new one supersedes), and no offer opens while its
helper lacks what its category needs — on every path that opens one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from core.errors import ApplicationError
from marketplace import services as marketplace_services
from marketplace.models import CategoryRequirement, Offer
from marketplace.vetting import offer_vetting, requirements_of
from matching import eligibility
from safeguarding.checks import helper_check_revoke
from tests.kit import factories as make
from trust.checks import helper_check_record
from trust.models import HelperCheck, VerificationLevel

pytestmark = pytest.mark.django_db
K = HelperCheck.Kind


def today() -> dt.date:
    return timezone.localdate()


def test_each_category_states_its_checks_and_councils_add_above_the_floor(home_council):
    personal_care = make.category("personal-care")
    assert requirements_of(category=personal_care, council=home_council) == {
        K.DBS_ENHANCED_BARRED: 1
    }
    assert requirements_of(category=make.category("gardening"), council=home_council) == {K.ID: 1}
    assert requirements_of(category=make.category("dog-walking"), council=home_council) == {}
    # The council asks more of personal care; another council is not affected.
    CategoryRequirement.objects.create(
        category=personal_care, council=home_council, kind=K.REFERENCE, count=2
    )
    CategoryRequirement.objects.create(
        category=personal_care, council=home_council, kind=K.SAFEGUARDING_TRAINING
    )
    assert requirements_of(category=personal_care, council=home_council) == {
        K.DBS_ENHANCED_BARRED: 1,
        K.REFERENCE: 2,
        K.SAFEGUARDING_TRAINING: 1,
    }
    assert requirements_of(category=personal_care, council=make.other_council()) == {
        K.DBS_ENHANCED_BARRED: 1
    }
    # Even with Kith's default row gone, the legal floor of regulated activity stays.
    CategoryRequirement.objects.filter(category=personal_care, council__isnull=True).delete()
    assert K.DBS_ENHANCED_BARRED in requirements_of(category=personal_care, council=home_council)


def test_approving_an_offer_whose_helper_lacks_a_required_check_is_refused(moderator, helper):
    offer = make.offer(helper=helper, category_slug="personal-care")
    with pytest.raises(ApplicationError) as refused:
        marketplace_services.moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
    assert "Enhanced DBS with adults' barred list" in refused.value.message
    assert "stays in review" in refused.value.message
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING_REVIEW
    make.record_check(actor=moderator, helper=helper, kind=K.DBS_ENHANCED_BARRED)
    marketplace_services.moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
    offer.refresh_from_db()
    assert offer.status == Offer.Status.OPEN


def test_two_references_are_needed_where_the_council_asks_for_two(moderator, helper, home_council):
    category = make.category("gardening")
    CategoryRequirement.objects.create(
        category=category, council=home_council, kind=K.REFERENCE, count=2
    )
    make.record_check(actor=moderator, helper=helper)
    offer = make.offer(helper=helper, category_slug="gardening")
    reference = {"issued_on": today(), "expires_on": None, "referee_name": "Ann Referee"}
    helper_check_record(actor=moderator, helper_id=helper.pk, kind=K.REFERENCE, **reference)
    vetting = offer_vetting(offer)
    assert vetting.missing_words == "2 references (1 of 2 held)"
    with pytest.raises(ApplicationError, match="2 references"):
        marketplace_services.moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
    helper_check_record(
        actor=moderator,
        helper_id=helper.pk,
        kind=K.REFERENCE,
        **{**reference, "referee_name": "Bo"},
    )
    marketplace_services.moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
    # References are recorded with who gave them and when.
    refs = HelperCheck.objects.filter(user=helper, kind=K.REFERENCE).order_by("id")
    assert [r.referee_name for r in refs] == ["Ann Referee", "Bo"]
    with pytest.raises(ApplicationError, match="who gave the reference"):
        helper_check_record(
            actor=moderator, helper_id=helper.pk, kind=K.REFERENCE, issued_on=today(),
            expires_on=None,
        )  # fmt: skip


def test_resuming_and_auto_approval_do_not_open_an_offer_without_its_checks(
    moderator, helper, home_council
):
    home_council.auto_approve_verified_helpers = True
    home_council.save()
    make.record_check(actor=moderator, helper=helper)  # ID only
    # Auto-approval: an ID-checked helper's personal-care offer waits for review instead.
    care = make.offer(helper=helper, category_slug="personal-care")
    assert care.status == Offer.Status.PENDING_REVIEW
    # Resuming a paused offer whose check has gone is refused; the offer stays paused.
    garden = make.offer(helper=helper, category_slug="gardening")
    assert garden.status == Offer.Status.OPEN
    marketplace_services.offer_pause(actor=helper, offer=garden)
    HelperCheck.objects.filter(user=helper).update(revoked_at=timezone.now())
    with pytest.raises(ApplicationError, match="stays paused"):
        marketplace_services.offer_resume(actor=helper, offer=garden)
    garden.refresh_from_db()
    assert garden.status == Offer.Status.PAUSED


def test_a_new_check_supersedes_the_current_one_of_its_kind(moderator, helper):
    first = make.record_check(actor=moderator, helper=helper)
    second = make.record_check(actor=moderator, helper=helper, days_left=700)
    first.refresh_from_db()
    assert first.superseded_at is not None and first.superseded_by_id == second.pk
    assert second.superseded_at is None
    current = HelperCheck.objects.filter(
        user=helper, kind=K.ID, revoked_at=None, superseded_at=None
    )
    assert list(current) == [second]
    # A third reference supersedes the oldest of two.
    refs = [
        helper_check_record(
            actor=moderator,
            helper_id=helper.pk,
            kind=K.REFERENCE,
            issued_on=today() - dt.timedelta(days=10 - n),
            expires_on=None,
            referee_name=f"Referee {n}",
        )
        for n in range(3)
    ]
    for ref in refs:
        ref.refresh_from_db()
    assert [r.superseded_at is not None for r in refs] == [True, False, False]


def test_the_database_refuses_two_current_checks_of_one_kind(moderator, helper, home_council):
    make.check(user=helper, council=home_council)
    with pytest.raises(Exception, match="helpercheck_one_current_per_kind"):
        make.check(user=helper, council=home_council)


def test_a_superseded_check_does_not_count_once_its_successor_is_revoked(moderator, helper):
    """Matching reads only current checks: revoking the newer record of a kind does not let the
    older one it superseded count again (in the Python rule and in the SQL the searches use)."""
    make.record_check(actor=moderator, helper=helper, kind=K.DBS_ENHANCED_BARRED)
    newer = make.record_check(
        actor=moderator, helper=helper, kind=K.DBS_ENHANCED_BARRED, days_left=700
    )
    level = int(VerificationLevel.ENHANCED_DBS_BARRED)
    assert eligibility.helper_holds_level(helper=helper, level=level)
    helper_check_revoke(actor=moderator, check_id=newer.pk, reason="The certificate was withdrawn")
    assert not eligibility.helper_holds_level(helper=helper, level=level)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {eligibility.level_held_sql('%(helper)s')}",
            {"helper": helper.pk, **eligibility.check_params()},
        )
        assert cursor.fetchone()[0] < level
