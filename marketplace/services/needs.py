"""Writes of needs: create (for oneself or recorded by staff for a person), submit (a draft,
or a need a moderator turned down, sent again), change, withdraw, and closing the stale ones;
and the check of a need's place that a page can make before anything is saved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Council, User
from accounts.permissions import staff_council_id as _staff_council_id
from accounts.services import person_lock_for_writing
from core.audit import audit_record
from core.errors import ApplicationError, NotFound
from core.events import Event, announce
from marketplace import lifecycle
from marketplace.availability import validate_slots
from marketplace.models import (
    Category,
    GenderPreference,
    Need,
    Urgency,
)
from marketplace.services.shared import (
    LISTING_PUBLIC_FIELDS,
    NOT_FOUND_MESSAGE,
    change_place_and_category,
    change_text,
    check_category,
    check_dietary,
    check_languages,
    check_public_text,
    check_text,
    check_timing,
    check_urgency_fits,
    check_version,
    default_expiry,
    food_kept,
    lock_need,
    may_edit_need,
    needs_review,
    publish_or_queue,
    replace_slots,
    require_active,
    resolve_location,
)
from marketplace.urgent import in_good_standing, opens_urgent_needs_at_once
from places.geo import approximate_point
from trust.models import VerificationLevel


# --- Needs -----------------------------------------------------------------------------------
@transaction.atomic
def need_create(
    *,
    owner: User,
    category: Category,
    title: str,
    description: str,
    postcode: str | None = None,
    point: Point | None = None,
    timing: str = Need.Timing.WEEKLY,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    slots: Iterable = (),
    urgency: str = Urgency.ROUTINE,
    languages: Iterable[str] | None = None,
    helper_gender_preference: str = GenderPreference.ANY,
    dietary_requirements: Iterable[str] | None = None,
    helpers_wanted: int = 1,
    recorded_by: User | None = None,
    recorder_council: Council | None = None,
    consent_given: bool = False,
    consent_note: str = "",
    submit: bool = True,
) -> Need:
    """Record a need. With `submit` (the default) it goes to review or straight to open;
    without, it stays a draft the owner can finish later.

    `recorded_by` is a staff member recording the need on the owner's behalf (assisted
    digital): they must belong to the council of the need's place, and the owner's consent
    must be recorded. `recorder_council`: the council `recorded_by` records for when they
    are not its staff (a partner organisation's referrer, whom `partners.services` checks).
    """
    actor = recorded_by or owner
    require_active(actor)
    _require_owner_not_suspended(owner)
    title = check_text(title, field="title", max_length=80)
    description = check_text(description, field="description", max_length=2000)
    check_public_text(title=title, description=description)
    if urgency not in Urgency.values:
        raise ApplicationError(_("Choose how soon help is needed."), code="urgency")
    if helper_gender_preference not in GenderPreference.values:
        raise ApplicationError(_("Choose a helper preference from the list."), code="gender")
    if not 1 <= int(helpers_wanted) <= 10:
        raise ApplicationError(_("Ask for between 1 and 10 helpers."), code="helpers_wanted")
    check_timing(timing=timing, starts_at=starts_at, ends_at=ends_at, is_new=True)
    check_urgency_fits(urgency=urgency, timing=timing, starts_at=starts_at)
    checked_slots = validate_slots(slots)
    point, code, council = resolve_location(
        postcode=postcode, point=point, fallback_user=None if recorded_by else owner
    )
    check_category(category=category, council=council)
    consent_at = None
    if recorded_by is not None:
        recorder_council_id = recorder_council.pk if recorder_council else None
        if (recorder_council_id or _staff_council_id(recorded_by)) != council.pk:
            raise ApplicationError(
                _("You can record needs only for places in your own council's area."),
                code="wrong_council",
            )
        if not consent_given:
            raise ApplicationError(
                _("Record that the person agreed to you adding this need for them."),
                code="consent_missing",
            )
        consent_at = timezone.now()
        consent_note = check_text(
            consent_note, field="consent_note", max_length=300, required=False
        )
    person_lock_for_writing(person_id=owner.pk)  # erasure cannot run until this commits
    need = Need(
        owner=owner,
        recorded_by=recorded_by,
        consent_recorded_at=consent_at,
        consent_note=consent_note if recorded_by else "",
        council=council,
        category=category,
        title=title,
        description=description,
        postcode=code,
        location=point,
        approx_location=approximate_point(point),
        languages=check_languages(languages),
        timing=timing,
        starts_at=starts_at,
        ends_at=ends_at,
        urgency=urgency,
        helper_gender_preference=helper_gender_preference,
        dietary_requirements=food_kept(category, dietary_requirements),
        helpers_wanted=int(helpers_wanted),
    )
    need.expires_at = default_expiry(need)
    need.save()
    replace_slots(listing=need, slots=checked_slots)
    if recorded_by is not None:
        audit_record(
            actor=recorded_by,
            verb="need.recorded_on_behalf",
            target=need,
            # Whether, not what: the note stays on the need, where erasure reaches it; audit
            # rows are append-only and kept longer.
            data={"owner_id": owner.pk, "consent_note_given": bool(need.consent_note)},
        )
    if submit:
        _need_submit_locked(need=need, actor=actor)
    return need


def _require_owner_not_suspended(owner: User) -> None:
    if owner.suspended_at is not None:
        raise ApplicationError(
            _("This account is suspended, so no needs can be recorded for it."), code="suspended"
        )


def _need_submit_locked(*, need: Need, actor: User) -> Need:
    # A need recorded by the council's own staff has been seen by staff already.
    staff_recorded = need.recorded_by_id is not None and _staff_council_id(actor) == need.council_id
    review = not staff_recorded and needs_review(
        user=need.owner, council=need.council, required_level=VerificationLevel.ID_CHECKED
    )
    if review and _opens_at_once(need):
        return _open_at_once(need=need, actor=actor)
    publish_or_queue(need, review=review)
    if not review:
        audit_record(actor=actor, verb="need.published", target=need, data={"auto": True})
    elif need.urgency == Urgency.URGENT:
        # The council's moderators are told at once (the notifications room listens).
        announce(
            Event(
                verb="need.urgent_waiting",
                target_type="need",
                target_id=need.pk,
                council_id=need.council_id,
            )
        )
    return need


def _opens_at_once(need: Need) -> bool:
    """An urgent need that would wait for review opens at once where the council allows it
    and its owner is in good standing (`marketplace.urgent`)."""
    return (
        need.urgency == Urgency.URGENT
        and opens_urgent_needs_at_once(need.council)
        and in_good_standing(user=need.owner, need=need)
    )


def _open_at_once(*, need: Need, actor: User) -> Need:
    """Open the need now, so nearby helpers are alerted (`need_opened`), and keep it in the
    moderation queue until a moderator has looked at it (`moderation_approve`)."""
    need.review_after_open = True
    need.save(update_fields=["review_after_open", "updated_at"])
    publish_or_queue(need, review=False)
    audit_record(actor=actor, verb="need.opened_at_once", target=need)
    return need


@transaction.atomic
def need_submit(*, actor: User, need: Need, version: int | None = None) -> Need:
    """Send a need for review (or publish it at once where the council allows): a draft, or
    a need a moderator turned down, which its owner has changed and sends again
    (`lifecycle.need_may_send_again`). Both go through the step that sends a new need.

    `version`, when given, is the version the person saw: a need changed since is refused."""
    require_active(actor)
    locked = lock_need(need.pk)
    if not may_edit_need(user=actor, need=locked):
        raise NotFound(NOT_FOUND_MESSAGE)
    if version is not None:
        check_version(listing=locked, version=version)
    if lifecycle.need_may_send_again(locked):
        _reopen_as_draft(need=locked, actor=actor)
    elif locked.status != Need.Status.DRAFT:
        raise ApplicationError(
            _("This need is %(status)s, not a draft.")
            % {"status": locked.get_status_display().lower()},
            code="invalid_transition",
        )
    check_category(category=locked.category, council=locked.council)
    return _need_submit_locked(need=locked, actor=actor)


def _reopen_as_draft(*, need: Need, actor: User) -> None:
    """Step of `need_submit` for a need a moderator turned down: the checks a new need meets
    that time may have broken (its words, its date), then a draft again — without the old
    reason, which no longer describes it, and without the old publication, so it is judged
    as the new need it now is — ready to be sent as one."""
    _require_owner_not_suspended(need.owner)
    check_public_text(title=need.title, description=need.description)
    check_timing(timing=need.timing, starts_at=need.starts_at, ends_at=need.ends_at, is_new=True)
    lifecycle.need_transition(need=need, to=lifecycle.NEED_SEND_AGAIN_TO, send_again=True)
    need.rejection_reason = ""
    need.published_at = None
    need.expires_at = default_expiry(need)
    need.save(update_fields=["rejection_reason", "published_at", "expires_at", "updated_at"])
    audit_record(actor=actor, verb="need.sent_again", target=need)


def need_window_check(*, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    """The check `need_create` makes of a one-off need's time (an end after its start, not
    already past), so the page that asks for the date can say so at once."""
    check_timing(timing=Need.Timing.ONE_OFF, starts_at=starts_at, ends_at=ends_at, is_new=True)


def need_urgency_check(*, urgency: str, timing: str, starts_at: dt.datetime | None) -> None:
    """The check `need_create` makes that an urgent one-off need is for today or tomorrow, so
    the page that asks how soon can say so at once."""
    check_urgency_fits(urgency=urgency, timing=timing, starts_at=starts_at)


NEED_EDITABLE_FIELDS = {
    "category",
    "title",
    "description",
    "postcode",
    "point",
    "timing",
    "starts_at",
    "ends_at",
    "slots",
    "urgency",
    "languages",
    "helper_gender_preference",
    "dietary_requirements",
    "helpers_wanted",
}


@transaction.atomic
def need_update(*, actor: User, need: Need, version: int, data: Mapping[str, Any]) -> Need:
    """Change a need the actor owns (or recorded). `version` is the version the person
    started from: if someone else saved in between, the change is refused, not lost.

    Changing the public text of an open need sends it back to review unless the owner would
    be published straight away. A need a moderator turned down can be changed too, and stays
    turned down until it is sent again (`need_submit`). A new postcode is checked and placed
    as at creation (`resolve_location`, `approximate_point`).
    """
    require_active(actor)
    unknown = set(data) - NEED_EDITABLE_FIELDS
    if unknown:
        raise ApplicationError(
            _("These cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    locked = lock_need(need.pk)
    if not may_edit_need(user=actor, need=locked):
        raise NotFound(NOT_FOUND_MESSAGE)
    check_version(listing=locked, version=version)
    if not lifecycle.need_may_change(locked):
        raise ApplicationError(
            _("This need is %(status)s and can no longer be changed.")
            % {"status": locked.get_status_display().lower()},
            code="not_editable",
        )
    change_text(locked, data, title_required=True)
    _change_need_answers(locked, data)
    _change_need_timing(locked, data)
    if {"urgency", "timing", "starts_at"} & set(data):
        check_urgency_fits(urgency=locked.urgency, timing=locked.timing, starts_at=locked.starts_at)
    council_changed = change_place_and_category(locked, data)
    locked.dietary_requirements = food_kept(locked.category, locked.dietary_requirements)
    if "slots" in data:
        replace_slots(listing=locked, slots=data["slots"])
    locked.version += 1
    locked.save()
    if need_change_goes_to_review(
        actor=actor, need=locked, fields=data, council_changed=council_changed
    ):
        lifecycle.need_transition(need=locked, to=Need.Status.PENDING_REVIEW)
    return locked


def _change_need_answers(need: Need, data: Mapping[str, Any]) -> None:
    """Step of `need_update`: how soon, who, how many and the person's languages and diet."""
    if "urgency" in data:
        if data["urgency"] not in Urgency.values:
            raise ApplicationError(_("Choose how soon help is needed."), code="urgency")
        need.urgency = data["urgency"]
    if "helper_gender_preference" in data:
        if data["helper_gender_preference"] not in GenderPreference.values:
            raise ApplicationError(_("Choose a helper preference from the list."), code="gender")
        need.helper_gender_preference = data["helper_gender_preference"]
    if "helpers_wanted" in data:
        if not 1 <= int(data["helpers_wanted"]) <= 10:
            raise ApplicationError(_("Ask for between 1 and 10 helpers."), code="helpers_wanted")
        need.helpers_wanted = int(data["helpers_wanted"])
    if "languages" in data:
        need.languages = check_languages(data["languages"])
    if "dietary_requirements" in data:
        need.dietary_requirements = check_dietary(data["dietary_requirements"])


