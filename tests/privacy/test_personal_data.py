"""The declaration of personal data (`privacy.personal_data`) covers every field of every Kith
model, names only real fields, fits together, and is what erasure and retention do."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from oauth2_provider.models import AccessToken, Grant, RefreshToken, get_application_model

from accounts.drafts import form_draft_keep
from accounts.models import ClaimCode, OfflinePerson, StaffMembership, User, WebProfile
from accounts.second_factor import invitation_send
from accounts.sessions import SessionStore
from core.models import IdempotencyKey
from matching import services as matching
from matching.models import Match
from notifications import services as notices
from notifications.models import ContactPreference
from notifications.replies import inbound_text
from partners.models import Referral, Referrer
from privacy import retention
from privacy.erasure import person_erase
from privacy.export import SOURCES
from privacy.personal_data import (
    DECLARED,
    DOWNLOAD,
    ERASED_TEXT,
    LEFT_KITH_REASON,
    REDACTED_TEXT,
    declared_for,
)
from privacy.personal_data.vocabulary import (
    GRID_CELL_FIELD,
    KEPT,
    Column,
    Declared,
    Form,
    Rows,
    Shape,
    Treatment,
)
from safeguarding import blocks, reports
from tests.kit import factories as mf
from tests.kit import partners as partners_kit
from tests.kit.factories import CouncilFactory
from tests.kit.tokens import api_token

ROOT = Path(__file__).resolve().parents[2]
# Treatments erasure and retention write into a row that stays.
WRITTEN = {Treatment.CLEAR, Treatment.STAND_IN, Treatment.GRID_CELL}


def kith_models() -> list[type[models.Model]]:
    """Every model of an app that lives in this repository (not in a library)."""
    return [
        model
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(ROOT)
        and ".venv" not in Path(config.path).parts
        for model in config.get_models()
    ]


def fields_of(model: type[models.Model]) -> set[str]:
    """The model's own columns and many-to-many fields (not the relations pointing at it)."""
    return {
        f.name
        for f in model._meta.get_fields()
        if f.concrete or (f.many_to_many and not f.auto_created)
    }


def undeclared(declarations, models_) -> list[str]:
    """Each model without a declaration, and each field declared neither personal nor not."""
    by_model = {d.model: d for d in declarations}
    missing = []
    for model in models_:
        declared = by_model.get(model)
        if declared is None:
            missing.append(model._meta.label)
            continue
        named = set(declared.personal) | set(declared.not_personal)
        missing += [f"{model._meta.label}.{name}" for name in sorted(fields_of(model) - named)]
    return missing


def misdeclared(declared: Declared) -> list[str]:
    """Names the declaration gives that are not fields, or that it gives twice."""
    label, real = declared.label, fields_of(declared.model)
    both = set(declared.personal) & set(declared.not_personal)
    twice = {n for n in declared.not_personal if declared.not_personal.count(n) > 1}
    unknown = (set(declared.personal) | set(declared.not_personal)) - real
    return [f"{label}.{name}" for name in sorted(both | twice | unknown)]


def resolve(model: type[models.Model], path: str):
    """Follow `path` ("need__owner", a reverse relation, "pk" for the row itself) from
    `model`: the model it reaches, or the field it ends on. Raises FieldDoesNotExist for a
    name that is not there."""
    target = model
    for name in path.split("__"):
        assert isinstance(target, type), f"{model._meta.label}: {path} goes through a value"
        if name == "pk":
            continue
        found = target._meta.get_field(name)
        target = found.related_model if found.is_relation else found
    return target


def columns_by_model() -> dict[type[models.Model], list[Column]]:
    """Every column of the download, nested ones included, under the model it shows."""
    shown: dict[type[models.Model], list[Column]] = {}

    def walk(model, columns):
        for column in columns:
            shown.setdefault(model, []).append(column)
            if column.of:
                walk(model._meta.get_field(column.field).related_model, column.of)

    for section in DOWNLOAD:
        walk(section.model, section.columns)
    return shown


# --- Static: the declaration is complete and names real things -----------------------------
def test_every_field_of_every_kith_model_is_declared_personal_or_not():
    models_ = kith_models()
    assert {"accounts.User", "marketplace.Need", "core.AuditEvent", "places.Postcode"} <= {
        m._meta.label for m in models_
    }
    assert undeclared(DECLARED, models_) == []


