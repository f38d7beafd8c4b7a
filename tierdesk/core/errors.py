"""One error hierarchy with stable codes.

Every refusal the domain can give is a `DomainError`. The HTML views render it, the API
turns it into `{"code", "message", "missing"?, "fields"?}` with its `status`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Missing:
    """One gate item that is not satisfied: a stable code and a human message."""

    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class DomainError(Exception):
    status = 400
    code = "error"
    # Seconds after which trying again may succeed (the API sends it as Retry-After).
    retry_after: int | None = None

    def __init__(self, message: str, *, code: str | None = None, retry_after: int | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if retry_after is not None:
            self.retry_after = retry_after

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


class NotFound(DomainError):
    """The same answer for "does not exist" and "exists but is not yours"."""

    status = 404
    code = "not_found"

    def __init__(self, message: str = "Not found.", *, code: str | None = None):
        super().__init__(message, code=code)


class Forbidden(DomainError):
    """The actor may see the object but their role may not do this."""

    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """Wrong state for the action, or a stale version."""

    status = 409
    code = "conflict"


class WrongState(Conflict):
    code = "wrong_state"


class StaleVersion(Conflict):
    code = "stale_version"
    # The version the caller saw and the current one, when the refusing service knows.
    seen: int | None = None
    current: int | None = None


class PreconditionFailed(DomainError):
    """The `If-Match` of a request names a version the resource no longer has."""

    status = 412
    code = "precondition_failed"


class InvalidInput(DomainError):
    """Fields that are malformed: `fields` maps each field name to the reason."""

    status = 422
    code = "invalid"

    def __init__(self, fields: dict[str, str], message: str | None = None):
        self.fields = dict(fields)
        summary = "; ".join(f"{name}: {reason}" for name, reason in self.fields.items())
        super().__init__(message or f"Invalid input — {summary}")

    def as_dict(self) -> dict:
        return {**super().as_dict(), "fields": self.fields}


class TransitionRefused(DomainError):
    """A gate refused the move: `missing` lists every unsatisfied item."""

    status = 422
    code = "gate_refused"

    def __init__(self, message: str, *, missing: list[Missing], code: str | None = None):
        super().__init__(message, code=code)
        self.missing = list(missing)

    def as_dict(self) -> dict:
        return {**super().as_dict(), "missing": [m.as_dict() for m in self.missing]}


class PayloadTooLarge(DomainError):
    status = 413
    code = "too_large"


class ScanUnavailable(DomainError):
    """An upload could not be scanned for viruses (`core/antivirus.py`): the scanner is
    down or gave no usable answer. Nothing is stored; trying again later may succeed."""

    status = 503
    code = "scan_unavailable"
    retry_after = 60

    def __init__(self, message: str = ""):
        super().__init__(
            message
            or "The file could not be scanned for viruses, so it was not stored; "
            "try again in a few minutes."
        )


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"
