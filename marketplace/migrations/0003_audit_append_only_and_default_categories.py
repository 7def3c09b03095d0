from django.db import migrations

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION kith_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER marketplace_auditevent_append_only
    BEFORE UPDATE OR DELETE ON marketplace_auditevent
    FOR EACH ROW EXECUTE FUNCTION kith_audit_append_only();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS marketplace_auditevent_append_only ON marketplace_auditevent;
DROP FUNCTION IF EXISTS kith_audit_append_only();
"""

NONE, ID_CHECKED, ENHANCED = 0, 1, 2

# (slug, name, description, required level, regulated activity, meal)
# Shopping and household matters, lifts, and personal care for an adult who needs them because
# of age, illness or disability are regulated activity with no frequency test (Protection of
# Freedoms Act 2012, s.66), so those require an enhanced DBS check with the adults' barred list.
DEFAULT_CATEGORIES = [
    ("hot-meals", "Hot meals", "An extra portion of a home-cooked meal, brought to the door.", ID_CHECKED, False, True),
    ("shopping", "Shopping and errands", "Picking up shopping, prescriptions or parcels.", ENHANCED, True, False),
    ("befriending", "Befriending and check-in chats", "A regular chat, in person or on the phone.", ID_CHECKED, False, False),
    ("lifts", "Lifts to appointments", "A lift to the doctor, hospital or another appointment.", ENHANCED, True, False),
    ("gardening", "Gardening", "Mowing, weeding and tidying a garden.", ID_CHECKED, False, False),
    ("small-repairs", "Small repairs", "Changing a bulb, fixing a shelf, small jobs around the home.", ID_CHECKED, False, False),
    ("technology", "Help with technology", "Phones, tablets, video calls and getting online.", ID_CHECKED, False, False),
    ("forms-letters", "Help with forms and letters", "Reading and filling in forms and letters (not handling money).", ID_CHECKED, False, False),
    ("dog-walking", "Dog walking", "Walking a dog when its owner cannot.", NONE, False, False),
    ("personal-care", "Light personal care", "Help with washing, dressing or eating.", ENHANCED, True, False),
]


def add_categories(apps, schema_editor):
    Category = apps.get_model("marketplace", "Category")
    for order, (slug, name, description, level, regulated, meal) in enumerate(DEFAULT_CATEGORIES):
        Category.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "required_level": level,
                "is_regulated_activity": regulated,
                "is_meal": meal,
                "sort_order": (order + 1) * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0002_needs_offers")]

    operations = [
        migrations.RunSQL(APPEND_ONLY_SQL, DROP_SQL),
        migrations.RunPython(add_categories, migrations.RunPython.noop),
    ]
