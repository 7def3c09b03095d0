"""Half-finished forms kept on the person's account (`FormDraft`): the answers of a need or an
offer asked one question per page, saved at every page so that nothing typed is lost to
signing out, a session timing out, or moving to another device. A draft untouched for
`DRAFT_DAYS` is forgotten. Erasure deletes drafts with the account's other rows
(`privacy.personal_data.fields.DECLARED`), and a draft is never written for an account being erased
or closed (`person_lock_for_writing`).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError

from .models import FormDraft, User
from .services import person_lock_for_writing

DRAFT_DAYS = 30


def _fresh(queryset):
    return queryset.filter(updated_at__gte=timezone.now() - dt.timedelta(days=DRAFT_DAYS))


def form_draft_keep(*, person: User, form: str, answers: dict) -> bool:
    """Save the answers so far; False (nothing saved) when the account is closed."""
    if not person.is_authenticated:
        return False
    try:
        with transaction.atomic():
            person_lock_for_writing(person_id=person.pk)
            FormDraft.objects.update_or_create(
                person=person, form=form, defaults={"answers": answers}
            )
    except ApplicationError:
        return False
    return True


def form_draft_of(*, person: User, form: str) -> FormDraft | None:
    if not person.is_authenticated:
        return None
    return _fresh(FormDraft.objects.filter(person=person, form=form)).first()


def form_drafts_of(*, person: User) -> list[FormDraft]:
    """The person's drafts still kept, the latest first."""
    if not person.is_authenticated:
        return []
    return list(_fresh(FormDraft.objects.filter(person=person)).order_by("-updated_at"))


def form_draft_discard(*, person: User, form: str) -> None:
    if person.is_authenticated:
        FormDraft.objects.filter(person=person, form=form).delete()


def form_drafts_forget_stale(*, now: dt.datetime | None = None) -> int:
    """Delete drafts nobody has touched for `DRAFT_DAYS` (with the daily retention job)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=DRAFT_DAYS)
    deleted, _ = FormDraft.objects.filter(updated_at__lt=cutoff).delete()
    return deleted
