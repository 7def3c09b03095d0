"""The words the declaration of personal data writes over erased or expired data and gives
as reasons, and the declarations shared by several models (a listing's fields, a weekly time),
used by every `declared_*` module of `privacy.personal_data.fields`."""

from __future__ import annotations

from .vocabulary import Personal
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
LISTING_PERSONAL = {
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
LISTING_NOT_PERSONAL = (
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
SLOT = {
    "weekday": Personal(erase=T.WITH_ROW, retain=T.WITH_ROW),
    "start": Personal(erase=T.WITH_ROW, retain=T.WITH_ROW),
    "end": Personal(erase=T.WITH_ROW, retain=T.WITH_ROW),
}
