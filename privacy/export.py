"""Download my data: everything Kith holds about a person, for a subject access request they
can make themselves.

What the download shows is declared in `privacy.personal_data.DOWNLOAD` (section by section,
which fields, in which form); this module says which rows each section holds and renders
them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import models
from django.db.models import Q

from accounts.models import FormDraft, OfflinePerson, StaffMembership, User, WebProfile
from arrangements.models import Arrangement
from marketplace.models import Need, Offer
from matching.models import AlertPreference, Feedback, Match, Message
from notifications.models import ContactPreference, InboundText, Notification
from partners.models import Referral
from trust.models import Block, HelperCheck, Report, Suspension

from .personal_data import DOWNLOAD
from .personal_data.vocabulary import Column, Form, Shape

#: Which rows each section of `DOWNLOAD` holds, with what they show fetched alongside.
SOURCES: dict[str, Callable[[User], Any]] = {
    "account": lambda user: user,
    "sign_in": lambda user: user,
    "staff_role": lambda user: (
        StaffMembership.objects.filter(user=user).select_related("council").first()
    ),
    "checks": lambda user: HelperCheck.objects.filter(user=user).select_related("council"),
    "suspensions": lambda user: (
        Suspension.objects.filter(person=user)
        .select_related("council")
        .order_by("suspended_at", "id")
    ),
    "blocked": lambda user: Block.objects.filter(blocker=user).select_related("blocked"),
    "unfinished_forms": lambda user: FormDraft.objects.filter(person=user).order_by("form"),
    "web_profile": lambda user: WebProfile.objects.filter(user=user).first(),
    "needs": lambda user: (
        Need.objects.filter(owner=user).select_related("category").prefetch_related("slots")
    ),
    "offers": lambda user: (
        Offer.objects.filter(helper=user).select_related("category").prefetch_related("slots")
    ),
    "matches": lambda user: (
        Match.objects.filter(Q(need__owner=user) | Q(offer__helper=user))
        .select_related("need__owner", "offer__helper")
        .prefetch_related("messages__sender")
        .order_by("created_at")
    ),
    "arrangements": lambda user: (
        Arrangement.objects.filter(Q(match__need__owner=user) | Q(match__offer__helper=user))
        .prefetch_related("times", "visits")
        .order_by("created_at")
    ),
    "feedback_given": lambda user: Feedback.objects.filter(author=user).select_related("subject"),
    "feedback_received": lambda user: Feedback.objects.filter(subject=user),
    "reports_made": lambda user: Report.objects.filter(reporter=user),
    "alert_preferences": lambda user: AlertPreference.objects.filter(user=user).first(),
    "recorded_by_the_council": lambda user: OfflinePerson.objects.filter(person=user).first(),
    "referrals": lambda user: (
        Referral.objects.filter(person=user).select_related("organisation").order_by("pk")
    ),
    "contact_preferences": lambda user: ContactPreference.objects.filter(person=user).first(),
    "messages_from_kith": lambda user: Notification.objects.filter(person=user).order_by(
        "created_at", "id"
    ),
    "texts_you_sent": lambda user: InboundText.objects.filter(person=user).order_by(
        "received_at", "id"
    ),
}


def person_data_export(*, user: User) -> dict[str, Any]:
    """Everything Kith holds about the person, for "download my data" (a subject access
    request they can make themselves). Other people appear only by their public name.

    What council staff typed about the person for safeguarding — concerns and their notes, the
    reason for a suspension or its lifting, why a helper check was revoked — is withheld, as
    concern notes always have been: disclosing it could put someone at risk or reveal who
    raised a worry (DPA 2018 Schedule 2 and 3 exemptions), so the council reviews it on a
    subject access request made to them. The facts the person already knows stay in: each
    suspension's dates and each check's revocation date. `privacy.personal_data` declares each
    withheld field and why."""
    download: dict[str, Any] = {}
    for section in DOWNLOAD:
        rows = SOURCES[section.key](user)
        if section.shape is Shape.ONE:
            download[section.key] = None if rows is None else _row(rows, section.columns, user)
        elif section.shape is Shape.VALUE:
            (column,) = section.columns
            download[section.key] = None if rows is None else _value(rows, column, user)
        elif section.shape is Shape.MANY:
            download[section.key] = [_row(row, section.columns, user) for row in rows]
        else:
            (column,) = section.columns
            download[section.key] = [_value(row, column, user) for row in rows]
    return download


def _row(obj: models.Model, columns: Iterable[Column], viewer: User) -> dict[str, Any]:
    return {column.key: _value(obj, column, viewer) for column in columns}


def _related_rows(obj: models.Model, name: str) -> models.QuerySet[Any]:
    """The rows that point at `obj` through its reverse relation `name` (the prefetched ones
    when the section's source prefetched them)."""
    relation = obj._meta.get_field(name)
    if not isinstance(relation, models.ForeignObjectRel):
        raise TypeError(f"{obj._meta.label}.{name} is not a reverse relation")
    if relation.one_to_one:  # no manager on this side: at most one row
        return relation.related_model._default_manager.filter(**{relation.field.name: obj})
    accessor = relation.get_accessor_name()
    if accessor is None:
        raise TypeError(f"{obj._meta.label}.{name} has no accessor")
    rows: models.QuerySet[Any] = getattr(obj, accessor).all()
    return rows


def _follow(obj: Any, path: str) -> Any:
    """The value at `path` ("need__title" follows the need link), or None past an empty link."""
    for name in path.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, name)
    return obj


