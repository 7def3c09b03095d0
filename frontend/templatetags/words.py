"""Template filters for words shown back to people (`frontend.words`)."""

from __future__ import annotations

from django import template

from frontend.words import languages_said, urgency_said

register = template.Library()

register.filter("urgency_said", urgency_said)
register.filter("languages_said", languages_said)
