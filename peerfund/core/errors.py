"""Domain errors. Services raise these; the API renders them as
`{"code", "message", "extra"}` with their HTTP status, pages as banners or form errors.
"""
from typing import Any


class ApplicationError(Exception):
    """An error a person can act on: `message` is shown to them, `code` is stable for
    programs, `extra` carries the figures (e.g. the limit that was exceeded)."""

    status = 400

    def __init__(self, message: str, code: str = "invalid", extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = str(message)
        self.code = code
        self.extra = extra or {}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "extra": self.extra}


class NotFound(ApplicationError):
    status = 404


class Forbidden(ApplicationError):
    status = 403


class Conflict(ApplicationError):
    status = 409
