"""Partner organisations (a GP practice's link workers, a hospital discharge team, a charity)
that refer people to a council's Kith, their referrers, and the referrals they record.

A referrer is an account tied to one organisation (and so to one council), held to the staff's
second-factor rule (`partners.apps`). A referral is a person and their need, recorded with the
person's consent: who gave it, how and when.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Council
from marketplace.models import Category, Need


class PartnerOrganisation(models.Model):
    class Kind(models.TextChoices):
        GP_PRACTICE = "gp_practice", _("GP practice")
        SOCIAL_PRESCRIBING = "social_prescribing", _("Social prescribing")
        HOSPITAL_DISCHARGE = "hospital_discharge", _("Hospital discharge team")
        CHARITY = "charity", _("Charity")
        OTHER = "other", _("Other")

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    contact_name = models.CharField(max_length=120)
    contact_email = models.EmailField()
    contact_phone = models.CharField(max_length=20, blank=True)
    categories = models.ManyToManyField(Category, related_name="+", blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspended_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "name"], name="partner_name_per_council")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None


class Referrer(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referrer"
    )
    organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="referrers"
    )
    active = models.BooleanField(default=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Referrer {self.user_id} of {self.organisation_id}"


class Referral(models.Model):
    class ConsentBy(models.TextChoices):
        PERSON = "person", _("The person themselves")
        REPRESENTATIVE = "representative", _("Someone who speaks for them")

    class ConsentHow(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        PHONE = "phone", _("On the phone")
        WRITING = "writing", _("In writing")

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="referrals"
    )
    referrer = models.ForeignKey(Referrer, on_delete=models.PROTECT, related_name="referrals")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    need = models.OneToOneField(Need, null=True, on_delete=models.SET_NULL, related_name="referral")
    consent_by = models.CharField(max_length=14, choices=ConsentBy.choices)
    consent_representative = models.CharField(
        max_length=120, blank=True, help_text=_("The name of whoever agreed for the person.")
    )
    consent_how = models.CharField(max_length=10, choices=ConsentHow.choices)
    consent_on = models.DateField()
    # People of the council who may be the same person (same phone, or name and postcode):
    # for staff to look at; the referrer is never shown them.
    possible_duplicates = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Referral {self.pk}"
