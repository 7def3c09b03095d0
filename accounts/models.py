"""People and their profiles, councils, and the staff roles that decide what each person may do."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.gis.db import models as gis
from django.contrib.postgres.fields import ArrayField
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.contact_details import name_has_contact_details
from core.welsh import in_active_language


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who uses Kith. The email address is the login; there is no username.

    `is_staff` is Django admin access (superusers only). Council staff are people with a
    `StaffMembership`; they are not Django staff.
    """

    class Gender(models.TextChoices):
        WOMAN = "woman", _("Woman")
        MAN = "man", _("Man")
        NON_BINARY = "non_binary", _("Non-binary")
        UNSAID = "", _("Prefer not to say")

    # None for a person who is not online (recorded by staff or a referrer, reached by text or
    # letter) until they claim an online account; unique in any case wherever present.
    email = models.EmailField("email address", max_length=254, unique=True, null=True, blank=True)
    display_name = models.CharField(max_length=60, blank=True)
    phone = models.CharField(
        max_length=20, blank=True, help_text=_("Private; never shown to others.")
    )
    preferred_languages = ArrayField(
        models.CharField(max_length=35), default=list, blank=True, size=10
    )
    gender = models.CharField(max_length=12, choices=Gender.choices, blank=True)
    # The person's home, stored exactly for matching; shown exactly only to them and to staff
    # of their council. Everyone else sees `approximate_location` (see places.geo).
    home_postcode = models.CharField(max_length=8, blank=True)
    home_location = gis.PointField(geography=True, null=True, blank=True)
    council = models.ForeignKey(
        "accounts.Council", null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email or f"Person {self.pk}"

    @property
    def is_online(self) -> bool:
        """Whether the person has an online account (an email address to sign in with)."""
        return bool(self.email)

    @property
    def public_name(self) -> str:
        """What other people see: the display name, or a neutral stand-in. Never the email,
        and never a name that holds contact details (a phone number or an email address typed
        in as a name, or saved before names were checked): the stand-in instead, everywhere
        another person reads it."""
        name = self.display_name
        if not name or name_has_contact_details(name):
            return f"Kith member {self.pk}"
        return name

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None


class Council(models.Model):
    """A local authority running Kith in its area: the tenant that owns listings and staff."""

    name = models.CharField(max_length=120)
    # The council's name in Welsh, shown on pages in Welsh (`local_name`); blank: the English.
    name_cy = models.CharField("name in Welsh", max_length=120, blank=True, default="")
    slug = models.SlugField(max_length=120, unique=True)
    code = models.CharField(
        max_length=12, unique=True, help_text=_("ONS local authority code, e.g. E06000001.")
    )
    boundary = gis.MultiPolygonField(srid=4326)
    contact_email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)
    max_travel_radius_m = models.PositiveIntegerField(
        default=8000, help_text=_("The furthest a helper may offer to travel, in metres.")
    )
    auto_approve_verified_helpers = models.BooleanField(
        default=False,
        help_text=_("Publish offers from ID-checked helpers without waiting for review."),
    )
    settings = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Further per-council settings (matching weights, unit costs, retention)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_travel_radius_m__gte=100)
                & models.Q(max_travel_radius_m__lte=50000),
                name="council_max_radius_sane",
            ),
        ]

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        """The council's name in the active language (the English when it has no Welsh)."""
        return in_active_language(self.name, self.name_cy)


class StaffMembership(models.Model):
    """A person working for one council in one role. Staff belong to exactly one council."""

    class Role(models.TextChoices):
        MODERATOR = "moderator", _("Moderator")
        SAFEGUARDING_LEAD = "safeguarding_lead", _("Safeguarding lead")
        COUNCIL_ADMIN = "council_admin", _("Council admin")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="staff_membership")
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="staff")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} at {self.council}"


