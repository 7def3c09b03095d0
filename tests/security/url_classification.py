"""Who may reach each URL of the project: the URLconf walked (`project_routes`, `concrete`)
and every route's classification (`CLASSIFICATION`, `classification`), read by
test_url_matrix.py."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver

from accounts.permissions import ROLE_CAPABILITIES, Capability

# --- Walking the URLconf --------------------------------------------------------------------


def _walk(patterns, prefix: str = ""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def project_routes() -> list[str]:
    return sorted(set(_walk(get_resolver().url_patterns)))


_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
PLACEHOLDER = {"int": "999999", "slug": "no-such-thing", "str": "no-such-thing", "path": "x"}


def concrete(route: str, values: dict[str, str] | None = None) -> str:
    """A path for `route`, with `values` (or placeholders) for its parameters."""
    values = values or {}

    def conv(m):
        return values.get(m.group(2), PLACEHOLDER.get(m.group(1) or "str", "x"))

    path = _CONVERTER.sub(conv, route)
    if "^" in path or "$" in path or "(?P<" in path:  # a regex route (allauth, admin)
        path = _REGEX_GROUP.sub(lambda m: values.get(m.group(1), "x-1"), path)
        path = re.sub(r"[\^$]", "", path).replace("\\", "")
        path = re.sub(r"\(\?:[^)]*\)\??", "", path)
    return "/" + path


# --- Classification ---------------------------------------------------------------------------
PUBLIC = "public"  # anyone, signed in or not
LOGIN = "login"  # anonymous people are sent to sign in (pages) or refused with 401 (API)
ADMIN = "admin"  # Django admin: superusers only; everyone else goes to the admin sign-in
TOKEN = "token"  # reached with a secret in the URL (email links): no account needed

ROLES = (
    "owner",
    "other_citizen",
    "helper",
    "moderator",
    "safeguarding_lead",
    "council_admin",
    "staff_other_council",
    "superuser",
    # A partner organisation's referrer (partners/), and a referrer of another organisation.
    "referrer",
    "other_referrer",
)
REFERRERS = ("referrer", "other_referrer")
#: Referrers have no citizen's profile: the citizens' pages send them to start one.
NO_PROFILE = dict.fromkeys(REFERRERS, (302, 404))
STAFF_SAME = ("moderator", "safeguarding_lead", "council_admin")
EVERYONE_SIGNED_IN = dict.fromkeys(ROLES, 200)


@dataclass(frozen=True)
class Access:
    anonymous: str
    # Expected GET status per signed-in role, where the matrix can build the objects needed.
    roles: dict[str, int | tuple[int, ...]] = field(default_factory=dict)
    obj: str = ""  # "need", "offer", "match" or "referral": fill the route's id from that object
    cap: str = ""  # the staff capability the view must declare (accounts.permissions)


def staff_only(*, same=200, other=200, superuser=(403, 404), citizens=(403, 404)) -> dict:
    return {
        "owner": citizens,
        "other_citizen": citizens,
        "helper": citizens,
        **dict.fromkeys(STAFF_SAME, same),
        "staff_other_council": other,
        "superuser": superuser,
        **dict.fromkeys(REFERRERS, citizens),
    }


def staff(cap: Capability, *, check: bool = True) -> Access:
    """A council staff route needing `cap`. With `check`, GET is tried by every role: staff
    whose role has the capability (accounts.permissions.ROLE_CAPABILITIES) get 200, everyone
    else is refused (403, or 404 where the API does not say the route exists)."""
    refused = (403, 404)
    roles = {}
    if check:
        roles = {
            "owner": refused,
            "other_citizen": refused,
            "helper": refused,
            **{role: 200 if cap in ROLE_CAPABILITIES[role] else refused for role in STAFF_SAME},
            # Staff of another council (a moderator) see their own council's lists.
            "staff_other_council": 200 if cap in ROLE_CAPABILITIES["moderator"] else refused,
            # A superuser is not council staff: the Django admin is theirs, not the console.
            "superuser": refused,
            **dict.fromkeys(REFERRERS, refused),
        }
    return Access(LOGIN, roles, cap=cap)


def owner_only(*, staff=(200, 404), other=404) -> dict:
    """The owner sees it; other people get "not found" (never "forbidden")."""
    return {
        "owner": 200,
        "other_citizen": other,
        "helper": other,
        **dict.fromkeys(STAFF_SAME, staff),
        "staff_other_council": 404,
        "superuser": (200, 404),
        **NO_PROFILE,
    }


def match_parties() -> dict:
    """The two people of a match see it; nobody else learns it exists."""
    return {
        "owner": 200,
        "other_citizen": 404,
        "helper": 200,
        **dict.fromkeys(STAFF_SAME, (200, 404)),
        "staff_other_council": 404,
        "superuser": (200, 404),
        **NO_PROFILE,
    }


def referrers_only(*, other: int = 200) -> dict:
    """A referrer's own pages: everyone else who is signed in is refused; a referrer of
    another organisation is told their own referral is "not found" (`other=404`)."""
    return {
        **dict.fromkeys(ROLES, 403),
        "referrer": 200,
        "other_referrer": other,
    }


SIGNED_IN = Access(LOGIN, EVERYONE_SIGNED_IN)

CLASSIFICATION: dict[str, Access] = {
    # Operations
    "healthz": Access(PUBLIC),
    # The English | Cymraeg switch, and the timeout warning's "how long is left" (which says
    # "not signed in" to anyone else) and "stay signed in".
    "language/<str:code>/": Access(PUBLIC),
    "favicon.ico": Access(PUBLIC),
    # Kith's Open Referral UK feed: open data about each council's service, no person in it.
    "oruk/": Access(PUBLIC),
    "oruk/openapi.json": Access(PUBLIC),
    "oruk/services": Access(PUBLIC),
    "oruk/services/<str:service_id>": Access(PUBLIC),
    "session/": Access(PUBLIC),
    "session/stay/": Access(LOGIN),
    # GOV.UK Notify's callbacks: Notify's bearer token, never a session (404 until configured).
    "notify/receipts/": Access(TOKEN),
    "notify/received-texts/": Access(TOKEN),
    "metrics": Access(
        PUBLIC,  # answers 403 to anonymous callers itself (scrapers use a bearer token)
        # Every council's figures: operators only, never council staff.
        staff_only(same=403, other=403, superuser=200, citizens=403),
    ),
    # allauth
    "accounts/login/": Access(PUBLIC),
    "accounts/logout/": Access(PUBLIC),
    "accounts/inactive/": Access(PUBLIC),
    "accounts/signup/": Access(PUBLIC),
    "accounts/reauthenticate/": Access(LOGIN),
    "accounts/email/": Access(LOGIN),
    "accounts/confirm-email/": Access(PUBLIC),
    "accounts/password/change/": Access(LOGIN),
    "accounts/password/set/": Access(LOGIN),
    "accounts/password/reset/": Access(PUBLIC),
    "accounts/login/code/": Access(PUBLIC),  # ask for a sign-in code by email
    "accounts/login/code/confirm/": Access(PUBLIC),
    "accounts/^confirm-email/(?P<key>[-:\\w]+)/$": Access(TOKEN),
    "accounts/password/reset/key/done/": Access(PUBLIC),
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": Access(TOKEN),
    "accounts/password/reset/done/": Access(PUBLIC),
    "accounts/2fa/": Access(LOGIN),
    "accounts/2fa/authenticate/": Access(PUBLIC),  # the second step of a sign-in
    "accounts/2fa/reauthenticate/": Access(LOGIN),
    "accounts/2fa/totp/activate/": Access(LOGIN),
    "accounts/2fa/totp/deactivate/": Access(LOGIN),
    "accounts/2fa/recovery-codes/": Access(LOGIN),
    "accounts/2fa/recovery-codes/generate/": Access(LOGIN),
    "accounts/2fa/recovery-codes/download/": Access(LOGIN),
    # API: schema and the person's own data
    "api/v1/schema/": Access(PUBLIC),
    "api/v1/docs/": Access(PUBLIC),
    "api/v1/me/": SIGNED_IN,
    "api/v1/me/tokens/": SIGNED_IN,
    "api/v1/me/tokens/<int:token_id>/": Access(LOGIN),
    # OAuth 2.0 (RFC 6749): the consent page needs a signed-in person; the token and
    # revocation endpoints authenticate the application, not a person.
    "oauth/authorize/": Access(LOGIN),
    "oauth/token/": Access(PUBLIC),
    "oauth/revoke_token/": Access(PUBLIC),
    "api/v1/me/alerts/": SIGNED_IN,
    "api/v1/me/contact/": SIGNED_IN,
    "api/v1/me/export/": SIGNED_IN,
    "api/v1/me/erase/": Access(LOGIN),
    "api/v1/alerts/unsubscribe/<str:token>/": Access(TOKEN),
    "api/v1/categories/": SIGNED_IN,
    # API: needs and offers
    "api/v1/needs/": SIGNED_IN,
    "api/v1/needs/near/": Access(LOGIN),
    # A published need is a public listing (approximate place only) for anyone signed in.
    "api/v1/needs/<int:pk>/": Access(LOGIN, EVERYONE_SIGNED_IN, obj="need"),
    "api/v1/needs/<int:pk>/submit/": Access(LOGIN),
    "api/v1/needs/<int:pk>/withdraw/": Access(LOGIN),
    "api/v1/needs/<int:pk>/matches/": Access(LOGIN),
    "api/v1/offers/": SIGNED_IN,
    "api/v1/offers/near/": Access(LOGIN),
    "api/v1/offers/<int:pk>/": Access(LOGIN, obj="offer"),
    "api/v1/offers/<int:pk>/pause/": Access(LOGIN),
    "api/v1/offers/<int:pk>/resume/": Access(LOGIN),
    "api/v1/offers/<int:pk>/close/": Access(LOGIN),
    "api/v1/offers/<int:pk>/matches/": Access(LOGIN),
    "api/v1/reports/": Access(LOGIN),
    "api/v1/blocks/": SIGNED_IN,
    "api/v1/blocks/<int:person_id>/": Access(LOGIN),
    # API: matches and messages
    "api/v1/matches/": SIGNED_IN,
    "api/v1/matches/<int:pk>/": Access(LOGIN, match_parties(), obj="match"),
    "api/v1/matches/<int:pk>/accept/": Access(LOGIN),
    "api/v1/matches/<int:pk>/decline/": Access(LOGIN),
    "api/v1/matches/<int:pk>/cancel/": Access(LOGIN),
    "api/v1/matches/<int:pk>/start/": Access(LOGIN),
    "api/v1/matches/<int:pk>/complete/": Access(LOGIN),
    # Staff may not read a conversation without the capability (403), nor without saying
    # why (400, tests/matching/test_api.py): never a 200 on a bare GET.
    "api/v1/matches/<int:pk>/messages/": Access(
        LOGIN,
        {**match_parties(), **dict.fromkeys(STAFF_SAME, (400, 403, 404)), "superuser": (403, 404)},
        obj="match",
    ),
    "api/v1/matches/<int:pk>/feedback/": Access(LOGIN),
    "api/v1/messages/<int:pk>/report/": Access(LOGIN),
    # API: council staff
    "api/v1/staff/needs/": staff(Capability.CONSOLE, check=False),
    "api/v1/staff/review/needs/": staff(Capability.MODERATION),
    "api/v1/staff/review/offers/": staff(Capability.MODERATION),
    "api/v1/staff/needs/<int:pk>/approve/": staff(Capability.MODERATION, check=False),
    "api/v1/staff/needs/<int:pk>/reject/": staff(Capability.MODERATION, check=False),
    "api/v1/staff/offers/<int:pk>/approve/": staff(Capability.MODERATION, check=False),
    "api/v1/staff/offers/<int:pk>/reject/": staff(Capability.MODERATION, check=False),
    "api/v1/staff/reports/": staff(Capability.MODERATION),
    "api/v1/staff/reports/<int:pk>/decide/": staff(Capability.MODERATION, check=False),
    "api/v1/staff/categories/": staff(Capability.CATEGORY_SWITCHES),
    "api/v1/staff/categories/<slug:slug>/": staff(Capability.CATEGORY_SWITCHES, check=False),
    "api/v1/staff/rounds/": staff(Capability.MATCHING_ROUNDS, check=False),  # POST only
    "api/v1/staff/rounds/<int:pk>/": staff(Capability.MATCHING_ROUNDS, check=False),
    "api/v1/staff/rounds/<int:pk>/apply/": staff(Capability.MATCHING_ROUNDS, check=False),
    "api/v1/staff/rounds/<int:pk>/discard/": staff(Capability.MATCHING_ROUNDS, check=False),
    # Staff console (web)
    "staff/": staff(Capability.CONSOLE),
    "staff/moderation/": staff(Capability.MODERATION),
    "staff/moderation/reports/<int:pk>/": staff(Capability.MODERATION, check=False),
    "staff/moderation/<str:kind>/<int:pk>/": staff(Capability.MODERATION, check=False),
    "staff/moderation/<str:kind>/<int:pk>/approve/": staff(Capability.MODERATION, check=False),
    "staff/moderation/<str:kind>/<int:pk>/reject/": staff(Capability.MODERATION, check=False),
    "staff/checks/": staff(Capability.HELPER_CHECKS),
    "staff/checks/<int:pk>/revoke/": staff(Capability.HELPER_CHECKS, check=False),
    "staff/checks/<int:pk>/status/": staff(Capability.HELPER_CHECKS, check=False),
    "staff/checks/holds/<int:pk>/release/": staff(Capability.HELPER_CHECKS, check=False),
    "staff/concerns/": staff(Capability.SAFEGUARDING),
    "staff/concerns/new/": staff(Capability.CONSOLE, check=False),
    "staff/concerns/<int:pk>/": staff(Capability.SAFEGUARDING, check=False),
    "staff/concerns/<int:pk>/assign/": staff(Capability.SAFEGUARDING, check=False),
    "staff/concerns/<int:pk>/note/": staff(Capability.SAFEGUARDING, check=False),
    "staff/concerns/<int:pk>/close/": staff(Capability.SAFEGUARDING, check=False),
    "staff/people/": staff(Capability.PEOPLE),
    "staff/people/<int:pk>/": staff(Capability.PEOPLE, check=False),
    "staff/people/<int:pk>/contact/": staff(Capability.ASSISTED_DIGITAL, check=False),
    "staff/people/not-reached/": staff(Capability.PEOPLE),
    "staff/broadcast/": staff(Capability.BROADCAST),
    "staff/people/<int:pk>/needs/new/": staff(Capability.ASSISTED_DIGITAL, check=False),
    "staff/assisted/people/new/": staff(Capability.ASSISTED_DIGITAL),
    "staff/people/<int:pk>/go-online-code/": staff(Capability.ASSISTED_DIGITAL, check=False),
    "staff/assisted/": staff(Capability.ASSISTED_DIGITAL),
    "staff/assisted/needs/<int:pk>/": staff(Capability.ASSISTED_DIGITAL, check=False),
    "staff/assisted/needs/<int:pk>/ask/": staff(Capability.ASSISTED_DIGITAL, check=False),
    "staff/assisted/matches/<int:pk>/": staff(Capability.ASSISTED_DIGITAL, check=False),
    "staff/assisted/matches/<int:pk>/accept/": staff(Capability.ASSISTED_DIGITAL, check=False),
    "staff/assisted/matches/<int:pk>/done/": staff(Capability.ASSISTED_DIGITAL, check=False),
    "staff/assisted/matches/<int:pk>/cancel/": staff(Capability.ASSISTED_DIGITAL, check=False),
    "staff/assisted/matches/<int:pk>/decline/": staff(Capability.ASSISTED_DIGITAL, check=False),
    "staff/people/<int:pk>/suspend/": staff(Capability.SUSPENSION, check=False),
    "staff/people/<int:pk>/reinstate/": staff(Capability.SUSPENSION, check=False),
    "staff/settings/": staff(Capability.COUNCIL_SETTINGS),
    "staff/settings/categories/<slug:slug>/": staff(Capability.CATEGORY_SWITCHES, check=False),
    "staff/team/": staff(Capability.TEAM),
    "staff/team/<int:pk>/setup-link/": staff(Capability.TEAM, check=False),  # POST
    # A set-up link: opened signed in as the person it was sent to; any other link is refused.
    "staff/set-up/<str:token>/": Access(LOGIN, dict.fromkeys(ROLES, 403)),
    "staff/audit/": staff(Capability.AUDIT_LOG),
    "staff/audit/export.csv": staff(Capability.AUDIT_LOG),
    "staff/impact/": staff(Capability.OVERSIGHT),
    "staff/impact/export.csv": staff(Capability.OVERSIGHT),
    "staff/oversight/helper-checks.csv": staff(Capability.OVERSIGHT),
    "staff/oversight/": staff(Capability.OVERSIGHT),
    "staff/settings/impact-units/": staff(Capability.COUNCIL_SETTINGS, check=False),  # POST
    "staff/settings/ongoing-help/": staff(Capability.COUNCIL_SETTINGS, check=False),  # POST
    "staff/settings/vetting/": staff(Capability.COUNCIL_SETTINGS),
    "staff/settings/other-help/": staff(Capability.COUNCIL_SETTINGS),
    "staff/settings/other-help/address/": staff(Capability.COUNCIL_SETTINGS, check=False),
    "staff/settings/other-help/file/": staff(Capability.COUNCIL_SETTINGS, check=False),
    "staff/settings/other-help/read/": staff(Capability.COUNCIL_SETTINGS, check=False),
    "staff/settings/vetting/categories/<slug:slug>/": staff(
        Capability.COUNCIL_SETTINGS, check=False
    ),  # POST
    "staff/welfare/": staff(Capability.WELFARE),
    "staff/welfare/<int:check_id>/": staff(Capability.WELFARE, check=False),
    "staff/still-needed/": staff(Capability.WELFARE),
    "staff/rounds/": staff(Capability.MATCHING_ROUNDS),
    "staff/rounds/<int:pk>/": staff(Capability.MATCHING_ROUNDS, check=False),
    "staff/rounds/<int:pk>/apply/": staff(Capability.MATCHING_ROUNDS, check=False),  # POST
    "staff/rounds/<int:pk>/discard/": staff(Capability.MATCHING_ROUNDS, check=False),  # POST
    "staff/partners/": staff(Capability.PARTNERS),
    "staff/partners/<int:pk>/": staff(Capability.PARTNERS, check=False),
    "staff/partners/<int:pk>/referrers/": staff(Capability.PARTNERS, check=False),  # POST
    "staff/partners/<int:pk>/suspend/": staff(Capability.PARTNERS, check=False),  # POST
    "staff/partners/<int:pk>/reinstate/": staff(Capability.PARTNERS, check=False),  # POST
    "staff/partners/referrers/<int:pk>/": staff(Capability.PARTNERS, check=False),
    "staff/partners/referrers/<int:pk>/deactivate/": staff(
        Capability.PARTNERS, check=False
    ),  # POST
    "staff/partners/referrers/<int:pk>/reactivate/": staff(
        Capability.PARTNERS, check=False
    ),  # POST
    # A partner organisation's referrers: their own referrals only.
    "refer/": Access(LOGIN, referrers_only()),
    "refer/new/": Access(LOGIN, referrers_only()),
    "refer/<int:referral_id>/": Access(LOGIN, referrers_only(other=404), obj="referral"),
    # Open data (public, anonymised)
    "api/v1/open/stats/": Access(PUBLIC),
    "api/v1/open/stats/weekly/": Access(PUBLIC),
    "api/v1/open/cells/": Access(PUBLIC),
    "api/v1/open/demand/": Access(PUBLIC),
    "api/v1/open/categories/": Access(PUBLIC),
    "api/v1/open/councils/": Access(PUBLIC),
    # Web pages
    "": Access(PUBLIC),
    "privacy/": Access(PUBLIC),
    "accessibility/": Access(PUBLIC),
    "cookies/": Access(PUBLIC),
    "staying-safe/": Access(PUBLIC),
    # Going online with a code sent by text or letter (rate limited, codes bound to a person)
    "go-online/": Access(PUBLIC),
    "go-online/get-a-code/": Access(PUBLIC),
    "go-online/your-account/": Access(PUBLIC),  # only after a right code, in that session
    "start/": Access(LOGIN),
    "start/postcode/": Access(LOGIN),
    "start/about-you/": Access(LOGIN),
    "home/": Access(LOGIN),
    "needs/": Access(LOGIN),
    "needs/new/": Access(LOGIN),
    "needs/new/check/": Access(LOGIN),
    "needs/new/<slug:step>/": Access(LOGIN),
    "needs/<int:need_id>/": Access(LOGIN, owner_only(staff=404), obj="need"),
    "needs/<int:need_id>/ask/": Access(LOGIN),
    "needs/<int:need_id>/withdraw/": Access(LOGIN),
    "needs/<int:need_id>/change/<slug:part>/": Access(LOGIN),
    "needs/<int:need_id>/send-again/": Access(LOGIN),
    # "Do you still need help?": the need's owner only (a page even with nothing to answer).
    "needs/<int:need_id>/still-needed/": Access(LOGIN, owner_only(staff=404), obj="need"),
    "helping/": Access(LOGIN),
    "helping/alerts/": Access(LOGIN),
    "helping/still-helping/<int:question_id>/": Access(LOGIN),
    "helping/needs-near-me/": Access(LOGIN),
    "helping/needs/<int:need_id>/": Access(LOGIN),
    "offers/new/": Access(LOGIN),
    "offers/new/check/": Access(LOGIN),
    "offers/new/<slug:step>/": Access(LOGIN),
    # The confirmation after recording an offer: its helper only; nobody else learns it exists.
    "offers/<int:offer_id>/sent/": Access(
        LOGIN, {**dict.fromkeys(ROLES, 404), "helper": 200, **NO_PROFILE}, obj="offer"
    ),
    "offers/<int:offer_id>/": Access(LOGIN),
    "offers/<int:offer_id>/times/": Access(LOGIN),
    "offers/<int:offer_id>/pause/": Access(LOGIN),
    "offers/<int:offer_id>/close/": Access(
        LOGIN, {**dict.fromkeys(ROLES, 404), "helper": 200, **NO_PROFILE}, obj="offer"
    ),
    "offers/<int:offer_id>/change/<slug:part>/": Access(LOGIN),
    "matches/<int:match_id>/": Access(LOGIN, match_parties(), obj="match"),
    "matches/<int:match_id>/accept/": Access(LOGIN),
    "matches/<int:match_id>/start/": Access(LOGIN),
    "matches/<int:match_id>/done/": Access(LOGIN),
    "matches/<int:match_id>/decline/": Access(LOGIN),
    "matches/<int:match_id>/feedback/": Access(LOGIN),
    "matches/<int:match_id>/concern/": Access(LOGIN),
    "matches/<int:match_id>/block/": Access(LOGIN),
    "matches/<int:match_id>/messages/<int:message_id>/report/": Access(LOGIN),
    "matches/<int:match_id>/messages/<int:message_id>/report/sent/": Access(LOGIN),
    # Ongoing help: the two people of the match only (404 for everyone else, staff included;
    # tests/frontend/test_arrangement_pages.py checks each page as a stranger).
    "arrangements/<int:arrangement_id>/": Access(LOGIN),
    "arrangements/<int:arrangement_id>/visits/<int:visit_id>/": Access(LOGIN),
    "arrangements/<int:arrangement_id>/visits/<int:visit_id>/skip/": Access(LOGIN),
    "arrangements/<int:arrangement_id>/visits/<int:visit_id>/move/": Access(LOGIN),
    "arrangements/<int:arrangement_id>/change-time/": Access(LOGIN),
    "arrangements/<int:arrangement_id>/changes/<int:change_id>/": Access(LOGIN),  # POST
    "arrangements/<int:arrangement_id>/end/": Access(LOGIN),
    "account/": Access(LOGIN),
    "account/contact/": Access(LOGIN),
    "account/contact/mobile/": Access(LOGIN),
    "whats-new/": Access(LOGIN),
    "whats-new/read/": Access(LOGIN),
    # One item of the person's own "What's new": everyone else is told it is not found.
    "whats-new/<int:notification_id>/": Access(LOGIN),
    "account/details/": Access(LOGIN),
    "account/postcode/": Access(LOGIN),
    "account/download/": Access(LOGIN),
    "account/delete/": Access(LOGIN),
    "account/blocked/": Access(LOGIN),
    "account/blocked/<int:person_id>/unblock/": Access(LOGIN),
    # The person's own API tokens; revoking another's is "not found".
    "account/tokens/": Access(LOGIN),
    "account/tokens/new/": Access(LOGIN),
    "account/tokens/<int:token_id>/revoke/": Access(LOGIN),
}
# The Django admin is one decision for all its pages: superusers only.
ADMIN_PREFIX = "django-admin/"
ADMIN_PUBLIC = {"django-admin/login/", "django-admin/logout/"}


def classification(route: str) -> Access | None:
    if route in ADMIN_PUBLIC:
        return Access(PUBLIC)
    if route.startswith(ADMIN_PREFIX):
        return Access(ADMIN, {**dict.fromkeys(ROLES, 302), "superuser": 200})
    return CLASSIFICATION.get(route)
