"""What the web pages remember about a person beyond their account: whether they came to ask
for help, to help, or both, so the pages can put the right things first."""

from django.conf import settings
from django.db import models


class WebProfile(models.Model):
    class Role(models.TextChoices):
        NEED = "need", "I need help"
        HELP = "help", "I can help"
        BOTH = "both", "Both"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="web_profile"
    )
    role = models.CharField(max_length=4, choices=Role.choices, default=Role.NEED)
    onboarded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.get_role_display()}"

    @property
    def wants_help(self) -> bool:
        return self.role in (self.Role.NEED, self.Role.BOTH)

    @property
    def can_help(self) -> bool:
        return self.role in (self.Role.HELP, self.Role.BOTH)
