"""Domain errors raised by services and turned into clear 400 responses by the API."""

from django.utils.functional import Promise
from django.utils.translation import gettext


class ApplicationError(Exception):
    """A business rule refused the request. `message` is shown to the person as it is."""

    def __init__(self, message: str | Promise, *, code: str = "invalid", extra: dict | None = None):
        # Words marked with gettext_lazy become text now, in the language of the request.
        message = str(message)
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}


class NotFound(ApplicationError):
    """The object does not exist or the caller may not see it (the two are never told apart)."""

    def __init__(self, message: str | Promise | None = None):
        super().__init__(gettext("Not found.") if message is None else message, code="not_found")
