"""`core.rows`: model instances built from a hand-written statement's columns are the ones the
ORM makes (every field converted the same way), as the ranking's listing read and the session
read rely on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from accounts.models import Council, PersonSession, User
from accounts.sessions import SessionStore
from core.rows import model_columns
from marketplace.models import Category, Need, Offer
from matching import selectors
from tests.kit import factories as make


def _fields(instance, *, leave_out=()) -> dict:
    return {
        f.attname: getattr(instance, f.attname)
        for f in type(instance)._meta.concrete_fields
        if f.name not in leave_out
    }


def _read(model, alias: str, pk: int, defer=()):
    columns = model_columns(model, alias, defer)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns.select} FROM {model._meta.db_table} {alias} WHERE {alias}.id = %s",
            [pk],
        )
        return columns.build(cursor.fetchone())


@pytest.mark.django_db
def test_every_field_converts_as_the_orm_converts_it(mcouncil):
    mcouncil.settings = {"welsh_first": True, "alert_policy": {"fan_out": 3}}
    mcouncil.save()
    owner = make.person(
        council=mcouncil,
        display_name="Gwen Pritchard",
        phone="07700900123",
        home_postcode="LS1 4AP",
        preferred_languages=["cy", "en"],
    )
    need = make.need_row(council=mcouncil, owner=owner, languages=["cy"], dietary=["halal"])
    offer = make.offer_row(council=mcouncil, languages=["en"], dietary=["halal"])
    for model, pk in (
        (Need, need.pk),
        (Offer, offer.pk),
        (User, owner.pk),
        (Category, need.category_id),
    ):
        built = _read(model, "x", pk)
        from_orm = model.objects.get(pk=pk)
        assert _fields(built) == _fields(from_orm), model
        assert built._state.adding is False and built._state.db == "default"
    built = _read(User, "x", owner.pk)
    assert built.phone == "07700900123" and built.preferred_languages == ["cy", "en"]
    need_built = _read(Need, "x", need.pk)
    assert isinstance(need_built.approx_location, Point)
    assert need_built.approx_location.srid == 4326


@pytest.mark.django_db
def test_a_deferred_field_loads_on_access_and_the_instance_saves(mcouncil):
    built = _read(Council, "c", mcouncil.pk, defer=("boundary",))
    assert built.get_deferred_fields() == {"boundary"}
    assert _fields(built, leave_out=("boundary",)) == _fields(
        Council.objects.get(pk=mcouncil.pk), leave_out=("boundary",)
    )
    assert built.boundary.equals(mcouncil.boundary)  # loaded on access
    built.name = "Renamed Borough Council"
    built.save(update_fields=["name"])
    assert Council.objects.get(pk=mcouncil.pk).name == "Renamed Borough Council"


@pytest.mark.django_db
def test_the_ranking_read_loads_the_listing_with_its_council_category_and_person(mcouncil):
    need = make.need_row(council=mcouncil)
    read, _slots = selectors.need_and_slots_for_ranking(user=need.owner, need_id=need.pk)
    orm = Need.objects.select_related("council", "category", "owner").get(pk=need.pk)
    assert _fields(read) == _fields(orm)
    assert _fields(read.owner) == _fields(orm.owner)
    assert _fields(read.category) == _fields(orm.category)
    assert _fields(read.council, leave_out=("boundary",)) == _fields(
        orm.council, leave_out=("boundary",)
    )
    # Loaded with the listing: reading them asks nothing more of the database.
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        read.owner.display_name, read.category.slug, read.council.settings  # noqa: B018
    assert not queries.captured_queries


@pytest.mark.django_db
@pytest.mark.parametrize("listing_id", [0, -1, 2**63 - 1, 2**63, 10**30, -(2**63) - 1])
def test_ids_of_no_listing_are_not_found(mcouncil, listing_id):
    need = make.need_row(council=mcouncil)
    with pytest.raises(selectors.NotFound):
        selectors.need_and_slots_for_ranking(user=need.owner, need_id=listing_id)
    with pytest.raises(selectors.NotFound):
        selectors.offer_and_slots_for_ranking(user=need.owner, offer_id=listing_id)


@pytest.mark.django_db
def test_a_session_is_read_only_while_unexpired(user):
    store = SessionStore()
    store["kept"] = "yes"
    store.create()
    key = store.session_key
    assert SessionStore(key).load() == {"kept": "yes"}
    PersonSession.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = SessionStore(key)
    assert expired.load() == {}
    assert expired.session_key is None
    assert SessionStore("no-such-session-key-at-all-here").load() == {}
