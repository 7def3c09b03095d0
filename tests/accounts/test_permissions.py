"""The capability table and the checks built on it (accounts.permissions)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from accounts.permissions import (
    ROLE_CAPABILITIES,
    Capability,
    IsCouncilStaff,
    capabilities_of,
    staff_can,
    staff_capability,
    staff_council_for,
)
from tests.kit import factories as make
from tests.kit.factories import Role
from trust.concerns import concern_raise

pytestmark = pytest.mark.django_db
C = Capability

EXPECTED = {
    Role.MODERATOR: {C.CONSOLE, C.MODERATION, C.HELPER_CHECKS, C.MATCHING_ROUNDS},
    Role.SAFEGUARDING_LEAD: {
        C.CONSOLE,
        C.SAFEGUARDING,
        C.PEOPLE,
        C.SUSPENSION,
        C.ASSISTED_DIGITAL,
        C.WELFARE,
        C.CONVERSATIONS,
    },
    Role.COUNCIL_ADMIN: set(Capability),
}


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("capability", list(Capability))
def test_staff_can_follows_the_table_in_own_council_only(
    home_council, away_council, role, capability
):
    user = make.staff(council=home_council, role=role, lives_here=True)
    expected = capability in EXPECTED[role]
    assert staff_can(user, capability) is expected
    assert staff_can(user, capability, home_council) is expected
    assert staff_can(user, capability, away_council) is False


def test_the_table_is_the_documented_one():
    assert {role: set(caps) for role, caps in ROLE_CAPABILITIES.items()} == EXPECTED


def test_citizens_anonymous_and_suspended_staff_have_no_capability(
    citizen, home_council, council_admin
):
    from django.contrib.auth.models import AnonymousUser

    from safeguarding.suspension import person_suspend

    assert capabilities_of(citizen) == frozenset()
    assert capabilities_of(AnonymousUser()) == frozenset()
    assert staff_council_for(citizen) is None
    moderator = make.staff(council=home_council, role=Role.MODERATOR, lives_here=True)
    person_suspend(actor=council_admin, person_id=moderator.pk, reason="Left")
    moderator.refresh_from_db()
    assert not staff_can(moderator, C.CONSOLE)
    home_council.is_active = False
    home_council.save(update_fields=["is_active"])
    council_admin.refresh_from_db()
    assert not staff_can(council_admin, C.CONSOLE)


class _ModerationView(APIView):
    permission_classes = [staff_capability(C.MODERATION)]


class _ConsoleView(APIView):
    permission_classes = [IsCouncilStaff]


@pytest.mark.parametrize(
    ("role", "mfa", "view", "allowed"),
    [
        (Role.MODERATOR, True, _ModerationView, True),
        (Role.MODERATOR, False, _ModerationView, False),
        (Role.SAFEGUARDING_LEAD, True, _ModerationView, False),
        (Role.SAFEGUARDING_LEAD, True, _ConsoleView, True),
        (Role.COUNCIL_ADMIN, False, _ConsoleView, False),
    ],
)
def test_drf_permission_classes(home_council, role, mfa, view, allowed):
    user = make.staff(council=home_council, role=role, mfa=mfa, lives_here=True)
    request = APIRequestFactory().get("/")
    request.user = user
    assert all(p.has_permission(request, view()) for p in view().get_permissions()) is allowed


def test_drf_object_permission_is_own_council_only(
    home_council, citizen, away_admin, council_admin
):
    concern = concern_raise(actor=council_admin, about_id=citizen.pk, summary="s", priority="low")
    request = APIRequestFactory().get("/")
    permission = IsCouncilStaff()
    request.user = council_admin
    assert permission.has_object_permission(request, None, concern)
    request.user = away_admin
    assert not permission.has_object_permission(request, None, concern)