class WebProfile(models.Model):
    """What the web pages remember about a person beyond their account: whether they came to
    ask for help, to help, or both, so the pages can put the right things first."""

    class Role(models.TextChoices):
        NEED = "need", _("I need help")
        HELP = "help", _("I can help")
        BOTH = "both", _("Both")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="web_profile")
    role = models.CharField(max_length=4, choices=Role.choices, default=Role.NEED)
    onboarded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "frontend_webprofile"

    def __str__(self) -> str:
        return f"{self.user_id}: {self.get_role_display()}"

    @property
    def wants_help(self) -> bool:
        return self.role in (self.Role.NEED, self.Role.BOTH)

    @property
    def can_help(self) -> bool:
        return self.role in (self.Role.HELP, self.Role.BOTH)


class PersonSession(AbstractBaseSession):
    """A web session, stored as Django's database sessions are, plus the id of the person
    signed in to it (`accounts.sessions.SessionStore` keeps it up to date on every save), so
    that a person's sessions can be found and ended without decoding everyone's."""

    # No database constraint: a session may outlive a deleted account by a request; deleting
    # a person still deletes their sessions (Django's cascade).
    user = models.ForeignKey(
        User, null=True, on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )

    class Meta(AbstractBaseSession.Meta):
        db_table = "accounts_session"


class StaffInvitation(models.Model):
    """A one-time link with which a member of staff sets up their authenticator app.

    Council staff and platform operators cannot add an authenticator with their password
    alone (whoever knew the password could then open the console): a council admin (or, for
    operators, `manage.py staff_setup_link`) sends this link to the person's own address.
    Only a digest of the token is stored. A new link replaces any earlier unused one."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_invitations")
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["user", "used_at"], name="staffinvite_user_used")]

    def __str__(self) -> str:
        return f"Set-up link for user {self.user_id}"


class OfflinePerson(models.Model):
    """A person recorded without an email address by council staff (or a referrer) with their
    consent: reached by text message or letter, until they claim an online account with a
    one-time code (`ClaimCode`)."""

    class Route(models.TextChoices):
        TEXT = "text", _("Text message")
        LETTER = "letter", _("Letter")

    class Consent(models.TextChoices):
        PHONE = "phone", _("Said yes on the phone")
        IN_PERSON = "in_person", _("Said yes in person")
        WRITING = "writing", _("Agreed in writing")

    person = models.OneToOneField(User, on_delete=models.CASCADE, related_name="offline")
    preferred_route = models.CharField(max_length=6, choices=Route.choices)
    consent_how = models.CharField(max_length=10, choices=Consent.choices)
    consent_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Person {self.person_id}, not online ({self.preferred_route})"


class ClaimCode(models.Model):
    """A one-time code, sent by text or letter to a person who is not online, with which they
    claim an online account. Only a digest (bound to the person) is stored."""

    class Channel(models.TextChoices):
        TEXT = "text", _("Text message")
        LETTER = "letter", _("Letter")

    person = models.ForeignKey(User, on_delete=models.CASCADE, related_name="claim_codes")
    channel = models.CharField(max_length=6, choices=Channel.choices)
    reference = models.CharField(max_length=12, unique=True, help_text=_("Printed on a letter."))
    sent_to_mobile = models.CharField(max_length=16, blank=True)
    code_digest = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["sent_to_mobile", "used_at"], name="claimcode_mobile_used")
        ]

    def __str__(self) -> str:
        return f"Claim code {self.reference} for person {self.person_id}"


class FormDraft(models.Model):
    """A form asked one question per page that a person started and has not sent (a need, an
    offer): kept on their account, so that signing out, a timeout or another device loses
    nothing they typed (`accounts.drafts`)."""

    person = models.ForeignKey(User, on_delete=models.CASCADE, related_name="form_drafts")
    form = models.CharField(max_length=40)
    answers = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "form"], name="one_draft_per_form"),
        ]

    def __str__(self) -> str:
        return f"{self.form} draft of person {self.person_id}"


# The personal access token lives in its own module; imported here so Django finds it.
from accounts.token_models import PersonalAccessToken  # noqa: E402, F401
