"""The marketplace: categories, needs, offers and their weekly availability.

Exact locations (`location`) are personal data: they are read only by matching and shown only
to the owner and staff of the owning council. Everyone else gets `approx_location`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models as gis
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GistIndex
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Council
from core.welsh import in_active_language
from trust.models import HelperCheck, VerificationLevel


class Category(models.Model):
    """A kind of help, with the vetting a helper needs before offering it."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=60)
    description = models.CharField(max_length=300, blank=True)
    # The Welsh, shown on pages in Welsh (`local_name`, `local_description`); blank: English.
    name_cy = models.CharField("name in Welsh", max_length=60, blank=True, default="")
    description_cy = models.CharField(
        "description in Welsh", max_length=300, blank=True, default=""
    )
    required_level = models.PositiveSmallIntegerField(
        choices=VerificationLevel.choices, default=VerificationLevel.NONE
    )
    is_regulated_activity = models.BooleanField(
        default=False,
        help_text=_("Regulated activity with adults (Protection of Freedoms Act 2012, s.66)."),
    )
    is_meal = models.BooleanField(default=False, help_text=_("Dietary requirements apply."))
    first_meeting = models.BooleanField(
        default=False,
        help_text=_("Ongoing help starts with an introductory visit and the safety checklist."),
    )
    sort_order = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        """The name in the active language: the Welsh on a page in Welsh, when there is one;
        the English otherwise."""
        return in_active_language(self.name, self.name_cy)

    @property
    def local_description(self) -> str:
        """The description in the active language, as `local_name`."""
        return in_active_language(self.description, self.description_cy)


