"""The second factor of council staff and platform operators: used in *this* session.

Other people's records are shown to staff only in a session in which they entered a code from
their authenticator app (or a recovery code) — never because an authenticator exists on the
account, and never with an API token alone.

- allauth records each factor a session has used (`account_authentication_methods`). On
  every request `config.middleware.SecondFactorMiddleware` reads that record once and marks
  the request's user (`mark_second_factor`); `config.authentication.TokenAuthentication`
  marks token users as not having used one. `second_factor_used(user)` is the one question
  every staff check asks (`accounts.permissions.staff_has_mfa`). A user object that was
  never marked (a task, a shell) has not used one.
- Staff and operators cannot add an authenticator with their password alone: whoever knew
  the password could add their own. They add it from a one-time set-up link a council admin
  sends to their address (`invitation_send`), or, for operators, from
  `manage.py staff_setup_link`. Opening the link in a session signed in as that person
  (`invitation_open`) allows allauth's "set up an authenticator app" page in that session;
  adding the authenticator there uses up the link, counts as this session's second factor,
  gives the session a new key and ends the person's other sessions
  (`enrolment_complete`, called from allauth's `authenticator_added` signal).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import audit_record
from core.errors import ApplicationError
from core.mail import mail_send_on_commit

from .models import StaffInvitation, StaffMembership, User
from .selectors import council_is_welsh_first
from .sessions import sessions_end

_USED = "_kith_second_factor_used"
INVITATION_SESSION_KEY = "_kith_staff_invitation"
INVITATION_LIFETIME = dt.timedelta(days=3)
INVITATION_INVALID_MESSAGE = gettext_lazy(
    "This set-up link has expired, has been used already or is not for this account. Ask "
    "your council admin to send you a new one."
)


# --- Who needs one --------------------------------------------------------------------------
#: Other kinds of account held to the same rule, each a question about a user id, added by the
#: room that owns them when Django starts (a partner organisation's referrers:
#: `partners.apps.PartnersConfig.ready`). This room sits below them and cannot ask itself.
PRIVILEGED_ACCOUNTS: list[Callable[[int], bool]] = []


def is_privileged(user) -> bool:
    """Council staff (a StaffMembership), Django staff and superusers, and the accounts in
    `PRIVILEGED_ACCOUNTS`: the people who can see others' personal data, held to a second
    factor and to shorter sessions."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.is_staff:
        return True
    if user.pk is None:
        return False
    if StaffMembership.objects.filter(user_id=user.pk).exists():
        return True
    return any(check(user.pk) for check in PRIVILEGED_ACCOUNTS)


def has_authenticator(user) -> bool:
    """Whether `user` has an authenticator app (TOTP) set up with allauth."""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return False
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def needs_invitation_to_enrol(user) -> bool:
    """Staff or an operator without an authenticator: they add one only from a set-up link."""
    return is_privileged(user) and not has_authenticator(user)


# --- Used in this session -------------------------------------------------------------------
def second_factor_in_session(request, user) -> bool:
    """Whether this request's session used a second factor for `user`, within the staff
    session's absolute limit."""
    oldest = time.time() - settings.KITH_STAFF_SESSION_ABSOLUTE
    return any(
        record.get("method") == "mfa" and float(record.get("at") or 0) >= oldest
        for record in get_authentication_records(request, user)
    )


def mark_second_factor(user, *, used: bool) -> None:
    """Say on the request's user object whether this session (or token) used a second factor."""
    setattr(user, _USED, used)


def second_factor_used(user) -> bool:
    """Whether `user` — the request's user — has an authenticator and used it in this session."""
    return getattr(user, _USED, False) is True and has_authenticator(user)


