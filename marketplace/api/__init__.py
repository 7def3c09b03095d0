"""The marketplace API: needs, offers, browsing near me, categories and the staff review
queue (reports and blocks: `safeguarding.api`). Views are thin: input serializers check shape
and length, services and selectors hold the rules.

Privacy: output for other people's listings carries only `approx_location` and a
`distance_band` computed from the viewer's own stored home. Exact places and postcodes go
only to the owner and to staff of the listing's council (and a staff read is audited).

Two-factor authentication: whatever staff read or do *as staff* needs an authenticator app,
as in the staff console and the matching API. Endpoints for everyone (a need, an offer,
listings near me, categories) treat a member of staff without one as an ordinary person —
the selectors' visibility rule asks `staff_council_id_with_mfa` — so they see what any
citizen sees; staff-only endpoints and staff actions answer a 403 with `STAFF_MFA_MESSAGE`.

One module per subject (`needs`, `offers`, `categories`, `moderation`) over the plumbing in
`common`; `marketplace.api_urls` routes to them. The names other rooms' APIs build on are
re-exported here.
"""

from marketplace.api.common import (
    MAX_ID,
    ListingPagination,
    MarketplaceApiMixin,
    MarketplaceAutoSchema,
    PublicNameField,
    StaffMixin,
    WallClockTimeField,
)

__all__ = [
    "MAX_ID",
    "ListingPagination",
    "MarketplaceApiMixin",
    "MarketplaceAutoSchema",
    "PublicNameField",
    "StaffMixin",
    "WallClockTimeField",
]
