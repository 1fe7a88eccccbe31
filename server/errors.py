"""Errors of the domain core. Each carries a message in English (a Babel msgid) that the web
layers translate into the page's language, and the HTTP status it maps to."""


def N_(message: str) -> str:
    """Marks a message for translation where it is defined; it is translated where it is shown."""
    return message


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    """The action is not possible in the current state (e.g. finishing a ticket not called)."""

    status_code = 409


class Invalid(DomainError):
    status_code = 422


class BadRequest(DomainError):
    """The request itself is malformed (not JSON, not an object)."""

    status_code = 400


# The largest id an INTEGER column holds on PostgreSQL (SQLite's is larger).
MAX_ROW_ID = 2**31 - 1


def check_row_ids(path_params: dict) -> None:
    """An address's numeric ids (``{id:int}`` takes any digits) that no row can have: a 404, not a
    database error."""
    if any(isinstance(v, int) and v > MAX_ROW_ID for v in path_params.values()):
        raise NotFound(N_("This page does not exist."))