class CouncilCategory(models.Model):
    """A council's switch for a category. No row means the category is on."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="category_settings")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["council", "category"], name="council_category_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category} at {self.council}: {'on' if self.enabled else 'off'}"


class CategoryRequirement(models.Model):
    """A check a category needs of its helpers, and how many (references: two).

    Rows without a council are Kith's defaults (set by migration 0008); a council's own rows
    add to them. Nothing goes below the legal floor of the category's `required_level`
    (`trust.vetting.floor_for_level`), whatever the rows say (`marketplace.vetting`)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="requirements")
    council = models.ForeignKey(
        Council, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=HelperCheck.Kind.choices)
    count = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["category", "kind"],
                condition=models.Q(council__isnull=True),
                name="categoryrequirement_default_unique",
            ),
            models.UniqueConstraint(
                fields=["category", "council", "kind"],
                condition=models.Q(council__isnull=False),
                name="categoryrequirement_council_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(count__gte=1, count__lte=5), name="categoryrequirement_count"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} needs {self.count} × {self.kind}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


#: "Mondays" and so on, by weekday number: when an offer's helper is free each week.
WEEKDAYS_PLURAL = [
    _("Mondays"),
    _("Tuesdays"),
    _("Wednesdays"),
    _("Thursdays"),
    _("Fridays"),
    _("Saturdays"),
    _("Sundays"),
]


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    SOON = "soon", _("Soon")
    URGENT = "urgent", _("Urgent")


class DietaryTag(models.TextChoices):
    VEGETARIAN = "vegetarian", _("Vegetarian")
    VEGAN = "vegan", _("Vegan")
    HALAL = "halal", _("Halal")
    KOSHER = "kosher", _("Kosher")
    GLUTEN_FREE = "gluten_free", _("Gluten-free")
    DIABETIC_FRIENDLY = "diabetic_friendly", _("Diabetic-friendly")
    DAIRY_FREE = "dairy_free", _("Dairy-free")
    NUT_FREE = "nut_free", _("Nut-free")
    SOFT_FOOD = "soft_food", _("Soft food")


class GenderPreference(models.TextChoices):
    ANY = "", _("No preference")
    WOMAN = "woman", _("A woman")
    MAN = "man", _("A man")


class Listing(models.Model):
    """What needs and offers share: an owner, a council, a category and a place."""

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    description = models.TextField(max_length=2000)
    postcode = models.CharField(max_length=8, blank=True)
    # Exact point (geography: distances in metres). Private: see the module docstring.
    location = gis.PointField(geography=True)
    # The centre of the grid cell holding `location`: the only location others ever see.
    approx_location = gis.PointField(geography=True)
    languages = ArrayField(models.CharField(max_length=35), default=list, blank=True, size=10)
    rejection_reason = models.CharField(max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1, help_text=_("Bumped on every edit."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Need(Listing):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_REVIEW = "pending_review", _("Waiting for review")
        OPEN = "open", _("Open")
        MATCHED = "matched", _("Matched")
        CLOSED = "closed", _("Closed")

    class ClosedReason(models.TextChoices):
        NONE = "", "—"
        FULFILLED = "fulfilled", _("Fulfilled")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")
        REJECTED = "rejected", _("Rejected")

    class Timing(models.TextChoices):
        ONE_OFF = "one_off", _("Once")
        WEEKLY = "weekly", _("Every week")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="needs"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs_recorded",
        help_text=_("Council staff who recorded this need on the owner's behalf."),
    )
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    consent_note = models.CharField(max_length=300, blank=True)
    title = models.CharField(max_length=80)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    closed_reason = models.CharField(
        max_length=12, choices=ClosedReason.choices, default=ClosedReason.NONE, blank=True
    )
    timing = models.CharField(max_length=8, choices=Timing.choices, default=Timing.WEEKLY)
    starts_at = models.DateTimeField(null=True, blank=True, help_text=_("One-off window start."))
    ends_at = models.DateTimeField(null=True, blank=True, help_text=_("One-off window end."))
    urgency = models.CharField(max_length=8, choices=Urgency.choices, default=Urgency.ROUTINE)
    helper_gender_preference = models.CharField(
        max_length=8, choices=GenderPreference.choices, default=GenderPreference.ANY, blank=True
    )
    dietary_requirements = ArrayField(
        models.CharField(max_length=20, choices=DietaryTag.choices), default=list, blank=True
    )
    helpers_wanted = models.PositiveSmallIntegerField(default=1)
    expires_at = models.DateTimeField(null=True, blank=True)
    review_after_open = models.BooleanField(
        default=False,
        db_default=False,
        help_text=_(
            "Opened at once without waiting for review (an urgent need from someone in "
            "good standing, where the council allows it): a moderator still has to look at it."
        ),
    )

    class Meta:
        indexes = [
            models.Index(fields=["council", "status"]),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["category", "status"], name="need_category_status"),
            # "Near me" browsing: open needs by distance to their approximate location.
            GistIndex(
                fields=["approx_location"],
                condition=models.Q(status="open"),
                name="need_open_approx_gist",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(helpers_wanted__gte=1) & models.Q(helpers_wanted__lte=10),
                name="need_helpers_wanted_range",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(starts_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="need_window_order",
            ),
            models.CheckConstraint(
                condition=models.Q(status="closed") | models.Q(closed_reason=""),
                name="need_closed_reason_only_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Offer(Listing):
    class Status(models.TextChoices):
        PENDING_REVIEW = "pending_review", _("Waiting for review")
        OPEN = "open", _("Open")
        PAUSED = "paused", _("Paused")
        CLOSED = "closed", _("Closed")

    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="offers"
    )
    title = models.CharField(max_length=80, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING_REVIEW)
    radius_m = models.PositiveIntegerField(
        help_text=_("How far the helper will travel, in metres.")
    )
    capacity = models.PositiveSmallIntegerField(
        default=1, help_text=_("How many people the helper can help at once.")
    )
    dietary_capabilities = ArrayField(
        models.CharField(max_length=20, choices=DietaryTag.choices), default=list, blank=True
    )

    class Meta:
        indexes = [
            models.Index(fields=["council", "status"]),
            models.Index(fields=["helper", "status"]),
            models.Index(fields=["category", "status"], name="offer_category_status"),
            GistIndex(
                fields=["approx_location"],
                condition=models.Q(status="open"),
                name="offer_open_approx_gist",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(radius_m__gte=100) & models.Q(radius_m__lte=50000),
                name="offer_radius_range",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1) & models.Q(capacity__lte=20),
                name="offer_capacity_range",
            ),
        ]

    def __str__(self) -> str:
        # Not `label()`: that reads the weekly times, a query per offer where str() is used
        # on lists that do not prefetch them (the matching API, the staff console).
        return self.title or gettext("%(category)s offer") % {"category": self.category}

    def label(self) -> str:
        """The one name of an offer wherever its helper picks or sees it among their others:
        the title they gave it, else a summary that tells two offers of one kind apart, such
        as "Hot meals – Mondays and Wednesdays, within 3 km". Reads the weekly times
        (prefetch `slots` when labelling a list)."""
        if self.title:
            return self.title
        days = sorted({slot.weekday for slot in self.slots.all()}) if self.pk else []
        if not days:
            when = gettext("any day")
        elif len(days) == len(Weekday):
            when = gettext("every day")
        else:
            names = [str(WEEKDAYS_PLURAL[day]) for day in days]
            when = (
                names[0]
                if len(names) == 1
                else gettext("%(days)s and %(last)s")
                % {"days": ", ".join(names[:-1]), "last": names[-1]}
            )
        if self.radius_m < 1000:
            far = gettext("%(metres)s metres") % {"metres": self.radius_m}
        else:
            far = gettext("%(km)s km") % {"km": f"{round(self.radius_m / 1000, 1):g}"}
        return gettext("%(category)s – %(when)s, within %(distance)s") % {
            "category": self.category.local_name,
            "when": when,
            "distance": far,
        }


class Slot(models.Model):
    """A weekly time slot: a weekday and a start and end time (local time)."""

    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        abstract = True
        ordering = ["weekday", "start"]


class NeedSlot(Slot):
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="slots")

    class Meta(Slot.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="needslot_end_after_start"
            ),
            models.UniqueConstraint(
                fields=["need", "weekday", "start"], name="needslot_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class OfferSlot(Slot):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="slots")

    class Meta(Slot.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="offerslot_end_after_start"
            ),
            models.UniqueConstraint(
                fields=["offer", "weekday", "start"], name="offerslot_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"