def test_a_new_field_fails_until_it_is_declared():
    """The check above can fail: a declaration missing a field, or a model, is reported."""
    user = declared_for(User)
    without_phone = dataclasses.replace(
        user, personal={k: v for k, v in user.personal.items() if k != "phone"}
    )
    others = [d for d in DECLARED if d.model is not User]
    assert undeclared([*others, without_phone], kith_models()) == ["accounts.User.phone"]
    assert undeclared(others, kith_models()) == ["accounts.User"]
    typo = dataclasses.replace(user, not_personal=("id", "councl"))
    assert misdeclared(typo) == ["accounts.User.councl"]


@pytest.mark.parametrize("declared", DECLARED, ids=lambda d: d.label)
def test_each_declaration_names_real_fields_once_and_all_of_them(declared):
    assert misdeclared(declared) == []
    assert undeclared([declared], [declared.model]) == []


@pytest.mark.parametrize("declared", DECLARED, ids=lambda d: d.label)
def test_each_declaration_fits_together(declared):
    erase = {name: p.erase for name, p in declared.personal.items()}
    for link in (*declared.theirs, *(p.only_where for p in declared.personal.values())):
        if link:
            assert resolve(declared.model, link) is get_user_model(), link
    if declared.rows is Rows.NOBODY:
        assert not declared.theirs and not declared.personal
    else:
        assert declared.theirs, "erasure must know how to find the person's rows"
    if declared.rows is Rows.DELETE:
        assert set(erase.values()) <= {Treatment.WITH_ROW}
    else:
        assert Treatment.WITH_ROW not in erase.values()
    if declared.rows is Rows.KEEP:
        assert set(erase.values()) <= KEPT
    assert (declared.rows is Rows.ACCOUNT) == (declared.model is get_user_model())
    if declared.rows is not Rows.ACCOUNT:
        assert not {Treatment.ERASED_EMAIL, Treatment.UNUSABLE_PASSWORD} & set(erase.values())
    if declared.audit_as:
        assert declared.rows in (Rows.DELETE, Rows.REDACT)
    for name, personal in declared.personal.items():
        where = f"{declared.label}.{name}"
        if personal.erase in KEPT or personal.retain in KEPT:
            assert personal.why, f"{where} is kept: say why"
        if Treatment.GRID_CELL in (personal.erase, personal.retain):
            declared.model._meta.get_field(GRID_CELL_FIELD)
        if personal.spare or personal.only_where:
            assert personal.erase in WRITTEN, where
    # The values both write can be computed for every field they touch.
    declared.retention_values(stand_in=REDACTED_TEXT)
    if declared.rows is Rows.REDACT:
        assert declared.erasure_groups(stand_in=ERASED_TEXT)


def test_the_download_names_real_fields_in_shapes_that_fit():
    def check(model, columns):
        for column in columns:
            target = resolve(model, column.field)
            many = (Form.ROWS, Form.VALUES)
            assert bool(column.of) == (column.form in many), column
            if column.form in (*many, Form.COUNT):
                relation = model._meta.get_field(column.field)
                assert isinstance(relation, models.ForeignObjectRel), column
                if column.form is Form.VALUES:
                    assert len(column.of) == 1, column
                check(target, column.of)

    keys = [section.key for section in DOWNLOAD]
    assert len(keys) == len(set(keys))
    assert set(SOURCES) == set(keys), "each section needs its rows, and only sections do"
    for section in DOWNLOAD:
        if section.shape in (Shape.VALUE, Shape.VALUES):
            assert len(section.columns) == 1, section.key
        check(section.model, section.columns)


def test_every_personal_field_is_in_the_download_unless_it_says_why_not():
    shown = {
        (model, column.field.split("__")[0])
        for model, columns in columns_by_model().items()
        for column in columns
    }
    for declared in DECLARED:
        for name, personal in declared.personal.items():
            in_download = (declared.model, name) in shown
            assert in_download != bool(personal.withheld), f"{declared.label}.{name}: " + (
                "withheld but shown" if in_download else "neither shown nor withheld"
            )


# --- Behaviour: erasure and retention do what the declaration says --------------------------
def _stand_in_for(model_field, value: str):
    if isinstance(model_field, ArrayField):
        return ["cy"]
    return value[: model_field.max_length or None]


def _fill_personal_text(person) -> None:
    """Give every written personal field of the person's rows something to lose."""
    for declared in DECLARED:
        if declared.rows is not Rows.REDACT:
            continue
        values = {}
        for name, personal in declared.personal.items():
            model_field = declared.model._meta.get_field(name)
            if personal.erase in WRITTEN and isinstance(
                model_field, models.CharField | models.TextField | ArrayField
            ):
                values[name] = _stand_in_for(model_field, "Personal")
        declared.model._default_manager.filter(declared.of_person(person)).update(**values)


