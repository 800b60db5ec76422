"""HS256 JWTs: short-lived access tokens and longer refresh tokens, claim `sub` = user id."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import jwt

ALGORITHM = "HS256"


class TokenKind(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"


class InvalidToken(Exception):
    """The token is missing, forged, expired, of the wrong kind or uses another algorithm."""


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    kind: TokenKind
    expires_at: datetime


@dataclass(frozen=True)
class TokenIssuer:
    secret: str
    access_ttl: timedelta
    refresh_ttl: timedelta

    def issue(self, user_id: str, kind: TokenKind) -> str:
        now = datetime.now(UTC)
        ttl = self.access_ttl if kind is TokenKind.ACCESS else self.refresh_ttl
        claims = {"sub": user_id, "type": kind.value, "iat": now, "exp": now + ttl, "jti": uuid.uuid4().hex}
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM)

    def verify(self, token: str, kind: TokenKind) -> TokenClaims:
        try:
            claims = jwt.decode(
                token, self.secret, algorithms=[ALGORITHM],
                options={"require": ["sub", "exp", "iat", "type"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("token expired") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"invalid token: {exc}") from exc
        if claims.get("type") != kind.value:
            raise InvalidToken(f"expected a {kind.value} token")
        return TokenClaims(
            user_id=str(claims["sub"]), kind=kind, expires_at=datetime.fromtimestamp(claims["exp"], UTC)
        )
