"""Every field of every model Kith holds, declared personal or not personal; for each personal
field, what erasure and retention do with it and why the download withholds it, if it does.
What counts as personal, and how to add a field: see the package docstring.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from oauth2_provider.models import AccessToken, Grant, RefreshToken

from accounts.models import (
    ClaimCode,
    Council,
    FormDraft,
    OfflinePerson,
    PersonalAccessToken,
    PersonSession,
    StaffInvitation,
    StaffMembership,
    User,
    WebProfile,
)
from arrangements.models import (
    Arrangement,
    RegularTime,
    ScheduleChange,
    StillNeeded,
    Visit,
    WelfareCall,
    WelfareCheck,
)
from core.models import AuditEvent, IdempotencyKey
from directory.models import DirectorySource, OtherService
from marketplace.models import (
    Category,
    CategoryRequirement,
    CouncilCategory,
    Need,
    NeedSlot,
    Offer,
    OfferSlot,
)
from matching.models import (
    AlertPreference,
    AlertRequest,
    AlertSent,
    Feedback,
    Match,
    Message,
    Round,
    RoundProposal,
    StaffConversationRead,
    StillHelping,
)
from notifications.models import ContactPreference, ConversationRead, InboundText, Notification
from partners.models import PartnerOrganisation, Referral, Referrer
from places.models import Postcode
from safeguarding.models import MatchHold
from trust.models import Block, ConcernNote, HelperCheck, Report, SafeguardingConcern, Suspension

from .vocabulary import Declared, Personal, Rows
from .vocabulary import Treatment as T

#: What erasure writes over a person's free text (`Treatment.STAND_IN` on erasure).
ERASED_TEXT = "Removed at the person's request."
#: What retention writes over a kept listing's description (`Treatment.STAND_IN` on retention).
REDACTED_TEXT = "Removed after the council's retention period."
#: The neutral reason the other person sees when erasure ends a match (`match_cancel`).
LEFT_KITH_REASON = "The other person left Kith."

RECORD = (
    "the council's safeguarding and vetting record, which it may need to keep people safe "
    "and to establish or defend legal claims (UK GDPR Article 17(3)(e); ADR 0010)"
)
STAFF_TYPED = (
    "what staff wrote about the person for safeguarding: disclosing it could put someone at "
    "risk or reveal who raised a worry (DPA 2018 Schedules 2 and 3), so the council reviews "
    "it on a subject access request made to them"
)
SETUP_LINK = "when a staff sign-in set-up link was sent and used: part of the sign-in itself"
OPERATORS_ONLY = "Django admin access, which only Kith's operators hold, not council staff"

# What needs and offers share (marketplace.models.Listing).
_LISTING_PERSONAL = {
    "description": Personal(erase=T.STAND_IN, retain=T.STAND_IN),
    "postcode": Personal(erase=T.CLEAR, retain=T.CLEAR),
    "location": Personal(erase=T.GRID_CELL, retain=T.GRID_CELL),
    "languages": Personal(erase=T.CLEAR, retain=T.CLEAR),
    "rejection_reason": Personal(
        erase=T.CLEAR,
        retain=T.CLEAR,
        withheld="the moderator's words to the person, shown on the listing's own page; "
        "not part of the download",
    ),
}
_LISTING_NOT_PERSONAL = (
    "id",
    "council",
    "category",
    "approx_location",  # the published grid-cell centre, the only place others ever see
    "version",
    "created_at",
    "updated_at",
    "published_at",
    "status",
)
_SLOT = {
    "weekday": Personal(erase=T.WITH_ROW, retain=T.WITH_ROW),
    "start": Personal(erase=T.WITH_ROW, retain=T.WITH_ROW),
    "end": Personal(erase=T.WITH_ROW, retain=T.WITH_ROW),
}

DECLARED: tuple[Declared, ...] = (
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
    # --- marketplace -------------------------------------------------------------------------
    Declared(
        Category,
        Rows.NOBODY,
        not_personal=(
            "id",
            "slug",
            "name",
            "description",
            "name_cy",
            "description_cy",
            "required_level",
            "is_regulated_activity",
            "is_meal",
            "first_meeting",
            "sort_order",
            "is_active",
        ),
    ),
    Declared(
        CategoryRequirement,
        Rows.NOBODY,
        not_personal=("id", "category", "council", "kind", "count"),
    ),
    Declared(
        CouncilCategory,
        Rows.NOBODY,
        not_personal=("id", "council", "category", "enabled"),
    ),
    Declared(
        Need,
        Rows.REDACT,
        theirs=("owner",),
        personal={
            **_LISTING_PERSONAL,
            "title": Personal(erase=T.STAND_IN, retain=T.CLEAR),
            "consent_note": Personal(erase=T.CLEAR, retain=T.CLEAR),
            "helper_gender_preference": Personal(erase=T.CLEAR, retain=T.CLEAR),
            "dietary_requirements": Personal(erase=T.CLEAR, retain=T.CLEAR),
        },
        not_personal=(
            *_LISTING_NOT_PERSONAL,
            "owner",
            "recorded_by",
            "consent_recorded_at",
            "closed_reason",
            "timing",
            "starts_at",
            "ends_at",
            "urgency",
            "helpers_wanted",
            "expires_at",
            "review_after_open",
        ),
    ),
    Declared(
        Offer,
        Rows.REDACT,
        theirs=("helper",),
        personal={
            **_LISTING_PERSONAL,
            "title": Personal(erase=T.CLEAR, retain=T.CLEAR),
            "dietary_capabilities": Personal(
                erase=T.KEEP,
                why="what the offer can cook for, kept with its capacity and travel radius; "
                "neither erasure nor retention clears it",
            ),
        },
        not_personal=(*_LISTING_NOT_PERSONAL, "helper", "radius_m", "capacity"),
    ),
    Declared(
        NeedSlot, Rows.DELETE, theirs=("need__owner",), personal=_SLOT, not_personal=("id", "need")
    ),
    Declared(
        OfferSlot,
        Rows.DELETE,
        theirs=("offer__helper",),
        personal=_SLOT,
        not_personal=("id", "offer"),
    ),
    # --- matching ----------------------------------------------------------------------------
    Declared(
        Match,
        Rows.REDACT,
        theirs=("need__owner", "offer__helper"),
        personal={
            # The ranking's reasons: shared languages, weekly times, distance band.
            "explanation": Personal(
                erase=T.CLEAR,
                withheld="Kith's summary of why the pair was ranked, shown on the match page; "
                "not part of the download",
            ),
            "explanation_cy": Personal(
                erase=T.CLEAR,
                withheld="the same summary in Welsh; not part of the download",
            ),
            # Only the reasons the person gave: the neutral "left Kith" that erasure itself
            # gives stays for the other person.
            "decline_reason": Personal(
                erase=T.CLEAR,
                retain=T.CLEAR,
                only_where="ended_by",
                spare=(LEFT_KITH_REASON,),
                withheld="shown on the match page; not part of the download",
            ),
        },
        not_personal=(
            "id",
            "council",
            "need",
            "offer",
            "status",
            "proposed_by",
            "proposed_by_user",
            "citizen_agreed_at",
            "helper_agreed_at",
            "score",
            "ended_by",
            "created_at",
            "updated_at",
            "accepted_at",
            "started_at",
            "completed_at",
            "ended_at",
        ),
    ),
    Declared(
        Message,
        Rows.REDACT,
        theirs=("sender",),
        personal={"body": Personal(erase=T.STAND_IN, retain=T.WITH_ROW)},
        not_personal=("id", "match", "sender", "created_at", "sent_for_by"),
        audit_as="messages_redacted",
    ),
    Declared(
        Feedback,
        Rows.REDACT,
        theirs=("author", "subject"),
        personal={
            "comment": Personal(erase=T.CLEAR, retain=T.CLEAR),
            "rating": Personal(
                erase=T.KEEP,
                why="a number that helper reliability and the impact report count",
            ),
        },
        not_personal=("id", "match", "author", "subject", "created_at"),
    ),
    Declared(
        StaffConversationRead,
        Rows.KEEP,
        theirs=("match__need__owner", "match__offer__helper", "staff"),
        personal={
            "reason": Personal(erase=T.KEEP_AS_RECORD, why=RECORD, withheld=STAFF_TYPED),
        },
        not_personal=("id", "match", "staff", "read_at"),
    ),
    Declared(
        AlertPreference,
        Rows.DELETE,
        theirs=("user",),
        personal={
            "opted_in": Personal(erase=T.WITH_ROW),
            "quiet_start": Personal(erase=T.WITH_ROW),
            "quiet_end": Personal(erase=T.WITH_ROW),
            "daily_cap": Personal(erase=T.WITH_ROW),
            "idle_asks": Personal(erase=T.WITH_ROW),
        },
        # The token is a random key for the unsubscribe link, like an id.
        not_personal=("id", "user", "unsubscribe_token", "updated_at"),
    ),
    Declared(
        AlertRequest,
        Rows.KEEP,
        theirs=("need__owner",),
        # When an urgent need's alerts were owed and done: times, no words, no place.
        not_personal=("id", "need", "requested_at", "done_at"),
    ),
    Declared(
        AlertSent,
        Rows.KEEP,
        theirs=("helper",),
        # ring_m is the search ring that reached the helper: a band, not a place; kind is
        # whether it was an urgent alert or an idle ask.
        not_personal=("id", "need", "offer", "helper", "ring_m", "kind", "sent_at"),
    ),
    Declared(
        StillHelping,
        Rows.KEEP,
        theirs=("helper",),
        # When "do you still want to help?" was asked and answered: times and a choice.
        not_personal=(
            "id",
            "council",
            "helper",
            "asked_at",
            "answered_at",
            "answer",
            "paused_offers",
        ),
    ),
    Declared(
        Round,
        Rows.NOBODY,
        not_personal=(
            "id",
            "council",
            "created_by",
            "status",
            "summary",
            "created_at",
            "decided_at",
            "stage",
            "progress_done",
            "progress_total",
            "started_at",
            "finished_at",
            "cancel_requested_at",
            "failure",
        ),
    ),
    Declared(
        RoundProposal,
        Rows.KEEP,
        theirs=("need__owner", "offer__helper"),
        personal={
            "explanation": Personal(
                erase=T.KEEP,
                why="the round as staff reviewed it; the same words on the match itself "
                "(Match.explanation) are cleared",
                withheld="a proposal staff review, not shown to the person",
            ),
            "explanation_cy": Personal(
                erase=T.KEEP,
                why="the same words in Welsh, kept for the same reason",
                withheld="a proposal staff review, not shown to the person",
            ),
        },
        not_personal=("id", "round", "need", "offer", "score", "outcome", "match"),
    ),
    # --- ongoing help (arrangements) ---------------------------------------------------------
    Declared(
        Arrangement,
        Rows.REDACT,
        theirs=("match__need__owner", "match__offer__helper"),
        personal={
            "end_note": Personal(
                erase=T.CLEAR,
                retain=T.CLEAR,
                withheld="why one of the two people ended the help, written for council staff "
                "only; it may be the other person's words",
            ),
        },
        not_personal=(
            "id",
            "match",
            "council",
            "frequency",
            "starts_on",
            "ends_on",
            "status",
            "first_meeting",
            "visit_minutes",
            "generated_until",
            "still_needed_at",
            "held_since",
            "created_at",
            "ended_at",
            "ended_by",
            "ended_by_role",
            "end_reason",
        ),
    ),
    Declared(
        RegularTime,
        Rows.DELETE,
        theirs=("arrangement__match__need__owner", "arrangement__match__offer__helper"),
        personal=_SLOT,
        not_personal=("id", "arrangement"),
    ),
    Declared(
        Visit,
        Rows.REDACT,
        theirs=("arrangement__match__need__owner", "arrangement__match__offer__helper"),
        personal={
            "note": Personal(
                erase=T.CLEAR,
                retain=T.CLEAR,
                withheld="the helper's note for council staff about the visit",
            ),
            "skip_reason": Personal(
                erase=T.CLEAR,
                retain=T.CLEAR,
                withheld="why a visit was skipped, written for council staff only; it may be "
                "the other person's words",
            ),
        },
        # When visits were planned and happened, and how long they took: the figures of
        # hours given, with no words and no place.
        not_personal=(
            "id",
            "arrangement",
            "planned_for",
            "starts_at",
            "ends_at",
            "status",
            "is_introduction",
            "checkin",
            "helper_asked_at",
            "helper_answer",
            "helper_answered_at",
            "citizen_asked_at",
            "citizen_answer",
            "citizen_answered_at",
            "minutes_spent",
            "changed_by_role",
            "updated_at",
        ),
    ),
    Declared(
        ScheduleChange,
        Rows.KEEP,
        theirs=("asked_by",),
        # Which visit time was asked to move where: times, no words.
        not_personal=(
            "id",
            "arrangement",
            "kind",
            "status",
            "asked_by",
            "asked_by_role",
            "visit",
            "new_starts_at",
            "new_weekday",
            "new_start",
            "new_end",
            "new_frequency",
            "replaces_weekday",
            "replaces_start",
            "created_at",
            "decided_at",
        ),
    ),
    Declared(
        WelfareCheck,
        Rows.KEEP,
        theirs=("person",),
        # The council's record that it checked on the person, and how that ended.
        not_personal=(
            "id",
            "council",
            "person",
            "arrangement",
            "visit",
            "reason",
            "status",
            "outcome",
            "concern_id",
            "opened_at",
            "closed_at",
            "closed_by",
        ),
    ),
    Declared(
        WelfareCall,
        Rows.KEEP,
        theirs=("check_row__person",),
        personal={
            "note": Personal(erase=T.KEEP_AS_RECORD, why=RECORD, withheld=STAFF_TYPED),
        },
        not_personal=("id", "check_row", "staff", "result", "created_at"),
    ),
    Declared(
        StillNeeded,
        Rows.KEEP,
        theirs=("need__owner",),
        # When "do you still need help?" was asked and answered: times and choices.
        not_personal=(
            "id",
            "council",
            "need",
            "arrangement",
            "reason",
            "asked_at",
            "reminded_at",
            "answered_at",
            "answer",
            "for_staff_at",
            "resolved_at",
            "resolved_by",
            "resolution",
        ),
    ),
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
    # --- partners ------------------------------------------------------------------------
    Declared(
        PartnerOrganisation,
        Rows.NOBODY,
        not_personal=(
            "id",
            "council",
            "name",
            "kind",
            # The organisation's work contact, given by the organisation for the council's
            # directory of partners: not a person Kith serves.
            "contact_name",
            "contact_email",
            "contact_phone",
            "categories",
            "suspended_at",
            "suspended_reason",  # the council's words about the organisation
            "created_at",
        ),
    ),
    Declared(
        Referrer,
        Rows.KEEP,
        theirs=("user",),
        # Who referred whom stays the council's record, naming the referrer only by id.
        not_personal=("id", "user", "organisation", "active", "invited_by", "created_at"),
    ),
    Declared(
        Referral,
        Rows.REDACT,
        theirs=("person",),
        personal={
            "consent_representative": Personal(erase=T.CLEAR),
            "consent_by": Personal(
                erase=T.KEEP_AS_RECORD,
                why="the council's record that the person was referred with their consent",
            ),
            "consent_how": Personal(
                erase=T.KEEP_AS_RECORD,
                why="the council's record that the person was referred with their consent",
            ),
            "consent_on": Personal(
                erase=T.KEEP_AS_RECORD,
                why="the council's record that the person was referred with their consent",
            ),
        },
        not_personal=(
            "id",
            "council",
            "organisation",
            "referrer",
            "person",
            "need",
            "possible_duplicates",  # ids of other people, for staff to compare
            "created_at",
        ),
    ),
    # --- directory: organisations' services, never a person's details ----------------------
    Declared(
        DirectorySource,
        Rows.NOBODY,
        not_personal=(
            "id",
            "council",
            "url",
            "state",
            "problem",
            "read_at",
            "services_read",
            "updated_at",
        ),
    ),
    Declared(
        OtherService,
        Rows.NOBODY,
        # Organisations' public details as their directory publishes them; ORUK's named
        # contacts are not read.
        not_personal=(
            "id",
            "council",
            "source_id",
            "name",
            "organisation",
            "description",
            "url",
            "email",
            "phone",
            "point",
            "place",
            "terms",
            "read_at",
        ),
    ),
    # --- insights: what the public already sees --------------------------------------------
    # Insights sits above privacy, so its model is named, not imported.
    Declared(
        apps.get_model("insights", "OpenDemandMap"),
        Rows.NOBODY,
        # The open-data map as the API serves it: hexagons and counts, small ones left out.
        not_personal=("council", "period_start", "counted_at", "changed_at", "etag", "document"),
    ),
    Declared(
        apps.get_model("insights", "OpenPublication"),
        Rows.NOBODY,
        # Published open-data figures (rounded, small ones withheld) and an operator's note.
        not_personal=(
            "id",
            "council",
            "kind",
            "period_start",
            "period_end",
            "version",
            "computed_at",
            "note",
            "figures",
            "etag",
        ),
    ),
)