def _values(rows) -> list[dict]:
    """Rows as plain values (points as text, so that they compare)."""
    return [
        {
            "pk": row[rows.model._meta.pk.attname],
            **{k: getattr(v, "wkt", v) for k, v in row.items()},
        }
        for row in rows.values()
    ]


def _expected(declared: Declared, name: str, row, treatment: Treatment, stand_in: str):
    if treatment is Treatment.STAND_IN:
        return stand_in
    if treatment is Treatment.GRID_CELL:
        return getattr(row, GRID_CELL_FIELD)
    model_field = declared.model._meta.get_field(name)
    if isinstance(model_field, ArrayField):
        return []
    return None if model_field.null else ""


@pytest.fixture
def someone():
    """A person with rows in every model erasure deletes or redacts, and the people and
    staff those rows involve."""
    council = CouncilFactory(name="Declared Council")
    moderator = mf.staff(council=council)
    person = mf.staff(council=council, lon=-1.551234, lat=53.801234, display_name="Dee Clared")
    helper = mf.person(council=council, lon=-1.56, lat=53.81, display_name="Hal Helper")
    for who in (person, helper):
        mf.check(user=who, council=council)
    WebProfile.objects.create(user=person)
    api_token(person)
    # An application acting for them: its code, access token and refresh token.
    Application = get_application_model()
    application = Application.objects.create(
        name="Good Neighbour App",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://app.example/callback",
    )
    soon = timezone.now() + dt.timedelta(hours=1)
    Grant.objects.create(
        user=person,
        application=application,
        code="a-one-time-code",
        expires=soon,
        redirect_uri="https://app.example/callback",
        scope="read",
        code_challenge="x" * 43,
        code_challenge_method="S256",
    )
    access = AccessToken.objects.create(
        user=person, application=application, token="an-access-token", expires=soon, scope="read"
    )
    RefreshToken.objects.create(
        user=person, application=application, token="a-refresh-token", access_token=access
    )
    signed_in = SessionStore()
    signed_in[SESSION_KEY] = str(person.pk)
    signed_in.create()
    invitation_send(actor=moderator, member=person, base_url="http://testserver")
    matching.alert_preference_update(user=person, opted_in=True)

    need = mf.open_need(owner=person, moderator=moderator, title="Walks for Dee")
    offer = mf.open_offer(helper=helper, moderator=moderator)
    done = matching.match_request(citizen=person, need_id=need.pk, offer_id=offer.pk)
    matching.match_accept(user=helper, match_id=done.pk)
    matching.message_send(user=person, match_id=done.pk, body="My door is the blue one")
    notices.conversation_read(person=person, match_id=done.pk)
    notices.contact_preference_update(
        actor=person,
        person=person,
        by_email=True,
        by_sms=False,
        by_letter=True,
        mobile="07700 900111",
        postal_address="1 Blue Door Road\nLeeds\nLS1 1AA",
    )
    ContactPreference.objects.filter(person=person).update(mobile_verified_at=timezone.now())
    inbound_text(provider_id="text-1", from_number="07700900111", body="Is my helper coming?")
    matching.match_complete(user=person, match_id=done.pk)
    matching.feedback_leave(user=person, match_id=done.pk, rating=5, comment="Thank you Hal")
    again = mf.open_need(owner=person, moderator=moderator, title="More walks")
    turned_down = matching.match_offer_help(helper=helper, need_id=again.pk, offer_id=offer.pk)
    matching.match_decline(user=person, match_id=turned_down.pk, reason="Away")
    second = mf.open_offer(helper=helper, moderator=moderator, title="Evening walks")
    live = matching.match_offer_help(helper=helper, need_id=again.pk, offer_id=second.pk)
    mf.open_offer(helper=person, moderator=moderator, category_slug="befriending")
    reports.report_create(reporter=person, target_type="offer", target_id=offer.pk, reason="Late")
    other = mf.person(council=council, lon=-1.54, lat=53.79)
    mf.open_offer(helper=other, moderator=moderator, lon=-1.54, lat=53.79)
    blocks.block_create(blocker=person, blocked_id=other.pk)
    OfflinePerson.objects.create(person=person, preferred_route="text", consent_how="phone")
    # An answer kept for a retry with the same Idempotency-Key (core.idempotency).
    IdempotencyKey.objects.create(
        person=person, key_hash="0" * 64, request_hash="1" * 64, status_code=201, response_body={}
    )
    # A request for help they started and have not sent (accounts.drafts).
    form_draft_keep(person=person, form="need_draft", answers={"title": "Walks", "postcode": "LS1"})
    ClaimCode.objects.create(
        person=person,
        channel="text",
        reference="ABCD2345",
        sent_to_mobile="+447700900111",
        code_digest="0" * 64,
        expires_at=timezone.now(),
    )
    # A partner organisation referred them (partners/).
    referrer = partners_kit.referrer(organisation=partners_kit.organisation(council=council))
    Referral.objects.create(
        council=council,
        organisation=Referrer.objects.get(user=referrer).organisation,
        referrer=Referrer.objects.get(user=referrer),
        person=person,
        need=need,
        consent_by="representative",
        consent_representative="Jo Clared",
        consent_how="phone",
        consent_on=timezone.localdate(),
    )
    _fill_personal_text(person)
    return {"person": person, "helper": helper, "live": live, "done": done}


