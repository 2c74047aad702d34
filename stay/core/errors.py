"""Errors the domain raises; the HTTP and CLI edges turn them into clear messages."""


class StayError(Exception):
    """Base for errors a caller can act on. ``str()`` says what to fix."""


class InvalidInput(StayError):
    """The input is malformed or incomplete. Maps to HTTP 400."""


class NotFound(StayError):
    """Maps to HTTP 404."""


class Conflict(StayError):
    """The input refers to something not known yet, or clashes with the stored state (HTTP 409)."""
