"""Every field of every model Kith holds, declared personal or not personal; for each personal
field, what erasure and retention do with it and why the download withholds it, if it does.
What counts as personal, and how to add a field: see the package docstring.
"""

from __future__ import annotations

from .declared_contact import CONTACT
from .declared_help import HELP
from .declared_partners import PARTNERS
from .declared_people import PEOPLE
from .reasons import ERASED_TEXT, LEFT_KITH_REASON, REDACTED_TEXT
from .vocabulary import Declared

__all__ = ["DECLARED", "ERASED_TEXT", "LEFT_KITH_REASON", "REDACTED_TEXT"]

# By subject, one module each; in this order (erasure and retention walk it in turn).
DECLARED: tuple[Declared, ...] = (*PEOPLE, *HELP, *CONTACT, *PARTNERS)