@pytest.mark.django_db
def test_erasure_does_to_each_field_what_the_declaration_says(someone):
    person = someone["person"]
    kept = [d for d in DECLARED if d.rows is Rows.KEEP]
    before = {
        d.label: {
            row["pk"]: row for row in _values(d.model._default_manager.filter(d.of_person(person)))
        }
        for d in kept
    }
    assert before["trust.Report"] and before["trust.Block"]
    for declared in DECLARED:
        if declared.rows in (Rows.DELETE, Rows.REDACT):
            assert declared.model._default_manager.filter(declared.of_person(person)).exists(), (
                f"the world has no {declared.label} row of the person to check"
            )

    person_erase(person=person)

    checked: set[str] = set()
    for declared in DECLARED:
        theirs = declared.model._default_manager.filter(declared.of_person(person))
        if declared.rows is Rows.DELETE:
            assert not theirs.exists(), declared.label
        elif declared.rows is Rows.KEEP:
            # Rows written by erasure itself (its audit rows) are new; the old ones stay as
            # they were.
            after = {row["pk"]: row for row in _values(theirs)}
            kept_rows = {pk: after.get(pk) for pk in before[declared.label]}
            assert kept_rows == before[declared.label], declared.label
        elif declared.rows is Rows.REDACT:
            for row in theirs:
                for name, personal in declared.personal.items():
                    value = getattr(row, name)
                    if personal.erase not in WRITTEN or value in personal.spare:
                        continue
                    if personal.only_where and getattr(row, f"{personal.only_where}_id") != (
                        person.pk
                    ):
                        assert value == "Personal", f"{declared.label}.{name} is not theirs"
                        continue
                    expected = _expected(declared, name, row, personal.erase, ERASED_TEXT)
                    assert value == expected, f"{declared.label}.{name} on row {row.pk}"
                    checked.add(f"{declared.label}.{name}")
    written = {
        f"{d.label}.{name}"
        for d in DECLARED
        if d.rows is Rows.REDACT
        for name, p in d.personal.items()
        if p.erase in WRITTEN
    }
    assert checked == written

    erased = User.objects.get(pk=person.pk)
    for name, personal in declared_for(User).personal.items():
        value = getattr(erased, name)
        if personal.erase is Treatment.CLEAR and name in ("groups", "user_permissions"):
            assert not value.exists(), name
        elif personal.erase is Treatment.CLEAR:
            assert value in ("", [], None), name
        elif personal.erase is Treatment.SWITCH_OFF:
            assert value is False, name
        elif personal.erase is Treatment.UNUSABLE_PASSWORD:
            assert not erased.has_usable_password()
        elif personal.erase is Treatment.ERASED_EMAIL:
            assert value.endswith("@erased.invalid")
        else:
            assert value == getattr(person, name), name
    # The neutral reason the other person sees was spared; the person's own reason went.
    assert Match.objects.get(pk=someone["live"].pk).decline_reason == LEFT_KITH_REASON
    assert not StaffMembership.objects.filter(user=person).exists()


@pytest.mark.django_db
def test_retention_writes_what_the_declaration_says(someone):
    person, done = someone["person"], someone["done"]
    past = timezone.now() - dt.timedelta(days=400)
    need = done.need
    type(done).objects.filter(pk=done.pk).update(completed_at=past)
    type(need).objects.filter(pk=need.pk).update(updated_at=past)

    retention.retention_apply()

    for model, rows in (
        (type(need), type(need).objects.filter(pk=need.pk)),
        (type(done), type(done).objects.filter(pk=done.pk)),
        (type(done.feedback.first()), done.feedback.all()),
    ):
        declared = declared_for(model)
        written = {n: p.retain for n, p in declared.personal.items() if p.retain in WRITTEN}
        assert written, declared.label
        for row in rows:
            for name, treatment in written.items():
                expected = _expected(declared, name, row, treatment, REDACTED_TEXT)
                assert getattr(row, name) == expected, f"{declared.label}.{name}"
    assert not done.messages.exists()
    assert person.needs.get(pk=need.pk).status == "closed"