def _value(obj: Any, column: Column, viewer: User) -> Any:
    """One column of `obj` as the download shows it (see `Form`)."""
    return _FORMS[column.form](obj, column, viewer)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _point(value: Any) -> dict[str, float] | None:
    return {"latitude": value.y, "longitude": value.x} if value is not None else None


def _display(obj: Any, name: str) -> str:
    label: str = getattr(obj, f"get_{name}_display")()
    return label


def _your_role(match: Match, viewer: User) -> str:
    return "asked for help" if match.need.owner_id == viewer.pk else "helper"


def _other_person(match: Match, viewer: User) -> str:
    if match.need.owner_id == viewer.pk:
        return match.offer.helper.public_name
    return match.need.owner.public_name


def _sender(message: Message, viewer: User) -> str:
    if message.sender_id == viewer.pk:
        return "you"
    return message.sender.public_name if message.sender else "a former member"


_FORMS: dict[Form, Callable[[Any, Column, User], Any]] = {
    Form.RAW: lambda obj, c, _: _follow(obj, c.field),
    Form.ID: lambda obj, c, _: getattr(obj, obj._meta.get_field(c.field).attname),
    Form.LIST: lambda obj, c, _: list(_follow(obj, c.field)),
    Form.DISPLAY: lambda obj, c, _: _display(obj, c.field),
    Form.DISPLAY_OR_NONE: lambda obj, c, _: (
        _display(obj, c.field) if getattr(obj, c.field) else None
    ),
    Form.ISO: lambda obj, c, _: _iso(_follow(obj, c.field)),
    Form.POINT: lambda obj, c, _: _point(_follow(obj, c.field)),
    Form.NAME: lambda obj, c, _: None if (linked := _follow(obj, c.field)) is None else linked.name,
    Form.PUBLIC_NAME: lambda obj, c, _: _follow(obj, c.field).public_name,
    Form.HH_MM: lambda obj, c, _: (
        None if (value := _follow(obj, c.field)) is None else f"{value:%H:%M}"
    ),
    Form.USABLE: lambda obj, c, _: obj.has_usable_password(),
    Form.COUNT: lambda obj, c, _: _related_rows(obj, c.field).count(),
    Form.ROWS: lambda obj, c, viewer: [
        _row(row, c.of, viewer) for row in _related_rows(obj, c.field)
    ],
    Form.VALUES: lambda obj, c, viewer: [
        _value(row, inner, viewer) for row in _related_rows(obj, c.field) for inner in c.of
    ],
    Form.YOUR_ROLE: lambda obj, c, viewer: _your_role(obj, viewer),
    Form.OTHER_PERSON: lambda obj, c, viewer: _other_person(obj, viewer),
    Form.SENDER: lambda obj, c, viewer: _sender(obj, viewer),
    Form.ROLE_AT_COUNCIL: lambda obj, c, _: f"{_display(obj, c.field)} at {obj.council.name}",
}
