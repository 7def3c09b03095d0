"""Kith's rooms, as installed: each keeps its Welsh in `<room>/locale/cy/` (docs/welsh.md)."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def rooms() -> list[str]:
    """The installed apps that are Kith's own code (demo data is not shown to anyone)."""
    return sorted(
        {
            Path(app.path).relative_to(ROOT).parts[0]
            for app in apps.get_app_configs()
            if Path(app.path).is_relative_to(ROOT)
            and "site-packages" not in Path(app.path).parts
            and app.label != "demo"
        }
    )
