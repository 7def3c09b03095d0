"""Categories get their name and description in Welsh, and Kith's own categories (added by
0003) get Kith's Welsh. A category a council renamed keeps its words: only a blank Welsh
name or description is filled."""

from django.db import migrations, models

# slug -> (name in Welsh, description in Welsh)
WELSH = {
    "hot-meals": (
        "Prydau poeth",
        "Cyfran ychwanegol o bryd wedi’i goginio gartref, wedi’i gludo at y drws.",
    ),
    "shopping": ("Siopa a negeseuon", "Casglu siopa, presgripsiynau neu barseli."),
    "befriending": (
        "Cyfeillio a sgyrsiau i gadw mewn cysylltiad",
        "Sgwrs reolaidd, wyneb yn wyneb neu ar y ffôn.",
    ),
    "lifts": (
        "Lifftiau i apwyntiadau",
        "Lifft at y meddyg, i’r ysbyty neu i apwyntiad arall.",
    ),
    "gardening": ("Garddio", "Torri gwair, chwynnu a thacluso gardd."),
    "small-repairs": (
        "Mân atgyweiriadau",
        "Newid bwlb, trwsio silff, mân dasgau o gwmpas y cartref.",
    ),
    "technology": (
        "Help gyda thechnoleg",
        "Ffonau, tabledi, galwadau fideo a mynd ar-lein.",
    ),
    "forms-letters": (
        "Help gyda ffurflenni a llythyrau",
        "Darllen a llenwi ffurflenni a llythyrau (nid trin arian).",
    ),
    "dog-walking": (
        "Mynd â chŵn am dro",
        "Mynd â chi am dro pan na all ei berchennog wneud hynny.",
    ),
    "personal-care": ("Gofal personol ysgafn", "Help gydag ymolchi, gwisgo neu fwyta."),
}


def add_welsh(apps, schema_editor):
    Category = apps.get_model("marketplace", "Category")
    for slug, (name_cy, description_cy) in WELSH.items():
        Category.objects.filter(slug=slug, name_cy="").update(name_cy=name_cy)
        Category.objects.filter(slug=slug, description_cy="").update(description_cy=description_cy)


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0008_category_requirements")]

    operations = [
        migrations.AddField(
            model_name="category",
            name="name_cy",
            field=models.CharField(
                blank=True, default="", max_length=60, verbose_name="name in Welsh"
            ),
        ),
        migrations.AddField(
            model_name="category",
            name="description_cy",
            field=models.CharField(
                blank=True, default="", max_length=300, verbose_name="description in Welsh"
            ),
        ),
        migrations.RunPython(add_welsh, migrations.RunPython.noop),
    ]
