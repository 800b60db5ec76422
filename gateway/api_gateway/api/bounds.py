"""Bounds of the inputs the routes share, so absurd values get 422 here and never reach a service."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import available_timezones

from fastapi import Query
from pydantic import AfterValidator, BeforeValidator, Field, Strict

MAX_PRICE = 10_000_000  # the chatbot's catalog: Numeric(12, 2)
MAX_AMOUNT = 1_000_000_000  # an order's amount: Numeric(12, 2)
MAX_STOCK = 1_000_000_000  # int32 on the wire and in the tables
MAX_DAILY_CAP = 100_000

# JSON numbers and booleans as such: lax parsing would take `false` for 0, "5" for 5 or `1` for true, values
# the document says are not numbers (or not booleans). An integer may still be written 5.0, as JSON Schema allows.
def _json_integer(value: object) -> object:
    if isinstance(value, bool | str):
        raise ValueError("must be a JSON integer")
    return value


Count = Annotated[int, BeforeValidator(_json_integer)]
Amount = Annotated[float, Strict()]
Flag = Annotated[bool, Strict()]

Period = Annotated[str, Query(pattern=r"^(all|\d{1,4}[hdw])$", description="24h, 7d, 4w … or all")]
SearchText = Annotated[str, Query(max_length=200)]
ChannelName = Annotated[str, Query(max_length=40, pattern=r"^[a-z_]*$", description="Empty = every channel")]
Money = Annotated[float, Strict(), Field(ge=0, le=MAX_AMOUNT)]
ShortText = Annotated[str, Field(max_length=200)]
# The constraints before the validator, or pydantic writes them as "ge"/"le" instead of minimum/maximum.
DailyCap = Annotated[int, Field(ge=0, le=MAX_DAILY_CAP), BeforeValidator(_json_integer)]
CappedTaskType = Literal["reply_comments", "reply_reviews", "reply_messages", "invite_creators", "sync_catalog",
                         "sync_orders"]

# The path in visible ASCII ([!-~], a percent-encoded URL): `\S` differs between engines (Python's and Rust's
# whitespace include U+001C-U+001F or U+0085, ECMA's does not), so a client checking the documented pattern and
# the gateway would disagree on a URL (found by the fuzz test).
# "At least one visible character": `\S` alone is a different set in ECMA (whitespace includes U+FEFF, not U+0085)
# and in the gateway's Rust regex (U+0085, not U+FEFF); naming both makes them one set.
NOT_BLANK = r"[^\s\x85\ufeff]"
URL_PATTERN = r"^$|^(https?|socks5)://[A-Za-z0-9.\-]+(:\d{1,5})?(/[!-~]*)?$"
_HHMM = r"([01]\d|2[0-3]):[0-5]\d"
ACTIVE_HOURS_PATTERN = rf"^$|^{_HHMM}-{_HHMM}$"

_ZONES = sorted(available_timezones())


def _known_zone(value: str) -> str:
    if value not in _ZONES:
        raise ValueError("unknown IANA time zone")
    return value


TimeZone = Annotated[str, AfterValidator(_known_zone), Field(json_schema_extra={"enum": _ZONES},
                                                             description="IANA time zone")]
