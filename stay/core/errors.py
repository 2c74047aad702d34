"""Errors the domain raises; the HTTP and CLI edges turn them into clear messages."""


class StayError(Exception):
    """Base for errors a caller can act on. ``str()`` says what to fix; ``code`` is a stable,
    machine-readable name a client can branch on (``card_expired``), empty when there is none."""

    code = ""

    def __init__(self, message: str = "", *, code: str = ""):
        super().__init__(message)
        if code:
            self.code = code


class InvalidInput(StayError):
    """The input is malformed or incomplete. Maps to HTTP 400."""


class NotFound(StayError):
    """Maps to HTTP 404."""


class NotAllowed(StayError):
    """The caller is known but may not do this (HTTP 403)."""


class Conflict(StayError):
    """The input refers to something not known yet, or clashes with the stored state (HTTP 409)."""


class RateLimited(StayError):
    """Too many attempts from one client or on one thing; try again later (HTTP 429)."""

    code = "rate_limited"

    def __init__(self, message: str = "", *, retry_after: int = 60, code: str = ""):
        super().__init__(message, code=code)
        self.retry_after = retry_after
