"""Pure rules of a lead: the phone a channel address carries, the explainable lead score, what to search on,
the customer's own "stop sending me messages", how long a merge can be undone and which learned FAQ answers
came from a person's words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chatbot.domain.funnel import RANK, Stage
from chatbot.domain.text import fold

# Channels whose address is a phone number: the same digits there are the same person.
PHONE_CHANNELS = ("whatsapp", "phone")
_DIGITS = re.compile(r"\D+")
MAX_LAST_INTENTS = 5
MAX_TAGS = 30
LEARNED_QUESTION_CHARS = 1000  # a learned FAQ question is cut here when stored
# A calendar day lasts at most 25 hours (the day a DST change puts the clocks back): a merge older than this
# is past its undo window in every timezone, so its snapshot and the merged contact can go.
LONGEST_UNDO_WINDOW = timedelta(hours=25)


class OrderSource(StrEnum):
    BOT_DRAFT = "bot_draft"
    MANUAL = "manual"
    TIKTOK_SHOP = "tiktok_shop"


class OrderStatus(StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    DROPPED = "dropped"


def normalize_phone(raw: str) -> str:
    """Digits with the country code; a Brazilian number given without it (10-11 digits) gets 55. Anything
    shorter than 10 digits is not a phone."""
    digits = _DIGITS.sub("", raw or "")
    if len(digits) in (10, 11) and not digits.startswith("55"):
        digits = "55" + digits
    return digits if 10 <= len(digits) <= 15 else ""


def phone_of(contact_id: str) -> str:
    """`whatsapp:5511999999999` (or `…@s.whatsapp.net`) -> the phone; other channels carry none."""
    channel, _, address = contact_id.partition(":")
    if channel not in PHONE_CHANNELS or "@lid" in address:
        return ""
    return normalize_phone(address.split("@", 1)[0])


def channel_of(contact_id: str) -> str:
    return contact_id.partition(":")[0] or "api"


def search_text(name: str, phone: str, addresses: list[str], tags: list[str]) -> str:
    """What a search matches: folded name, the phone, every channel address and tag."""
    return " ".join(part for part in (fold(name), phone, *(a.lower() for a in addresses),
                                      *(fold(t) for t in tags)) if part)


def tag_text(tags: list[str]) -> str:
    return "|" + "|".join(tags) + "|" if tags else ""


def clean_tags(tags: list[str]) -> list[str]:
    seen: list[str] = []
    for tag in tags:
        value = fold(tag).strip().replace("|", "")[:40]
        if value and value not in seen:
            seen.append(value)
    return seen[:MAX_TAGS]


def later_stage(current: str, other: str) -> str:
    """Stages only move forward (a merge keeps the further one)."""
    try:
        return other if RANK[Stage(other)] > RANK[Stage(current)] else current
    except ValueError:
        return current


@dataclass(frozen=True)
class Signal:
    name: str
    points: int

    def to_dict(self) -> dict[str, object]:
        return {"signal": self.name, "points": self.points}


@dataclass(frozen=True)
class LeadFacts:
    stage: str
    last_intents: list[str]
    message_count: int
    draft_orders: int
    confirmed_orders: int
    last_seen: datetime
    opted_out: bool


def lead_score(facts: LeadFacts, now: datetime) -> tuple[int, list[Signal]]:
    """0-100 with the signals that made it, so the seller sees why a lead is hot."""
    if facts.opted_out:
        return 0, [Signal("opted_out", 0)]
    signals: list[Signal] = []
    rank = RANK.get(Stage(facts.stage), 0) if facts.stage in Stage.__members__.values() else 0
    for stage, points in ((Stage.PRODUCT_INTEREST, 10), (Stage.PRICE_ASKED, 15), (Stage.PURCHASE_INTENT, 20)):
        if rank >= RANK[stage]:
            signals.append(Signal(f"stage_{stage.value}", points))
    if facts.draft_orders:
        signals.append(Signal("draft_order", 20))
    if facts.confirmed_orders:
        signals.append(Signal("bought_before", 25))
    if facts.message_count >= 5:
        signals.append(Signal("engaged", 10))
    if now - facts.last_seen <= timedelta(hours=24):
        signals.append(Signal("active_last_24h", 10))
    if "complaint" in facts.last_intents:
        signals.append(Signal("recent_complaint", -15))
    return max(0, min(100, sum(s.points for s in signals))), signals


_OPT_OUT = re.compile(
    r"^(?:pare|parar|para de (?:me )?mandar|sair|stop|cancelar inscricao|descadastrar|"
    r"nao (?:quero|desejo) (?:mais )?receber(?: mensage(?:m|ns))?|nao me mande mais(?: mensage(?:m|ns))?)[.! ]*$")


def asks_to_opt_out(texts: list[str]) -> bool:
    """The customer's whole message says stop ("parar", "sair", "não quero mais receber mensagens"): a word
    inside a longer question ("para que serve?") never opts anyone out."""
    return any(_OPT_OUT.match(fold(text).strip()) for text in texts)


OPT_OUT_NOTICE = ("Tudo bem! Você não vai mais receber mensagens automáticas nossas. "
                  "Se quiser voltar a falar com a loja, é só pedir para um atendente.")


def shop_zone(timezone: str) -> ZoneInfo:
    """The shop's timezone (`business_hours.timezone` of its config); UTC when none or unknown."""
    try:
        return ZoneInfo(timezone) if timezone else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def undo_deadline(merged_at: datetime, timezone: str) -> datetime:
    """A merge can be undone within the calendar day it was made, in the shop's timezone: until the next
    local midnight (in UTC)."""
    zone = shop_zone(timezone)
    local_day = merged_at.astimezone(zone).date()
    return datetime.combine(local_day + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)


def learned_from(question: str, texts: set[str]) -> bool:
    """Whether a learned FAQ question was made of these customer messages: the bot learns the whole burst
    it answered, its messages joined by newlines (cut at LEARNED_QUESTION_CHARS), so any of the person's
    messages that is one of those lines (or the cut last one) gives it away."""
    if question in texts:
        return True
    framed = f"\n{question}\n"
    if any(f"\n{text}\n" in framed for text in texts if text):
        return True
    if len(question) >= LEARNED_QUESTION_CHARS:
        tail = question.rsplit("\n", 1)[-1]
        return bool(tail) and any(text.startswith(tail) for text in texts)
    return False
