"""The pipeline: a domain event → who must be told (`rules.RULES`) → on which channels, by
their preferences → the words of a template in their language → `Notification` rows, written
in the event's own transaction (the outbox) → sent by a Celery task once it commits.

Each person's rows are written in their correspondence language (`language_of`: the language
of their contact preferences; Welsh by default in a Welsh-first council), whatever the
language of the page whose action caused the event: the words, and the values that fill
them (which rules give as lazy translations), are made under `translation.override`.

If the broker is down when the transaction commits, the rows simply stay queued and the beat
job `notifications.tasks.send_queued` sends them later: the event is never undone and nothing
is lost. A failure in this module is logged and rolled back to a savepoint; it never undoes
the change that announced the event.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from typing import Any

from celery import current_app
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise

from accounts.models import User
from accounts.selectors import WELSH_FIRST_SQL, council_is_welsh_first, is_welsh_first
from core.events import BROKER_DOWN, Event
from core.links import absolute_url
from core.quiet_hours import is_quiet

from .models import FALLBACK_ORDER, Channel, ContactPreference, ConversationRead, Notification
from .rules import RULES, Notice
from .rules_helpers import HELPER_RULES
from .rules_ongoing import ONGOING_RULES
from .rules_partners import PARTNER_RULES
from .rules_vetting import VETTING_RULES
from .texts import SMS_STOP, SMS_WHY, STOP_ALERTS, TEMPLATES, WHY_AND_HOW

logger = logging.getLogger(__name__)

SEND_TASK = "notifications.tasks.send_notification"
#: No notice of a new message while the person has had the conversation open this recently.
READING_WINDOW = dt.timedelta(minutes=2)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def on_event(event: Event) -> None:
    """The receiver of `core.events.happened`: runs inside the announcer's transaction."""
    rules = [
        rule
        for rule in (
            RULES.get(event.verb)
            or VETTING_RULES.get(event.verb)
            or ONGOING_RULES.get(event.verb)
            or HELPER_RULES.get(event.verb),
            PARTNER_RULES.get(event.verb),  # a referrer hears of their referral's progress
        )
        if rule is not None
    ]
    if not rules:
        return
    try:
        with transaction.atomic():
            notify([notice for rule in rules for notice in rule(event)], event=event.verb)
    except Exception:  # telling people must never undo what happened
        logger.exception("Notifications for %s %s failed", event.verb, event.target_id)


def notify(notices: Iterable[Notice], *, event: str, only: str | None = None) -> list[Notification]:
    """Write the rows for `notices` (in the caller's transaction) and send them after
    commit. Rows that already exist for the same person, channel and key are left alone.
    `only`: one channel (a fallback), whatever the person's usual choice."""
    notices = list(notices)
    prefs = preferences_of([notice.person for notice in notices])
    rows: list[Notification] = []
    for notice in notices:
        rows += _rows_for(notice, event=event, only=only, pref=prefs[notice.person.pk])
    if not rows:
        return []
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    # "In Kith" rows are delivered by being written; the others go to the worker unless they
    # wait for quiet hours to end (the beat job sends those).
    send_after_commit(
        [row.reference for row in rows if row.channel != Channel.KITH and row.send_after is None]
    )
    return rows


def send_after_commit(references: list[uuid.UUID]) -> None:
    if references:
        transaction.on_commit(lambda: enqueue(references))


def enqueue(references: Iterable[uuid.UUID]) -> None:
    """Hand rows to the worker. With the broker down this logs and returns: the rows stay
    queued and the beat job sends them once it is back. (The task is found by its name: the
    tasks module imports this one.)"""
    send_notification = current_app.tasks[SEND_TASK]
    for reference in references:
        try:
            send_notification.delay(str(reference))
        except BROKER_DOWN:
            logger.warning(
                "Broker unavailable: notification %s stays queued", reference, exc_info=True
            )
            return


def preference_of(person: User) -> ContactPreference:
    """The person's saved preference, or the default (email only, in their council's first
    language) without saving it."""
    found = ContactPreference.objects.filter(person=person).first()
    return found or ContactPreference(person=person, language=default_language(person))


