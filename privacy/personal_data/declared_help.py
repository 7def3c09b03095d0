"""The declaration of personal data (`privacy.personal_data.fields`): marketplace, matching
and ongoing help (arrangements)."""

from __future__ import annotations

from arrangements.models import (
    Arrangement,
    RegularTime,
    ScheduleChange,
    StillNeeded,
    Visit,
    WelfareCall,
    WelfareCheck,
)
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

from .reasons import (
    LEFT_KITH_REASON,
    LISTING_NOT_PERSONAL,
    LISTING_PERSONAL,
    RECORD,
    SLOT,
    STAFF_TYPED,
)
from .vocabulary import Declared, Personal, Rows
from .vocabulary import Treatment as T

HELP: tuple[Declared, ...] = (
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
            **LISTING_PERSONAL,
            "title": Personal(erase=T.STAND_IN, retain=T.CLEAR),
            "consent_note": Personal(erase=T.CLEAR, retain=T.CLEAR),
            "helper_gender_preference": Personal(erase=T.CLEAR, retain=T.CLEAR),
            "dietary_requirements": Personal(erase=T.CLEAR, retain=T.CLEAR),
        },
        not_personal=(
            *LISTING_NOT_PERSONAL,
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
            **LISTING_PERSONAL,
            "title": Personal(erase=T.CLEAR, retain=T.CLEAR),
            "dietary_capabilities": Personal(
                erase=T.KEEP,
                why="what the offer can cook for, kept with its capacity and travel radius; "
                "neither erasure nor retention clears it",
            ),
        },
        not_personal=(*LISTING_NOT_PERSONAL, "helper", "radius_m", "capacity"),
    ),
    Declared(
        NeedSlot, Rows.DELETE, theirs=("need__owner",), personal=SLOT, not_personal=("id", "need")
    ),
    Declared(
        OfferSlot,
        Rows.DELETE,
        theirs=("offer__helper",),
        personal=SLOT,
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
        # When an urgent need's alerts were owed and done, how many waves they came in and
        # when the next is due: times and a count, no words, no place.
        not_personal=("id", "need", "requested_at", "done_at", "waves", "next_wave_at"),
    ),
    Declared(
        AlertSent,
        Rows.KEEP,
        theirs=("helper",),
        # ring_m is the search ring that reached the helper: a band, not a place; kind is
        # whether it was an urgent alert or an idle ask; wave, which wave of alerts it was.
        not_personal=("id", "need", "offer", "helper", "ring_m", "kind", "wave", "sent_at"),
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
        personal=SLOT,
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
)
