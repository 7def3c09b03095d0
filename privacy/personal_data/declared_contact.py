"""The declaration of personal data (`privacy.personal_data.fields`): how Kith reaches people
and how they sign in (notifications, contact preferences and texts; sessions, invitations,
claim codes, allauth's addresses and authenticators, personal and OAuth 2.0 tokens)."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from oauth2_provider.models import AccessToken, Grant, RefreshToken

from accounts.models import (
    ClaimCode,
    OfflinePerson,
    PersonalAccessToken,
    PersonSession,
    StaffInvitation,
)
from notifications.models import ContactPreference, ConversationRead, InboundText, Notification

from .reasons import (
    SETUP_LINK,
)
from .vocabulary import Declared, Personal, Rows
from .vocabulary import Treatment as T

CONTACT: tuple[Declared, ...] = (
    # --- sign-in material in other apps' tables ----------------------------------------------
    Declared(
        Notification,
        Rows.DELETE,
        theirs=("person",),
        personal={
            "subject": Personal(erase=T.WITH_ROW),
            "body": Personal(erase=T.WITH_ROW),
            "context": Personal(erase=T.WITH_ROW, withheld="the words are in the body"),
            "to": Personal(erase=T.WITH_ROW),
            "read_at": Personal(erase=T.WITH_ROW),
            # The language they chose for messages when it was written.
            "language": Personal(
                erase=T.WITH_ROW, withheld="the download gives their language for messages"
            ),
        },
        # What happened and how the message went: ids, names of Kith's own templates, times.
        not_personal=(
            "id",
            "person",
            "council",
            "event",
            "template",
            "channel",
            "dedupe_key",
            "reference",
            "link",
            "target_type",
            "target_id",
            "safety_critical",
            "status",
            "failure",
            "provider_id",
            "attempts",
            "send_after",
            "created_at",
            "sent_at",
            "finished_at",
        ),
        audit_as="notifications",
    ),
    Declared(
        ContactPreference,
        Rows.DELETE,
        theirs=("person",),
        personal={
            "by_email": Personal(erase=T.WITH_ROW),
            "by_sms": Personal(erase=T.WITH_ROW),
            "by_letter": Personal(erase=T.WITH_ROW),
            "mobile": Personal(erase=T.WITH_ROW),
            "mobile_verified_at": Personal(erase=T.WITH_ROW),
            "mobile_code_digest": Personal(erase=T.WITH_ROW, withheld="a secret's digest"),
            "mobile_code_expires_at": Personal(erase=T.WITH_ROW, withheld="part of the code"),
            "mobile_code_attempts": Personal(erase=T.WITH_ROW, withheld="part of the code"),
            "sms_stopped_at": Personal(erase=T.WITH_ROW),
            "postal_address": Personal(erase=T.WITH_ROW),
            "quiet_start": Personal(erase=T.WITH_ROW),
            "quiet_end": Personal(erase=T.WITH_ROW),
            "language": Personal(erase=T.WITH_ROW),
        },
        # The member of staff who set them for the person: the council's record.
        not_personal=("id", "person", "set_by", "updated_at"),
    ),
    Declared(
        ConversationRead,
        Rows.DELETE,
        theirs=("person",),
        personal={"read_at": Personal(erase=T.WITH_ROW, withheld="when a page was open")},
        not_personal=("id", "person", "match"),
    ),
    Declared(
        InboundText,
        Rows.DELETE,
        theirs=("person",),
        personal={
            "body": Personal(erase=T.WITH_ROW),
            "detail": Personal(erase=T.WITH_ROW),
            "received_at": Personal(erase=T.WITH_ROW),
        },
        not_personal=("id", "provider_id", "person", "council", "outcome", "match", "handled_at"),
        audit_as="texts_received",
    ),
    Declared(
        PersonSession,
        Rows.DELETE,
        theirs=("user",),
        personal={
            "session_key": Personal(erase=T.WITH_ROW, withheld="a secret: the sign-in itself"),
            "session_data": Personal(erase=T.WITH_ROW, withheld="what the pages remember"),
            "expire_date": Personal(erase=T.WITH_ROW, withheld="part of the sign-in"),
        },
        not_personal=("user",),
    ),
    Declared(
        StaffInvitation,
        Rows.DELETE,
        theirs=("user",),
        personal={
            "token_digest": Personal(erase=T.WITH_ROW, withheld="a secret's digest"),
            "created_at": Personal(erase=T.WITH_ROW, withheld=SETUP_LINK),
            "expires_at": Personal(erase=T.WITH_ROW, withheld=SETUP_LINK),
            "used_at": Personal(erase=T.WITH_ROW, withheld=SETUP_LINK),
        },
        # The council admin who sent the link: the council's record of who did what.
        not_personal=("id", "user", "created_by"),
    ),
    Declared(
        OfflinePerson,
        Rows.DELETE,
        theirs=("person",),
        personal={
            "preferred_route": Personal(erase=T.WITH_ROW),
            "consent_how": Personal(erase=T.WITH_ROW),
            "consent_at": Personal(erase=T.WITH_ROW),
            "recorded_at": Personal(erase=T.WITH_ROW),
            "claimed_at": Personal(erase=T.WITH_ROW),
        },
        # The member of staff who recorded the person: the council's record of who did what.
        not_personal=("id", "person", "recorded_by"),
    ),
    Declared(
        ClaimCode,
        Rows.DELETE,
        theirs=("person",),
        personal={
            "channel": Personal(erase=T.WITH_ROW, withheld="part of a one-time code"),
            "reference": Personal(erase=T.WITH_ROW, withheld="part of a one-time code"),
            "sent_to_mobile": Personal(erase=T.WITH_ROW, withheld="part of a one-time code"),
            "code_digest": Personal(erase=T.WITH_ROW, withheld="a secret's digest"),
            "attempts": Personal(erase=T.WITH_ROW, withheld="part of a one-time code"),
            "created_at": Personal(erase=T.WITH_ROW, withheld="part of a one-time code"),
            "expires_at": Personal(erase=T.WITH_ROW, withheld="part of a one-time code"),
            "used_at": Personal(erase=T.WITH_ROW, withheld="part of a one-time code"),
        },
        not_personal=("id", "person", "created_by"),
    ),
    Declared(
        EmailAddress,
        Rows.DELETE,
        theirs=("user",),
        personal={
            "email": Personal(erase=T.WITH_ROW),
            "verified": Personal(erase=T.WITH_ROW),
            "primary": Personal(erase=T.WITH_ROW),
        },
        not_personal=("id", "user"),
        audit_as="email_addresses",
    ),
    Declared(
        Authenticator,
        Rows.DELETE,
        theirs=("user",),
        personal={
            "type": Personal(erase=T.WITH_ROW),
            "data": Personal(erase=T.WITH_ROW, withheld="the authenticator's secrets"),
            "created_at": Personal(erase=T.WITH_ROW, withheld="only the kind is shown"),
            "last_used_at": Personal(erase=T.WITH_ROW, withheld="only the kind is shown"),
        },
        not_personal=("id", "user"),
        audit_as="authenticators",
    ),
    Declared(
        PersonalAccessToken,
        Rows.DELETE,
        theirs=("user",),
        personal={
            "name": Personal(erase=T.WITH_ROW, withheld="only how many is shown"),
            "digest": Personal(erase=T.WITH_ROW, withheld="a secret's hash"),
            "hint": Personal(erase=T.WITH_ROW, withheld="part of a secret"),
            "last_used_at": Personal(erase=T.WITH_ROW, withheld="only how many is shown"),
        },
        not_personal=(
            "id",
            "user",
            "scopes",
            "created_at",
            "expires_at",
            "revoked_at",
            "revoked_reason",
        ),
        audit_as="api_tokens",
    ),
    # OAuth 2.0 (django-oauth-toolkit): what applications hold to act for a person. Refresh
    # tokens first: they point at the access tokens.
    Declared(
        RefreshToken,
        Rows.DELETE,
        theirs=("user",),
        personal={
            "token": Personal(erase=T.WITH_ROW, withheld="a secret"),
            "token_checksum": Personal(erase=T.WITH_ROW, withheld="a secret's hash"),
        },
        not_personal=(
            "id",
            "user",
            "application",
            "access_token",
            "token_family",
            "resource",
            "created",
            "updated",
            "revoked",
        ),
        audit_as="oauth_refresh_tokens",
    ),
    Declared(
        AccessToken,
        Rows.DELETE,
        theirs=("user",),
        personal={
            "token": Personal(erase=T.WITH_ROW, withheld="a secret"),
            "token_checksum": Personal(erase=T.WITH_ROW, withheld="a secret's hash"),
        },
        not_personal=(
            "id",
            "user",
            "source_refresh_token",
            "id_token",
            "application",
            "expires",
            "scope",
            "resource",
            "created",
            "updated",
        ),
        audit_as="oauth_access_tokens",
    ),
    Declared(
        Grant,
        Rows.DELETE,
        theirs=("user",),
        personal={
            "code": Personal(erase=T.WITH_ROW, withheld="a one-time secret"),
            "code_challenge": Personal(erase=T.WITH_ROW, withheld="part of a one-time secret"),
            "nonce": Personal(erase=T.WITH_ROW, withheld="part of a one-time secret"),
            "claims": Personal(erase=T.WITH_ROW, withheld="part of a one-time secret"),
        },
        not_personal=(
            "id",
            "user",
            "application",
            "expires",
            "redirect_uri",
            "scope",
            "created",
            "updated",
            "code_challenge_method",
            "resource",
        ),
        audit_as="oauth_codes",
    ),
)
