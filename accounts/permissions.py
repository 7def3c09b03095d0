"""What each council staff role may do, and the checks that enforce it.

One table (`ROLE_CAPABILITIES`) says which role holds which capability. Everything else —
the web console's decorator, the DRF permission classes, the selectors' council filter — asks
`staff_can` or `staff_council_for`, so a role's reach is changed in one place.

Staff act only within their own council. A capability check with a council answers "no" for
any other council; selectors filter by `staff_council_for(user)` so lists never show what the
detail pages would refuse.

Superusers use the Django admin at /django-admin/; they get no console capability here unless
they also hold a `StaffMembership`.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission

from core.errors import ApplicationError, NotFound

from .models import Council, StaffMembership, User
from .second_factor import second_factor_used
from .selectors import staff_membership_for

Role = StaffMembership.Role


class Capability(StrEnum):
    CONSOLE = "console"  # open /staff/ at all
    MODERATION = "moderation"  # the moderation queue: needs, offers, reports
    HELPER_CHECKS = "helper_checks"  # record and revoke ID/DBS checks
    SAFEGUARDING = "safeguarding"  # the concerns queue
    PEOPLE = "people"  # search people and read their records
    SUSPENSION = "suspension"  # suspend and reinstate a person
    AUDIT_LOG = "audit_log"  # read and export the audit log
    CATEGORY_SWITCHES = "category_switches"  # turn categories on and off for the council
    COUNCIL_SETTINGS = "council_settings"  # radius, auto-approval, unit costs, weights
    OVERSIGHT = "oversight"  # the oversight dashboard, demand map and impact report
    MATCHING_ROUNDS = "matching_rounds"  # run a round, review it, send or discard it
    ASSISTED_DIGITAL = "assisted_digital"  # record a need for someone who is not online
    TEAM = "team"  # see the council's staff and send them their set-up links
    BROADCAST = "broadcast"  # message the helpers of a category or an area at once
    WELFARE = "welfare"  # welfare checks after missed visits, and "still need help?" follow-ups
    CONVERSATIONS = "conversations"  # read a match's private messages, saying why (audited)
    PARTNERS = "partners"  # partner organisations, their referrers and referrals


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.MODERATOR: frozenset(
        {
            Capability.CONSOLE,
            Capability.MODERATION,
            Capability.HELPER_CHECKS,
            Capability.MATCHING_ROUNDS,
        }
    ),
    Role.SAFEGUARDING_LEAD: frozenset(
        {
            Capability.CONSOLE,
            Capability.SAFEGUARDING,
            Capability.PEOPLE,
            Capability.SUSPENSION,
            Capability.ASSISTED_DIGITAL,
            Capability.WELFARE,
            Capability.CONVERSATIONS,
        }
    ),
    Role.COUNCIL_ADMIN: frozenset(Capability),
}


def active_staff_membership(user: User | None) -> StaffMembership | None:
    """The membership of a signed-in, active, unsuspended member of staff, else None."""
    if user is None or not user.is_authenticated or not user.is_active or user.is_suspended:
        return None
    membership = staff_membership_for(user=user)
    if membership is None or not membership.council.is_active:
        return None
    return membership


def staff_council_for(user: User | None) -> Council | None:
    """The one council whose data `user` may see as staff, or None."""
    membership = active_staff_membership(user)
    return membership.council if membership else None


def staff_council_id(user: User | None) -> int | None:
    """The id of the one council whose data `user` may see as staff, or None."""
    membership = active_staff_membership(user)
    return membership.council_id if membership else None


def capabilities_of(user: User | None) -> frozenset[Capability]:
    membership = active_staff_membership(user)
    if membership is None:
        return frozenset()
    return ROLE_CAPABILITIES.get(membership.role, frozenset())


def staff_can(
    user: User | None, capability: Capability | str, council: Council | None = None
) -> bool:
    """Whether `user` holds `capability` — and, when `council` is given, holds it there."""
    membership = active_staff_membership(user)
    if membership is None:
        return False
    if council is not None and membership.council_id != council.pk:
        return False
    return Capability(capability) in ROLE_CAPABILITIES.get(membership.role, frozenset())


def staff_has_mfa(user: User | None) -> bool:
    """Whether `user` — the request's user — entered a code from their authenticator app in
    this session (`accounts.second_factor`): an authenticator on the account is not enough,
    and an API token never counts."""
    if user is None or not user.is_authenticated:
        return False
    return second_factor_used(user)


STAFF_MFA_MESSAGE = gettext_lazy(
    "Staff tools need two-factor sign-in: a session in which you entered a code from your "
    "authenticator app. An API token alone cannot be used for them."
)


def staff_council_id_with_mfa(user: User | None) -> int | None:
    """The council whose non-public data `user` may read as staff: `staff_council_id`, but
    only in a session that used their second factor (`staff_has_mfa`).

    Without one, a member of staff is an ordinary person to the selectors that ask this: they
    see their own records and what is public, never their council's pending, rejected or draft
    listings, reports or people. Staff-only endpoints answer them with a 403 and
    `STAFF_MFA_MESSAGE` instead (they ask `staff_has_mfa` themselves)."""
    council_id = staff_council_id(user)
    if council_id is None or not staff_has_mfa(user):
        return None
    return council_id


class IsCouncilStaff(BasePermission):
    """DRF: a member of council staff signed in with their second factor in this session (never
    a token alone), holding the view's capability.

    A view sets `required_capability` (default: the console itself). Objects with a
    `council_id` must belong to the staff member's council; views should also filter their
    querysets with `staff_council_for` so lists match.
    """

    message = STAFF_MFA_MESSAGE

    def has_permission(self, request, view) -> bool:
        capability = getattr(view, "required_capability", Capability.CONSOLE)
        return staff_can(request.user, capability) and staff_has_mfa(request.user)

    def has_object_permission(self, request, view, obj) -> bool:
        council = staff_council_for(request.user)
        return council is not None and getattr(obj, "council_id", None) == council.pk


def staff_capability(capability: Capability) -> type[IsCouncilStaff]:
    """A DRF permission class requiring `capability`, e.g. `permission_classes =
    [staff_capability(Capability.MODERATION)]`."""
    return type(
        f"HasStaffCapability_{capability.value}",
        (IsCouncilStaff,),
        {"has_permission": lambda self, request, view: _has(request, capability)},
    )


def _has(request, capability: Capability) -> bool:
    return staff_can(request.user, capability) and staff_has_mfa(request.user)


NOT_FOUND_MESSAGE = gettext_lazy("Not found.")


def staff_council(actor: User, capability: Capability) -> Council:
    """The actor's council if they hold `capability` there; refuses otherwise."""
    membership = active_staff_membership(actor)
    if membership is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    if not staff_can(actor, capability):
        raise ApplicationError(
            _("Your staff role does not include this. Ask your council admin."), code="forbidden"
        )
    return membership.council


def council_person(*, council: Council, person_id, lock: bool = False) -> User:
    try:
        person_id = int(person_id)
    except (TypeError, ValueError):
        raise NotFound(NOT_FOUND_MESSAGE) from None
    qs = User.objects.filter(pk=person_id, council=council)
    if lock:
        qs = qs.select_for_update(of=("self",))
    person = qs.first()
    if person is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return person
