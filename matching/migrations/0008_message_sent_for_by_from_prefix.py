"""Messages council staff sent for a person before 0006 carry the mark as a first line
("Sent by council staff for <name>:"). Move it to `sent_for_by`: the member of staff comes
from the message's "assisted.message_sent" audit event, and only a message that has one and
starts with that line is changed (its first line removed). Running it again changes nothing.

Reversible: going back puts the first line in front of every message with `sent_for_by`
(those sent since included, which is what the earlier code expects), so no message loses
the mark either way.
"""

import re

from django.db import migrations

PREFIX = re.compile(r"\ASent by council staff for [^\n]*:\n")
BATCH = 500


def _name(user) -> str:
    # accounts.User.public_name (historical models have no properties).
    return user.display_name or f"Kith member {user.pk}"


def forward(apps, schema_editor):
    AuditEvent = apps.get_model("marketplace", "AuditEvent")
    Message = apps.get_model("matching", "Message")
    User = apps.get_model("accounts", "User")
    staff_for = dict(
        AuditEvent.objects.filter(
            verb="assisted.message_sent", target_type="message", actor_id__isnull=False
        ).values_list("target_id", "actor_id")
    )
    existing = set(User.objects.filter(pk__in=set(staff_for.values())).values_list("pk", flat=True))
    ids = sorted(staff_for)
    for start in range(0, len(ids), BATCH):
        changed = []
        for message in Message.objects.filter(pk__in=ids[start : start + BATCH]):
            stripped = PREFIX.sub("", message.body, count=1)
            staff_id = staff_for[message.pk]
            if stripped == message.body or not stripped.strip() or staff_id not in existing:
                continue
            message.body, message.sent_for_by_id = stripped, staff_id
            changed.append(message)
        Message.objects.bulk_update(changed, ["body", "sent_for_by"])


def backward(apps, schema_editor):
    Message = apps.get_model("matching", "Message")
    marked = Message.objects.filter(sent_for_by__isnull=False).select_related("sender")
    changed = []
    for message in marked.iterator(chunk_size=BATCH):
        if PREFIX.match(message.body):
            continue
        name = _name(message.sender) if message.sender else "a former member"
        message.body = f"Sent by council staff for {name}:\n{message.body}"
        changed.append(message)
        if len(changed) >= BATCH:
            Message.objects.bulk_update(changed, ["body"])
            changed = []
    Message.objects.bulk_update(changed, ["body"])


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0007_message_sent_for_by_validate_index"),
        ("marketplace", "0003_audit_append_only_and_default_categories"),
    ]

    operations = [migrations.RunPython(forward, backward)]
