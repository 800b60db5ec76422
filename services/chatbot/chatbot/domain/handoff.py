"""Who answers a conversation: the bot, nobody yet (waiting for a human) or a human agent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from chatbot.domain.config import HandoffRules
from chatbot.domain.intents import Intent


class HandoffState(StrEnum):
    BOT = "bot"
    WAITING_HUMAN = "waiting_human"
    HUMAN = "human"


class HandoffReason(StrEnum):
    CUSTOMER_ASKED = "customer asked for a human"
    REPEATED_COMPLAINT = "repeated complaints"
    TOO_MANY_FALLBACKS = "the bot did not understand several times"
    ANSWER_LOOP = "the bot was repeating itself"
    ORDER_READY = "order ready to close"
    HUMAN_AGENT_REPLIED = "a human agent replied"
    ORDER_LOOKUP = "customer asked about an existing order"


@dataclass(frozen=True)
class Counters:
    complaints: int
    fallbacks: int


def on_handoff_request(state: HandoffState) -> HandoffState:
    """Bot or API asks for a human: wait for one (a conversation already with a human stays there)."""
    return HandoffState.HUMAN if state is HandoffState.HUMAN else HandoffState.WAITING_HUMAN


def on_human_activity(_: HandoffState) -> HandoffState:
    return HandoffState.HUMAN


def on_release(_: HandoffState) -> HandoffState:
    return HandoffState.BOT


def automatic_trigger(intents: list[Intent], counters: Counters, rules: HandoffRules) -> HandoffReason | None:
    """Why the bot should step aside after this turn, if it should."""
    if rules.on_human_intent and Intent.HUMAN in intents:
        return HandoffReason.CUSTOMER_ASKED
    if counters.complaints >= rules.complaint_threshold:
        return HandoffReason.REPEATED_COMPLAINT
    if counters.fallbacks >= rules.fallback_threshold:
        return HandoffReason.TOO_MANY_FALLBACKS
    return None


def idle_expired(state: HandoffState, last_activity: datetime, now: datetime, rules: HandoffRules) -> bool:
    """A conversation nobody human touched for the idle timeout goes back to the bot."""
    if state is HandoffState.BOT:
        return False
    return now - last_activity >= timedelta(minutes=rules.idle_release_minutes)


def summarize(history: list[tuple[str, str]], intent: str, stage: str, extra: str = "", limit: int = 6) -> str:
    """A few lines for the human agent: the last messages, what the customer wants, where they are."""
    lines = [f"Intenção: {intent or '-'} | Etapa: {stage}"]
    for direction, text in history[-limit:]:
        who = "Cliente" if direction == "in" else "Bot"
        lines.append(f"{who}: {text[:200]}")
    if extra:
        lines.append(extra)
    return "\n".join(lines)
