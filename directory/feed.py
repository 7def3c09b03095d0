"""Kith as an Open Referral UK (HSDS 3.0 UK profile) feed: each council running Kith is one
organisation offering one service — neighbours helping neighbours — with the kinds of help
it offers as taxonomy terms, so that a council's own directory and the national ones can list
it. Only what a council publishes anyway: its name, its start page, its public email address;
no figures and nothing about any person.

Ids are UUIDs derived from the council's ONS code (and a category's slug), so they stay the
same from one day to the next and from one server to another.
"""

from __future__ import annotations

import uuid

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import Council
from core.links import absolute_url
from marketplace.models import Category
from marketplace.selectors import categories_of_council, councils_with_category_off

HSDS_VERSION = "3.0"
PROFILE_URL = "https://openreferral.org.uk/"
TAXONOMY = "Kith kinds of help"
_NAMESPACE = uuid.UUID("8f0c5b0e-4d3b-5d8e-9a51-6b1e2c7d4f30")


def _id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def service_id(council: Council) -> str:
    return _id("service", council.code)


def councils_published():
    return Council.objects.filter(is_active=True).order_by("code")


def council_of_service(sid: str) -> Council | None:
    """The council whose service has this id (None for any other id)."""
    return next((c for c in councils_published() if service_id(c) == sid), None)


def taxonomy_term_id(category: Category) -> str:
    return _id("taxonomy_term", category.slug)


def councils_offering(term_id: str, councils: list[Council]) -> list[Council]:
    """Those of `councils` where the kind of help with this taxonomy term id is switched on
    (one read of the switched-off pairs, not a full service per council)."""
    category = next(
        (c for c, _on in categories_of_council(None) if taxonomy_term_id(c) == term_id), None
    )
    if category is None:
        return []
    off = councils_with_category_off(category)
    return [c for c in councils if c.pk not in off]


def _categories(council: Council) -> list[Category]:
    return [c for c, on in categories_of_council(council.pk) if on]


def _organisation(council: Council) -> dict:
    organisation = {
        "id": _id("organization", council.code),
        "name": council.name,
        "description": _("%(council)s, the local authority that runs Kith in its area.")
        % {"council": council.name},
    }
    if council.contact_email:
        organisation["email"] = council.contact_email
    return organisation


def service_summary(council: Council) -> dict:
    """The service's one-to-one fields: what `GET /services` lists."""
    with override("en-gb"):
        summary = {
            "id": service_id(council),
            "organization_id": _id("organization", council.code),
            "name": _("Kith: neighbours helping neighbours in %(council)s")
            % {"council": council.name},
            "description": _(
                "Ask for a hand or offer one: a meal cooked for an older neighbour, a lift to "
                "an appointment, shopping, a friendly call. Kith suggests helpers nearby who "
                "have been checked, keeps both people in touch and follows the help over "
                "weeks. Run by %(council)s. In English and Welsh; people who are not online "
                "can ask through the council or a partner such as their GP's link worker."
            )
            % {"council": council.name},
            "url": absolute_url(reverse("home")),
            "status": "active",
            "organization": _organisation(council),
        }
    if council.contact_email:
        summary["email"] = council.contact_email
    return summary


def service_full(council: Council) -> dict:
    """The fully nested service: `GET /services/{id}`."""
    full = service_summary(council)
    terms = [
        {
            "id": _id("attribute", council.code, category.slug),
            "link_id": full["id"],
            "link_type": "service",
            "taxonomy_term_id": taxonomy_term_id(category),
            "taxonomy_term": {
                "id": taxonomy_term_id(category),
                "taxonomy": TAXONOMY,
                "term": category.name,
            },
        }
        for category in _categories(council)
    ]
    full.update(
        {
            "service_areas": [
                {
                    "id": _id("service_area", council.code),
                    "name": council.name,
                    "service_id": full["id"],
                    "description": _("The area of %(council)s (ONS code %(code)s).")
                    % {"council": council.name, "code": council.code},
                }
            ],
            "languages": [
                {"id": _id("language", council.code, "en"), "name": "English", "code": "en"},
                {"id": _id("language", council.code, "cy"), "name": "Cymraeg", "code": "cy"},
            ],
            "attributes": terms,
        }
    )
    return full


def page_of(items: list, *, page: int, per_page: int, total: int) -> dict:
    pages = max(1, -(-total // per_page))
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": len(items),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": total == 0,
        "contents": items,
    }
