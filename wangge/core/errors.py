"""One hierarchy of domain errors. Every interface maps it once: the API to a JSON body with a status,
pages to a form error, the CLI to exit code 2 with a one-line message."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str
    row: int | None = None

    def __str__(self) -> str:
        where = f"第{self.row}行 " if self.row is not None else ""
        return f"{where}{self.field}: {self.message}"

    def as_dict(self) -> dict:
        data = {"field": self.field, "message": self.message}
        if self.row is not None:
            data["row"] = self.row
        return data


class ApplicationError(Exception):
    """A rule of the domain said no. `message` is for people; `errors` name the fields."""

    status = 400

    def __init__(self, message: str, *, errors: list[FieldError] | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = list(errors or [])
        self.extra = dict(extra or {})

    def __str__(self) -> str:
        if not self.errors:
            return self.message
        return "; ".join(str(e) for e in self.errors)


class InvalidInput(ApplicationError):
    """One or more fields are wrong. Build with `InvalidInput.field("身份证号", "校验位错误")`."""

    status = 422

    @classmethod
    def field(cls, field: str, message: str, *, row: int | None = None) -> InvalidInput:
        return cls(message, errors=[FieldError(field, message, row)])

    @classmethod
    def from_django(cls, exc) -> InvalidInput:
        """Turn a django ValidationError from full_clean() into field errors."""
        errors = []
        if hasattr(exc, "message_dict"):
            for field, messages in exc.message_dict.items():
                for message in messages:
                    errors.append(FieldError("non_field" if field == "__all__" else field, str(message)))
        else:
            errors = [FieldError("non_field", str(m)) for m in exc.messages]
        return cls(errors[0].message if errors else str(exc), errors=errors)


class NotFound(ApplicationError):
    """Missing, or outside the actor's scope: both answer the same so that ids don't leak."""

    status = 404


class PermissionDenied(ApplicationError):
    """Inside the actor's scope, but their role may not do this."""

    status = 403


class Conflict(ApplicationError):
    status = 409


class NotAuthenticated(ApplicationError):
    status = 401


def full_clean(obj, **kwargs) -> None:
    """`obj.full_clean(**kwargs)`, raising InvalidInput that names each failing field."""
    from django.core.exceptions import ValidationError

    try:
        obj.full_clean(**kwargs)
    except ValidationError as exc:
        raise InvalidInput.from_django(exc) from exc


def one_of(value, choices, field: str, what: str = "值") -> None:
    """Refuse a filter or field `value` that is not among `choices` (a model's TextChoices values, say),
    naming `field` and listing what would have been accepted."""
    if value not in choices:
        raise InvalidInput.field(field, f"未知{what} {value!r}，应为 {'、'.join(map(str, choices))} 之一")
