"""What "download my data" shows, section by section and in this order: which fields of which
models, under which keys and in which form. `privacy.export` says which rows each section
holds and renders them; `tests/privacy/test_personal_data.py` checks that every personal field
the declaration (`fields.DECLARED`) does not withhold has a column here, and that no withheld field
has one. Other people appear only by their public name.
"""

from __future__ import annotations

from accounts.models import FormDraft, OfflinePerson, StaffMembership, User, WebProfile
from arrangements.models import Arrangement
from marketplace.models import Need, Offer
from matching.models import AlertPreference, Feedback, Match
from notifications.models import ContactPreference, InboundText, Notification
from partners.models import Referral
from trust.models import Block, HelperCheck, Report, Suspension

from .vocabulary import Column, Form, Section, Shape

#: A listing's weekly times, as needs and offers both show them.
SLOT_COLUMNS = (
    Column("day", "weekday", Form.DISPLAY),
    Column("from", "start", Form.HH_MM),
    Column("until", "end", Form.HH_MM),
)

DOWNLOAD: tuple[Section, ...] = (
    Section(
        "account",
        User,
        Shape.ONE,
        (
            Column("email", "email"),
            Column(
                "email_addresses",
                "emailaddress",
                Form.ROWS,
                of=(
                    Column("email", "email"),
                    Column("verified", "verified"),
                    Column("primary", "primary"),
                ),
            ),
            Column("display_name", "display_name"),
            Column("phone", "phone"),
            Column("preferred_languages", "preferred_languages", Form.LIST),
            Column("gender", "gender"),
            Column("home_postcode", "home_postcode"),
            Column("home_location", "home_location", Form.POINT),
            Column("council", "council", Form.NAME),
            Column("date_joined", "date_joined", Form.ISO),
            Column("last_login", "last_login", Form.ISO),
            Column("suspended_at", "suspended_at", Form.ISO),
        ),
    ),
    Section(
        "sign_in",
        User,
        Shape.ONE,
        (
            Column("has_password", "password", Form.USABLE),
            Column("authenticators", "authenticator", Form.VALUES, of=(Column("type", "type"),)),
            Column("api_tokens", "access_tokens", Form.COUNT),
        ),
    ),
    Section(
        "staff_role",
        StaffMembership,
        Shape.VALUE,
        (Column("staff_role", "role", Form.ROLE_AT_COUNCIL),),
    ),
    Section(
        "checks",
        HelperCheck,
        Shape.MANY,
        (
            Column("kind", "kind", Form.DISPLAY),
            Column("council", "council", Form.NAME),
            Column("issued_on", "issued_on", Form.ISO),
            Column("expires_on", "expires_on", Form.ISO),
            Column("certificate_last4", "certificate_last4"),
            Column("revoked_at", "revoked_at", Form.ISO),
            Column("superseded_at", "superseded_at", Form.ISO),
            Column("update_service_consent_at", "update_service_consent_at", Form.ISO),
            Column("status_checked_on", "status_checked_on", Form.ISO),
            Column("status_check_result", "status_check_result", Form.DISPLAY),
        ),
    ),
    # Dates only: the reasons staff typed are withheld (STAFF_TYPED).
    Section(
        "suspensions",
        Suspension,
        Shape.MANY,
        (
            Column("council", "council", Form.NAME),
            Column("suspended_at", "suspended_at", Form.ISO),
            Column("reinstated_at", "reinstated_at", Form.ISO),
        ),
    ),
    Section("blocked", Block, Shape.VALUES, (Column("blocked", "blocked", Form.PUBLIC_NAME),)),
    Section(
        "unfinished_forms",
        FormDraft,
        Shape.MANY,
        (
            Column("form", "form"),
            Column("answers", "answers"),
            Column("updated_at", "updated_at", Form.ISO),
        ),
    ),
    Section(
        "web_profile",
        WebProfile,
        Shape.ONE,
        (Column("role", "role", Form.DISPLAY), Column("onboarded_at", "onboarded_at", Form.ISO)),
    ),
    Section(
        "needs",
        Need,
        Shape.MANY,
        (
            Column("id", "id"),
            Column("title", "title"),
            Column("description", "description"),
            Column("category", "category", Form.NAME),
            Column("status", "status", Form.DISPLAY),
            Column("closed_reason", "closed_reason", Form.DISPLAY_OR_NONE),
            Column("postcode", "postcode"),
            Column("location", "location", Form.POINT),
            Column("timing", "timing", Form.DISPLAY),
            Column("starts_at", "starts_at", Form.ISO),
            Column("ends_at", "ends_at", Form.ISO),
            Column("weekly_times", "slots", Form.ROWS, of=SLOT_COLUMNS),
            Column("urgency", "urgency", Form.DISPLAY),
            Column("helper_gender_preference", "helper_gender_preference"),
            Column("dietary_requirements", "dietary_requirements", Form.LIST),
            Column("languages", "languages", Form.LIST),
            Column("helpers_wanted", "helpers_wanted"),
            Column("consent_note", "consent_note"),
            Column("created_at", "created_at", Form.ISO),
        ),
    ),
    Section(
        "offers",
        Offer,
        Shape.MANY,
        (
            Column("id", "id"),
            Column("title", "title"),
            Column("description", "description"),
            Column("category", "category", Form.NAME),
            Column("status", "status", Form.DISPLAY),
            Column("postcode", "postcode"),
            Column("location", "location", Form.POINT),
            Column("travel_radius_m", "radius_m"),
            Column("capacity", "capacity"),
            Column("weekly_times", "slots", Form.ROWS, of=SLOT_COLUMNS),
            Column("dietary_capabilities", "dietary_capabilities", Form.LIST),
            Column("languages", "languages", Form.LIST),
            Column("created_at", "created_at", Form.ISO),
        ),
    ),
    Section(
        "matches",
        Match,
        Shape.MANY,
        (
            Column("id", "id"),
            Column("status", "status", Form.DISPLAY),
            Column("your_role", "need", Form.YOUR_ROLE),
            Column("other_person", "need", Form.OTHER_PERSON),
            Column("need", "need__title"),
            Column("created_at", "created_at", Form.ISO),
            Column(
                "messages",
                "messages",
                Form.ROWS,
                of=(
                    Column("from", "sender", Form.SENDER),
                    Column("body", "body"),
                    Column("sent_at", "created_at", Form.ISO),
                ),
            ),
        ),
    ),
    Section(
        "arrangements",
        Arrangement,
        Shape.MANY,
        (
            Column("id", "id"),
            Column("match", "match", Form.ID),
            Column("how_often", "frequency", Form.DISPLAY),
            Column("starts_on", "starts_on", Form.ISO),
            Column("ends_on", "ends_on", Form.ISO),
            Column("status", "status", Form.DISPLAY),
            Column("regular_times", "times", Form.ROWS, of=SLOT_COLUMNS),
            Column(
                "visits",
                "visits",
                Form.ROWS,
                of=(
                    Column("planned_for", "starts_at", Form.ISO),
                    Column("status", "status", Form.DISPLAY),
                    Column("minutes_spent", "minutes_spent"),
                ),
            ),
        ),
    ),
    Section(
        "feedback_given",
        Feedback,
        Shape.MANY,
        (
            Column("match", "match", Form.ID),
            Column("about", "subject", Form.PUBLIC_NAME),
            Column("rating", "rating"),
            Column("comment", "comment"),
        ),
    ),
    Section(
        "feedback_received",
        Feedback,
        Shape.MANY,
        (
            Column("match", "match", Form.ID),
            Column("rating", "rating"),
            Column("comment", "comment"),
        ),
    ),
    Section(
        "reports_made",
        Report,
        Shape.MANY,
        (
            Column("about", "target_type"),
            Column("reason", "reason"),
            Column("status", "status", Form.DISPLAY),
            Column("created_at", "created_at", Form.ISO),
        ),
    ),
    Section(
        "alert_preferences",
        AlertPreference,
        Shape.ONE,
        (
            Column("opted_in", "opted_in"),
            Column("quiet_start", "quiet_start", Form.HH_MM),
            Column("quiet_end", "quiet_end", Form.HH_MM),
            Column("daily_cap", "daily_cap"),
            Column("idle_asks", "idle_asks"),
        ),
    ),
    Section(
        "recorded_by_the_council",
        OfflinePerson,
        Shape.ONE,
        (
            Column("contact_by", "preferred_route", Form.DISPLAY),
            Column("how_you_agreed", "consent_how", Form.DISPLAY),
            Column("agreed_at", "consent_at", Form.ISO),
            Column("recorded_at", "recorded_at", Form.ISO),
            Column("went_online_at", "claimed_at", Form.ISO),
        ),
    ),
    Section(
        "referrals",
        Referral,
        Shape.MANY,
        (
            Column("referred_by", "organisation", Form.NAME),
            Column("who_agreed", "consent_by", Form.DISPLAY),
            Column("speaking_for_you", "consent_representative"),
            Column("how_agreed", "consent_how", Form.DISPLAY),
            Column("agreed_on", "consent_on", Form.ISO),
            Column("referred_at", "created_at", Form.ISO),
        ),
    ),
    Section(
        "contact_preferences",
        ContactPreference,
        Shape.ONE,
        (
            Column("by_email", "by_email"),
            Column("by_text_message", "by_sms"),
            Column("by_letter", "by_letter"),
            Column("mobile", "mobile"),
            Column("mobile_confirmed_at", "mobile_verified_at", Form.ISO),
            Column("texts_stopped_at", "sms_stopped_at", Form.ISO),
            Column("postal_address", "postal_address"),
            Column("quiet_start", "quiet_start", Form.HH_MM),
            Column("quiet_end", "quiet_end", Form.HH_MM),
            Column("language", "language", Form.DISPLAY),
        ),
    ),
    Section(
        "messages_from_kith",
        Notification,
        Shape.MANY,
        (
            Column("how", "channel", Form.DISPLAY),
            Column("to", "to"),
            Column("subject", "subject"),
            Column("body", "body"),
            Column("status", "status", Form.DISPLAY),
            Column("created_at", "created_at", Form.ISO),
            Column("read_at", "read_at", Form.ISO),
        ),
    ),
    Section(
        "texts_you_sent",
        InboundText,
        Shape.MANY,
        (
            Column("text", "body"),
            Column("what_kith_did", "outcome", Form.DISPLAY),
            Column("about", "detail"),
            Column("received_at", "received_at", Form.ISO),
        ),
    ),
)