def preferences_of(people: Iterable[User]) -> dict[int, ContactPreference]:
    """`preference_of` for several people at once (everyone an event tells): one query for
    the saved preferences, and each council's first language looked up once."""
    by_pk = {person.pk: person for person in people}
    found = {
        pref.person_id: pref for pref in ContactPreference.objects.filter(person_id__in=list(by_pk))
    }
    welsh: dict[int | None, bool] = {}
    for pk, person in by_pk.items():
        if pk not in found:
            if person.council_id not in welsh:
                welsh[person.council_id] = council_is_welsh_first(person.council_id)
            language = _first_language(welsh=welsh[person.council_id])
            found[pk] = ContactPreference(person=person, language=language)
    return found


def default_language(person: User) -> str:
    """The correspondence language of someone who has not chosen one: Welsh in a Welsh-first
    council (`Council.settings["welsh_first"]`), English elsewhere."""
    return _first_language(welsh=council_is_welsh_first(person.council_id))


def _first_language(*, welsh: bool) -> str:
    return ContactPreference.Language.WELSH if welsh else ContactPreference.Language.ENGLISH


# Hand-written: every signed-in page asks it, and composing the same query with the ORM cost
# about 0.8 ms of CPU a page, running it about 0.1 ms.
_LANGUAGE_SQL = """SELECT cp.language, {welsh_first}
FROM accounts_user u
LEFT JOIN notifications_contactpreference cp ON cp.person_id = u.id
LEFT JOIN accounts_council c ON c.id = u.council_id
WHERE u.id = %s""".format(welsh_first=WELSH_FIRST_SQL.format(council="c"))


def language_of(person: User) -> str:
    """The language Kith writes to the person in ("en" or "cy"): their choice, else their
    council's first language. One query (every signed-in page asks it)."""
    row = None
    if person.pk is not None:
        with connection.cursor() as cursor:
            cursor.execute(_LANGUAGE_SQL, [person.pk])
            row = cursor.fetchone()
    if row is None:  # not saved: nothing kept for them yet
        return default_language(person)
    language, flag = row
    return language or _first_language(welsh=is_welsh_first(flag))


def in_words(context: dict[str, Any]) -> dict[str, Any]:
    """The context with its lazy words made in the active language (to render and to keep)."""
    return {
        key: str(value) if isinstance(value, Promise) else value for key, value in context.items()
    }


def channels_for(*, person: User, pref: ContactPreference, notice: Notice) -> list[str]:
    channels = [Channel.KITH.value]
    if pref.by_email and has_email(person):
        channels.append(Channel.EMAIL.value)
    if pref.by_sms and pref.sms_ready:
        channels.append(Channel.SMS.value)
    if pref.by_letter and pref.postal_address and notice.by_letter:
        channels.append(Channel.LETTER.value)
    return channels


def has_email(person: User) -> bool:
    # A person who is not online has no email address (None): never emailed.
    return bool(person.email) and not (person.email or "").endswith(".invalid")


def may_be_told(person: User, notice: Notice) -> bool:
    if not person.is_active:
        return False
    # A suspended person hears only about the suspension itself.
    return not person.is_suspended or notice.template == "person_suspended"


def _rows_for(
    notice: Notice,
    *,
    event: str,
    only: str | None = None,
    pref: ContactPreference | None = None,
) -> list[Notification]:
    person = notice.person
    if not may_be_told(person, notice):
        return []
    if notice.conversation is not None and _conversation_quiet(person, notice):
        return []
    pref = pref or preference_of(person)
    rows = []
    channels = [only] if only else channels_for(person=person, pref=pref, notice=notice)
    with translation.override(pref.language):
        context = in_words(notice.context)
    for channel in channels:
        subject, body = render(notice, channel=channel, language=pref.language)
        rows.append(
            Notification(
                person=person,
                council_id=person.council_id,
                event=event,
                template=notice.template,
                channel=channel,
                dedupe_key=notice.dedupe[:120],
                subject=subject[:200],
                body=body,
                language=pref.language,
                link=notice.link,
                context=context,
                target_type=notice.target[0] if notice.target else "",
                target_id=notice.target[1] if notice.target else None,
                to=address(person=person, pref=pref, channel=channel),
                safety_critical=notice.safety_critical,
                status="delivered" if channel == Channel.KITH else "queued",
                finished_at=timezone.now() if channel == Channel.KITH else None,
                send_after=(
                    None
                    if channel == Channel.KITH or notice.safety_critical
                    else quiet_until(pref=pref, now=timezone.now())
                ),
            )
        )
    return rows