def _change_need_timing(need: Need, data: Mapping[str, Any]) -> None:
    """Step of `need_update`: a new timing or dates, checked together; a one-off need
    expires when it ends."""
    changed = {"timing", "starts_at", "ends_at"} & set(data)
    if not changed:
        return
    for field in changed:
        setattr(need, field, data[field])
    check_timing(
        timing=need.timing, starts_at=need.starts_at, ends_at=need.ends_at, is_new="ends_at" in data
    )
    if need.timing == Need.Timing.ONE_OFF and need.ends_at is not None:
        need.expires_at = need.ends_at


def need_change_goes_to_review(
    *, actor: User, need: Need, fields: Iterable[str], council_changed: bool = False
) -> bool:
    """Whether changing `fields` of `need` sends it back to the council's review (the rule
    `need_update` applies), so a page can say so before the person confirms.

    Only the public text of an open need counts, and not for people the council would
    publish straight away, nor for staff keeping a need they recorded up to date."""
    if need.status != Need.Status.OPEN:
        return False
    if not (council_changed or LISTING_PUBLIC_FIELDS & set(fields)):
        return False
    staff_recorded = need.recorded_by_id is not None and _staff_council_id(actor) == need.council_id
    return not staff_recorded and needs_review(
        user=need.owner, council=need.council, required_level=VerificationLevel.ID_CHECKED
    )


