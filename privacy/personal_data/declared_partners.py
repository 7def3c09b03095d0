"""The declaration of personal data (`privacy.personal_data.fields`): partners, the
directory, insights."""

from __future__ import annotations

from django.apps import apps

from directory.models import DirectorySource, OtherService
from partners.models import PartnerOrganisation, Referral, Referrer

from .vocabulary import Declared, Personal, Rows
from .vocabulary import Treatment as T

PARTNERS: tuple[Declared, ...] = (
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
