"""One declaration of the personal data Kith holds, read by erasure (`privacy.erasure`),
retention (`privacy.retention`) and "download my data" (`privacy.export`), none of which keeps
its own list of fields:

- `fields.DECLARED`: every field of every model, personal or not personal; for each personal
  field what erasure does with it (clear it, replace it with `ERASED_TEXT`, replace the exact
  point with the grid cell, keep it as the council's record, ...), what retention does with it,
  and why the download withholds it if it does; for each model, how erasure finds the
  person's rows and whether it deletes, redacts or keeps them.
- `download.DOWNLOAD`: what the download shows, section by section.
- `vocabulary`: the words of the declaration (`Rows`, `Treatment`, `Personal`, `Form`, ...).

Personal here means what identifies, describes, locates or reaches a person, what they or
anyone else typed, and what lets them sign in. Not personal: keys and links (a link to a person
is an id, which is how the council's records name someone erased), lifecycle states and their
times, categories, councils, counts, and the published grid-cell centre.

`tests/privacy/test_personal_data.py` fails while any field of any Kith model is undeclared, and
while a personal field the download does not withhold has no column in it. To add a personal
field: declare it in its model's `personal` with its treatments, then give it a column in
`DOWNLOAD` or say in `withheld` why the download leaves it out.
"""

from __future__ import annotations

from django.db import models

from .download import DOWNLOAD
from .fields import DECLARED, ERASED_TEXT, LEFT_KITH_REASON, REDACTED_TEXT
from .vocabulary import Declared

__all__ = [
    "DECLARED",
    "DOWNLOAD",
    "ERASED_TEXT",
    "LEFT_KITH_REASON",
    "REDACTED_TEXT",
    "declared_for",
]

_BY_MODEL = {declared.model: declared for declared in DECLARED}


def declared_for(model: type[models.Model]) -> Declared:
    """The declaration of `model` (KeyError for a model nobody declared)."""
    return _BY_MODEL[model]
