"""Who may write: named Bearer tokens, compared in constant time.

KGRAPH_WRITE_TOKEN holds `name:secret` pairs separated by commas (a bare `secret` is named
`default`). With none configured the server is read-only (403); with some, a request without a
valid `Authorization: Bearer <secret>` gets 401 and `WWW-Authenticate: Bearer`. The write log
records the token's name, never its secret.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass


@dataclass(frozen=True)
class Token:
    name: str
    secret: str


class AuthError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def parse_tokens(setting: str) -> list[Token]:
    tokens = []
    for part in setting.split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, secret = part.partition(":")
        if not sep:
            name, secret = "default", part
        if not secret or not name:
            raise ValueError("KGRAPH_WRITE_TOKEN: each entry is name:secret (or a bare secret)")
        tokens.append(Token(name.strip(), secret.strip()))
    return tokens


def authorise(tokens: list[Token], authorization: str | None) -> Token:
    """The token a request writes with; AuthError(403) when writes are off, (401) when the
    request lacks a valid one."""
    if not tokens:
        raise AuthError(403, "The server is read-only: no write token is configured "
                             "(set KGRAPH_WRITE_TOKEN)")
    scheme, _, presented = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise AuthError(401, "Writing needs an 'Authorization: Bearer <token>' header")
    presented_bytes = presented.strip().encode()
    match = None
    for token in tokens:  # compare with every token, so timing says nothing about which
        if hmac.compare_digest(presented_bytes, token.secret.encode()):
            match = token
    if match is None:
        raise AuthError(401, "The Bearer token is not valid")
    return match
