"""The declaration of personal data (`privacy.personal_data.fields`): core and places,
accounts, trust."""

from __future__ import annotations

from accounts.models import (
    Council,
    FormDraft,
    StaffMembership,
    User,
    WebProfile,
)
from core.models import AuditEvent, IdempotencyKey
from places.models import Postcode
from safeguarding.models import MatchHold
from trust.models import Block, ConcernNote, HelperCheck, Report, SafeguardingConcern, Suspension

from .reasons import (
    OPERATORS_ONLY,
    RECORD,
    STAFF_TYPED,
)
from .vocabulary import Declared, Personal, Rows
from .vocabulary import Treatment as T

PEOPLE: tuple[Declared, ...] = (
    # --- core, places ----------------------------------------------------------------------
    Declared(
        AuditEvent,
        Rows.KEEP,
        theirs=("actor",),
        personal={
            "data": Personal(
                erase=T.KEEP_AS_RECORD,
                why="the append-only log of decisions (the database refuses UPDATE): it "
                "records counts and facts, never words staff typed; rows written before that "
                "rule may hold such words, and age out with the log (ADR 0010)",
                withheld="the council's record of its decisions and of staff reading personal data",
            ),
        },
        not_personal=("id", "actor", "council", "verb", "target_type", "target_id", "created_at"),
    ),
    Declared(
        IdempotencyKey,
        Rows.DELETE,
        theirs=("person",),
        personal={
            "response_body": Personal(
                erase=T.WITH_ROW,
                withheld="a copy, kept a day, of an answer the API already gave them",
            ),
            "created_at": Personal(erase=T.WITH_ROW, withheld="when the copy above was made"),
        },
        not_personal=("id", "person", "key_hash", "request_hash", "status_code"),
    ),
    Declared(
        Postcode,
        Rows.NOBODY,
        not_personal=("postcode", "location", "district_code", "terminated"),
    ),
    # --- accounts ----------------------------------------------------------------------------
    Declared(
        User,
        Rows.ACCOUNT,
        theirs=("pk",),
        personal={
            "email": Personal(erase=T.ERASED_EMAIL),
            "password": Personal(erase=T.UNUSABLE_PASSWORD),
            "display_name": Personal(erase=T.CLEAR),
            "phone": Personal(erase=T.CLEAR),
            "preferred_languages": Personal(erase=T.CLEAR),
            "gender": Personal(erase=T.CLEAR),
            "home_postcode": Personal(erase=T.CLEAR),
            "home_location": Personal(erase=T.CLEAR),
            "last_login": Personal(erase=T.CLEAR),
            "is_active": Personal(
                erase=T.SWITCH_OFF,
                withheld="whether the account can sign in: it can while they download",
            ),
            "is_staff": Personal(erase=T.SWITCH_OFF, withheld=OPERATORS_ONLY),
            "is_superuser": Personal(erase=T.SWITCH_OFF, withheld=OPERATORS_ONLY),
            "groups": Personal(erase=T.CLEAR, withheld=OPERATORS_ONLY),
            "user_permissions": Personal(erase=T.CLEAR, withheld=OPERATORS_ONLY),
            "suspended_at": Personal(erase=T.KEEP_AS_RECORD, why=RECORD),
            "date_joined": Personal(
                erase=T.KEEP,
                why="a date that says nothing about who they were once the rest has gone",
            ),
        },
        not_personal=("id", "council"),
    ),
    Declared(
        Council,
        Rows.NOBODY,
        not_personal=(
            "id",
            "name",
            "name_cy",
            "slug",
            "code",
            "boundary",
            "contact_email",  # the council's own public address
            "is_active",
            "max_travel_radius_m",
            "auto_approve_verified_helpers",
            "settings",
            "created_at",
        ),
    ),
    Declared(
        StaffMembership,
        Rows.DELETE,
        theirs=("user",),
        personal={"role": Personal(erase=T.WITH_ROW)},
        not_personal=("id", "user", "council", "created_at"),
    ),
    Declared(
        FormDraft,
        Rows.DELETE,
        theirs=("person",),
        personal={
            "form": Personal(erase=T.WITH_ROW),
            "answers": Personal(erase=T.WITH_ROW),
            "updated_at": Personal(erase=T.WITH_ROW),
        },
        not_personal=("id", "person"),
    ),
    Declared(
        WebProfile,
        Rows.DELETE,
        theirs=("user",),
        personal={
            "role": Personal(erase=T.WITH_ROW),
            "onboarded_at": Personal(erase=T.WITH_ROW),
        },
        not_personal=("id", "user", "updated_at"),
    ),
    # --- trust -------------------------------------------------------------------------------
    Declared(
        HelperCheck,
        # Kept as the council's vetting record, but a whole DBS certificate number is only
        # for Update Service checks while the person is a helper: erasure clears it.
        Rows.REDACT,
        theirs=("user",),
        personal={
            "kind": Personal(erase=T.KEEP_AS_RECORD, why=RECORD),
            "issued_on": Personal(erase=T.KEEP_AS_RECORD, why=RECORD),
            "expires_on": Personal(erase=T.KEEP_AS_RECORD, why=RECORD),
            "certificate_last4": Personal(erase=T.KEEP_AS_RECORD, why=RECORD),
            "revoked_at": Personal(erase=T.KEEP_AS_RECORD, why=RECORD),
            "revoked_reason": Personal(erase=T.KEEP_AS_RECORD, why=RECORD, withheld=STAFF_TYPED),
            "referee_name": Personal(
                erase=T.KEEP_AS_RECORD, why=RECORD, withheld="another person's name"
            ),
            "superseded_at": Personal(erase=T.KEEP_AS_RECORD, why=RECORD),
            "update_service_consent_at": Personal(erase=T.KEEP_AS_RECORD, why=RECORD),
            # Encrypted at rest (core.crypto), never shown anywhere; the last 4 are shown.
            "certificate_number_encrypted": Personal(
                erase=T.CLEAR,
                withheld="a whole certificate number is never shown: the last 4 are",
            ),
            "status_checked_on": Personal(erase=T.KEEP_AS_RECORD, why=RECORD),
            "status_check_result": Personal(erase=T.KEEP_AS_RECORD, why=RECORD),
        },
        not_personal=("id", "user", "council", "recorded_by", "recorded_at", "superseded_by"),
    ),
    Declared(
        MatchHold,
        Rows.KEEP,
        theirs=("match__offer__helper",),
        personal={
            "why": Personal(erase=T.KEEP_AS_RECORD, why=RECORD, withheld="staff's review"),
            "kinds": Personal(erase=T.KEEP_AS_RECORD, why=RECORD, withheld="staff's review"),
        },
        not_personal=(
            "id",
            "match",
            "council",
            "created_at",
            "resolved_at",
            "resolved_by",
            "outcome",
        ),
    ),
    Declared(
        SafeguardingConcern,
        Rows.KEEP,
        theirs=("about",),
        personal={
            "summary": Personal(erase=T.KEEP_AS_RECORD, why=RECORD, withheld=STAFF_TYPED),
            "priority": Personal(erase=T.KEEP_AS_RECORD, why=RECORD, withheld=STAFF_TYPED),
            "outcome": Personal(erase=T.KEEP_AS_RECORD, why=RECORD, withheld=STAFF_TYPED),
        },
        not_personal=(
            "id",
            "council",
            "about",
            "raised_by",
            "owner",
            "status",
            "created_at",
            "updated_at",
            "closed_at",
        ),
    ),
    Declared(
        ConcernNote,
        Rows.KEEP,
        theirs=("concern__about",),
        personal={
            "body": Personal(erase=T.KEEP_AS_RECORD, why=RECORD, withheld=STAFF_TYPED),
        },
        not_personal=("id", "concern", "author", "created_at"),
    ),
    Declared(
        Suspension,
        Rows.KEEP,
        theirs=("person",),
        personal={
            "reason": Personal(erase=T.KEEP_AS_RECORD, why=RECORD, withheld=STAFF_TYPED),
            "reinstatement_note": Personal(
                erase=T.KEEP_AS_RECORD, why=RECORD, withheld=STAFF_TYPED
            ),
            "suspended_at": Personal(erase=T.KEEP_AS_RECORD, why=RECORD),
            "reinstated_at": Personal(erase=T.KEEP_AS_RECORD, why=RECORD),
        },
        not_personal=(
            "id",
            "person",
            "council",
            "concern",
            "suspended_by",
            "reinstated_by",
            "closed_offer_ids",
        ),
    ),
    Declared(
        Block,
        Rows.KEEP,
        theirs=("blocker", "blocked"),
        not_personal=("id", "blocker", "blocked", "created_at"),
    ),
    Declared(
        Report,
        Rows.KEEP,
        theirs=("reporter",),
        personal={
            "reason": Personal(erase=T.KEEP_AS_RECORD, why=RECORD),
            "decision_note": Personal(erase=T.KEEP_AS_RECORD, why=RECORD, withheld=STAFF_TYPED),
        },
        not_personal=(
            "id",
            "reporter",
            "council",
            "target_type",
            "target_id",
            "status",
            "decided_by",
            "decided_at",
            "created_at",
        ),
    ),
)
