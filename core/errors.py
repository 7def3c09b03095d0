"""Domain errors raised by services and turned into clear 400 responses by the API."""


class ApplicationError(Exception):
    """A business rule refused the request. `message` is shown to the person as it is."""

    def __init__(self, message: str, *, code: str = "invalid", extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}


class NotFound(ApplicationError):
    """The object does not exist or the caller may not see it (the two are never told apart)."""

    def __init__(self, message: str = "Not found."):
        super().__init__(message, code="not_found")