@transaction.atomic
def need_withdraw(*, actor: User, need: Need) -> Need:
    """The owner (or the staff member who recorded it) no longer needs help."""
    locked = lock_need(need.pk)
    if not may_edit_need(user=actor, need=locked):
        raise NotFound(NOT_FOUND_MESSAGE)
    lifecycle.need_transition(
        need=locked, to=Need.Status.CLOSED, closed_reason=Need.ClosedReason.WITHDRAWN
    )
    # Recorded (and announced): helpers alerted about an urgent need are told to stand down.
    audit_record(actor=actor, verb="need.withdrawn", target=locked)
    return locked


@transaction.atomic
def need_expire_stale(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Close as expired the drafts and the needs still waiting for review whose time has
    passed. Returns how many. An open need whose time has passed stays open: nobody could
    help yet, and the ongoing-help room brings it to staff (`arrangements.still_needed`)
    rather than let it close unseen.

    Rows another worker holds are skipped (`skip_locked`) and caught on the next run.
    """
    now = now or timezone.now()
    stale = list(
        Need.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("council")
        .filter(
            status__in=[Need.Status.DRAFT, Need.Status.PENDING_REVIEW],
            expires_at__lt=now,
        )
        .order_by("expires_at")[:limit]
    )
    for need in stale:
        lifecycle.need_transition(
            need=need, to=Need.Status.CLOSED, closed_reason=Need.ClosedReason.EXPIRED
        )
        audit_record(actor=None, verb="need.expired", target=need)
    return len(stale)