# --- Set-up links ---------------------------------------------------------------------------
def _council_of(user: User):
    """The council a member of staff works for (their audit rows are that council's), or
    None for an operator."""
    membership = StaffMembership.objects.filter(user_id=user.pk).select_related("council").first()
    return membership.council if membership else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_send(
    *,
    actor: User | None,
    member: User,
    base_url: str,
    account: str = "staff",
    tool: str = "the staff console",
) -> str:
    """Make a new set-up link for `member` (any earlier unused link stops working), email it to
    their own address after commit, audit it, and return the link. `actor` is the council
    admin sending it, or None from the command line. `account` and `tool` name the kind of
    account and what it opens in the email (a referrer's: "referrer", "referrals")."""
    if not is_privileged(member):
        raise ApplicationError(_("Set-up links are only for council staff."), code="not_staff")
    if not member.email:
        raise ApplicationError(
            _("A set-up link goes to the person's own email address, and they have none."),
            code="no_email",
        )
    now = timezone.now()
    StaffInvitation.objects.filter(user=member, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    token = secrets.token_urlsafe(32)
    StaffInvitation.objects.create(
        user=member,
        created_by=actor,
        token_digest=_digest(token),
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    link = base_url.rstrip("/") + reverse("staff_setup", kwargs={"token": token})
    audit_record(
        actor=actor, verb="staff.setup_link_sent", target=member, council=_council_of(member)
    )
    council = _council_of(member)
    council_id = council.pk if council else member.council_id
    with translation.override("cy" if council_is_welsh_first(council_id) else "en-gb"):
        subject, body = _invitation_words(
            account=account, tool=tool, link=link, days=INVITATION_LIFETIME.days
        )
    mail_send_on_commit(to=member.email, subject=subject, body=body)  # email checked above
    return link


def _invitation_words(*, account: str, tool: str, link: str, days: int) -> tuple[str, str]:
    """The set-up link email (subject, body), in the active language: a staff member's, a
    referrer's, or another kind of account's."""
    if account == "staff" and tool == "the staff console":
        subject = _("Set up two-step sign-in for the staff console")
        asked = _("You have been asked to set up an authenticator app for your Kith staff account.")
    elif account == "referrer" and tool == "Kith referrals":
        subject = _("Set up two-step sign-in for Kith referrals")
        asked = _(
            "You have been asked to set up an authenticator app for your Kith referrer account."
        )
    else:
        subject = _("Set up two-step sign-in for %(tool)s") % {"tool": tool}
        asked = _(
            "You have been asked to set up an authenticator app for your Kith %(account)s account."
        ) % {"account": account}
    steps = _("Open this link, sign in with your email address and password, and follow the steps:")
    works = _(
        "The link works once and for %(days)s days. If you did not expect it, tell your council "
        "admin and do not open it."
    ) % {"days": days}
    return subject, f"{asked}\n\n{steps}\n{link}\n\n{works}\n"


def invitation_open(*, request, token: str) -> StaffInvitation:
    """Check a set-up link opened in a session signed in as its person, and allow allauth's
    "set up an authenticator app" page in this session. The link is used up only when an
    authenticator is added."""
    invitation = (
        StaffInvitation.objects.filter(
            token_digest=_digest(token),
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("user")
        .first()
    )
    if invitation is None or invitation.user_id != request.user.pk:
        raise ApplicationError(INVITATION_INVALID_MESSAGE, code="setup_link_invalid")
    request.session[INVITATION_SESSION_KEY] = invitation.pk
    return invitation


def may_add_authenticator(request) -> bool:
    """Whether allauth's "set up an authenticator app" page may be used in this session: by
    anyone who is not staff; by staff only after opening their set-up link here, or in a
    session that already used a second factor (replacing an app)."""
    user = request.user
    if not needs_invitation_to_enrol(user):
        return True
    return _open_invitation(request) is not None or second_factor_in_session(request, user)


def _open_invitation(request) -> StaffInvitation | None:
    invitation_id = request.session.get(INVITATION_SESSION_KEY)
    if not invitation_id:
        return None
    return StaffInvitation.objects.filter(
        pk=invitation_id,
        user_id=request.user.pk,
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).first()


@transaction.atomic
def enrolment_complete(*, request, user: User, authenticator: Authenticator) -> int:
    """After `user` added an authenticator in this session: use up the set-up link, count the
    code they just entered as this session's second factor, give the session a new key and
    end their other sessions. Returns how many other sessions ended."""
    invitation = _open_invitation(request)
    if invitation is not None:
        invitation.used_at = timezone.now()
        invitation.save(update_fields=["used_at"])
        del request.session[INVITATION_SESSION_KEY]
    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
    request.session.cycle_key()
    ended = sessions_end(user_id=user.pk, keep=request.session.session_key)
    if is_privileged(user):
        audit_record(
            actor=user,
            verb="staff.authenticator_added",
            target=user,
            council=_council_of(user),
            data={"setup_link": invitation is not None, "other_sessions_ended": ended},
        )
    return ended


# --- The council's team ---------------------------------------------------------------------
@dataclass(frozen=True)
class TeamMember:
    membership: StaffMembership
    has_authenticator: bool
    link_sent_at: dt.datetime | None  # the newest set-up link, used or not


def council_team(*, council) -> list[TeamMember]:
    """The council's staff, with whether each has an authenticator app, for the team page."""
    memberships = list(
        StaffMembership.objects.filter(council=council)
        .select_related("user")
        .order_by("user__display_name", "user__email")
    )
    ids = [m.user_id for m in memberships]
    with_app = set(
        Authenticator.objects.filter(user_id__in=ids, type=Authenticator.Type.TOTP).values_list(
            "user_id", flat=True
        )
    )
    sent: dict[int, dt.datetime] = {}
    for user_id, created_at in StaffInvitation.objects.filter(user_id__in=ids).values_list(
        "user_id", "created_at"
    ):
        sent[user_id] = max(created_at, sent.get(user_id, created_at))
    return [
        TeamMember(m, has_authenticator=m.user_id in with_app, link_sent_at=sent.get(m.user_id))
        for m in memberships
    ]


def team_member(*, council, user_id: int) -> User | None:
    """A member of `council`'s staff, or None (another council's staff are not found)."""
    membership = (
        StaffMembership.objects.filter(council=council, user_id=user_id)
        .select_related("user")
        .first()
    )
    return membership.user if membership else None
