"""Absolute links for messages that leave Kith (email, text messages, letters)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sites.models import Site


def base_url() -> str:
    """`KITH_BASE_URL` when set (it must be in production, see docs/deploy.md), else the
    current Site's domain over HTTPS."""
    configured = getattr(settings, "KITH_BASE_URL", "")
    if configured:
        return configured.rstrip("/")
    return f"https://{Site.objects.get_current().domain}"


def absolute_url(path: str) -> str:
    if not path or "://" in path:
        return path
    return base_url() + (path if path.startswith("/") else f"/{path}")