def _conversation_quiet(person: User, notice: Notice) -> bool:
    """True while the person is reading the conversation, or has an unread notice of it."""
    read = ConversationRead.objects.filter(person=person, match_id=notice.conversation or 0).first()
    if read is not None and read.read_at >= timezone.now() - READING_WINDOW:
        return True
    return Notification.objects.filter(
        person=person,
        channel=Channel.KITH,
        template=notice.template,
        target_type="match",
        target_id=notice.conversation,
        read_at__isnull=True,
    ).exists()


def fallback_for(notification: Notification) -> Notification | None:
    """After a failure for good, the same words by the next channel that can reach the
    person (a verified mobile, a postal address), unless they already have it that way."""
    if notification.channel not in FALLBACK_ORDER:
        return None
    person = notification.person
    pref = preference_of(person)
    later = FALLBACK_ORDER[FALLBACK_ORDER.index(notification.channel) + 1 :]
    for channel in later:
        reachable = (channel == Channel.SMS and pref.sms_ready) or (
            channel == Channel.LETTER and bool(pref.postal_address)
        )
        if not reachable:
            continue
        if Notification.objects.filter(
            person=person, channel=channel, dedupe_key=notification.dedupe_key
        ).exists():
            return None  # the person already has it that way
        notice = _notice_of(notification)
        if notice is None:
            return None
        rows = notify([notice], event=notification.event, only=channel)
        return rows[0] if rows else None
    return None


def _notice_of(notification: Notification) -> Notice | None:
    """The notice behind a row, to say it again on another channel. Only rows made from a
    template can be; a sign-in code cannot go by letter."""
    if notification.template not in TEMPLATES:
        return None
    return Notice(
        person=notification.person,
        template=notification.template,
        dedupe=notification.dedupe_key,
        link=notification.link,
        context=dict(notification.context),
        safety_critical=notification.safety_critical,
    )


def address(*, person: User, pref: ContactPreference, channel: str) -> str:
    if channel == Channel.EMAIL:
        return person.email or ""
    if channel == Channel.SMS:
        return pref.mobile
    if channel == Channel.LETTER:
        return pref.postal_address[:254]
    return ""


def render(notice: Notice, *, channel: str, language: str = "en") -> tuple[str, str]:
    """The subject and the words of `notice` for `channel`. Every message that leaves Kith
    carries its link, why it was sent and how to change the preference; texts say how to
    stop them. All in `language` ("en" or "cy"), the person's."""
    with translation.override(language):
        return _render(notice, channel=channel)


def _render(notice: Notice, *, channel: str) -> tuple[str, str]:
    template = TEMPLATES[notice.template]
    context: dict[str, Any] = _Blank({k: str(v) for k, v in notice.context.items()})
    subject = str(template.subject).format_map(context)
    body = str(template.body).format_map(context)
    why = str(template.why).format_map(context)
    link = absolute_url(notice.link) if notice.link else ""
    if channel == Channel.KITH:
        return subject, body
    if channel == Channel.SMS:
        why_short = str(SMS_WHY).format(why=why)
        parts = [str(template.sms).format_map(context), link, why_short, str(SMS_STOP)]
        return subject, " ".join(p for p in parts if p)
    why_and_how = str(WHY_AND_HOW).format(
        why=why, settings=absolute_url(reverse("contact_preferences"))
    )
    parts = [body, link, why_and_how]
    if notice.context.get("alerts_off"):
        off = absolute_url(str(notice.context["alerts_off"]))
        parts.append(str(STOP_ALERTS).format(link=off))
    return subject, "\n\n".join(p for p in parts if p) + "\n"


def quiet_until(*, pref: ContactPreference, now: dt.datetime) -> dt.datetime | None:
    """When the person's quiet hours end, if `now` is inside them; else None."""
    start, end = pref.quiet_start, pref.quiet_end
    local = timezone.localtime(now)
    at = local.time()
    if start is None or end is None or not is_quiet(start=start, end=end, at=at):
        return None
    day = local.date() if at < end else local.date() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, end), local.tzinfo)
