"""What the tests of ongoing help's pages share (their arrangement, `arr`, is a fixture of
tests/frontend/conftest.py): its two people, a visit moved into the past, a page fetched or
posted, every page of an arrangement."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from arrangements.models import Visit


def people(arrangement):
    return arrangement.match.need.owner, arrangement.match.offer.helper


def to_the_past(visit: Visit, hours: int = 2) -> Visit:
    """Move a planned visit so that it began `hours` ago and lasted an hour."""
    start = timezone.now() - dt.timedelta(hours=hours)
    Visit.objects.filter(pk=visit.pk).update(starts_at=start, ends_at=start + dt.timedelta(hours=1))
    visit.refresh_from_db()
    return visit


def page(client, name, *args, **post):
    url = reverse(name, args=args)
    response = client.post(url, post) if post else client.get(url)
    return response, response.content.decode()


def all_urls(arrangement, visit):
    a = arrangement.pk
    return [
        reverse("arrangement_detail", args=[a]),
        reverse("visit_check_in", args=[a, visit.pk]),
        reverse("visit_skip", args=[a, visit.pk]),
        reverse("visit_move", args=[a, visit.pk]),
        reverse("arrangement_change_time", args=[a]),
        reverse("arrangement_end", args=[a]),
    ]
