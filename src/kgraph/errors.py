"""The one exception hierarchy of kgraph.

Every error knows how it is shown: the HTTP status the web layer answers with and the exit code
the CLI ends with. Faults of kgraph itself or of its storage are never disguised as user errors.

    KgraphError                      (500, exit 1)  base; a fault unless a subclass says otherwise
    ├── UserError                    (400, exit 2)  the input is wrong; nothing was changed
    │   ├── ParseError               (400, exit 2)  RDF that does not parse: file:line:column
    │   ├── QueryError               (400, exit 2)  SPARQL that does not parse: line:column
    │   ├── AuthoringError           (400, exit 2)  an authoring (YAML) file with a problem: file:line
    │   └── ValidationFailed         (422, exit 3)  data that violates the shapes; carries the report
    └── StoreError                   (500, exit 1)  the store failed (I/O, corruption): a real fault
"""

from __future__ import annotations

from dataclasses import dataclass


class KgraphError(Exception):
    """Base of every kgraph error. On its own it is a fault of kgraph (HTTP 500)."""

    http_status: int = 500
    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UserError(KgraphError):
    """The input was wrong; the store is exactly as it was before."""

    http_status = 400
    exit_code = 2


@dataclass(frozen=True)
class Location:
    """Where in a text a problem is: 1-based line and column, and the file if there is one."""

    line: int | None = None
    column: int | None = None
    source: str | None = None

    def __str__(self) -> str:
        parts = [self.source or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class ParseError(UserError):
    """An RDF document that does not parse."""

    def __init__(self, message: str, location: Location) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location
        self.detail = message


class QueryError(UserError):
    """A SPARQL query or update that does not parse, or that asks for something refused."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        text = f"{location}: {message}" if location and location.line is not None else message
        super().__init__(text)
        self.location = location
        self.detail = message


class AuthoringError(UserError):
    """An authoring file (YAML claims) with a problem, reported with its file and line."""

    def __init__(self, message: str, location: Location) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location
        self.detail = message


class ValidationFailed(UserError):
    """Data that does not conform to the shapes. `report` holds the readable results."""

    http_status = 422
    exit_code = 3

    def __init__(self, message: str, report: object) -> None:
        super().__init__(message)
        self.report = report


class StoreError(KgraphError):
    """The store failed to read or write. A fault, never the user's input."""
