"""Copy the reasons staff typed before they had a home on the record: a revoked helper
check's reason onto `HelperCheck.revoked_reason`, and each suspension (with its reinstatement,
if any) into a `Suspension` row, from the audit rows that held them.

The audit rows themselves keep their text: they are append-only (a trigger refuses UPDATE and
DELETE), so this migration only reads them. Reversing removes what it made.
"""

from django.db import migrations


def _events(AuditEvent, verb):
    return AuditEvent.objects.filter(verb=verb).order_by("created_at", "id")


def forwards(apps, schema_editor):
    AuditEvent = apps.get_model("marketplace", "AuditEvent")
    HelperCheck = apps.get_model("accounts", "HelperCheck")
    Suspension = apps.get_model("accounts", "Suspension")
    User = apps.get_model("accounts", "User")
    SafeguardingConcern = apps.get_model("accounts", "SafeguardingConcern")

    for event in _events(AuditEvent, "helper_check.revoked"):
        reason = (event.data or {}).get("reason") or ""
        if reason and event.target_id:
            HelperCheck.objects.filter(pk=event.target_id, revoked_reason="").update(
                revoked_reason=reason
            )

    # Suspensions and reinstatements of each person, in the order they happened.
    timeline = sorted(
        list(_events(AuditEvent, "person.suspended")) + list(_events(AuditEvent, "person.reinstated")),
        key=lambda e: (e.created_at, e.id),
    )
    open_by_person = {}
    for event in timeline:
        data = event.data or {}
        person_id = event.target_id
        if person_id is None or not User.objects.filter(pk=person_id).exists():
            continue
        if event.verb == "person.suspended":
            if person_id in open_by_person:
                continue  # cannot happen in practice: a suspended person is not suspended again
            council_id = event.council_id or User.objects.get(pk=person_id).council_id
            if council_id is None:
                continue
            concern_id = data.get("concern_id")
            if concern_id and not SafeguardingConcern.objects.filter(pk=concern_id).exists():
                concern_id = None
            open_by_person[person_id] = Suspension.objects.create(
                person_id=person_id,
                council_id=council_id,
                concern_id=concern_id,
                reason=data.get("reason") or "",
                suspended_by_id=event.actor_id,
                suspended_at=event.created_at,
            )
        else:
            suspension = open_by_person.pop(person_id, None)
            if suspension is None:
                continue
            suspension.reinstated_by_id = event.actor_id
            suspension.reinstated_at = event.created_at
            suspension.reinstatement_note = data.get("note") or ""
            suspension.save(
                update_fields=["reinstated_by", "reinstated_at", "reinstatement_note"]
            )


def backwards(apps, schema_editor):
    apps.get_model("accounts", "Suspension").objects.all().delete()
    apps.get_model("accounts", "HelperCheck").objects.exclude(revoked_reason="").update(
        revoked_reason=""
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_reasons_on_records"),
        ("marketplace", "0002_needs_offers"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
