"""What a burst of customer messages asks: the intents of each message and of each question inside it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chatbot.domain.intents import Intent, IntentModel, IntentPrediction
from chatbot.domain.text import split_questions, strip_accents

MIN_PART_CONFIDENCE = 0.4
_GREETING_PREFIX = re.compile(
    r"^\s*(?:oi+e*|ola+|opa|e ?ai|eae|salve|bom dia|boa tarde|boa noite|hey|hello)\b[\s,!.]*")


@dataclass
class Understanding:
    intents: list[Intent]
    primary: IntentPrediction
    per_message: list[IntentPrediction] = field(default_factory=list)


def understand(model: IntentModel, texts: list[str]) -> Understanding:
    """Intents of a burst: each message, each question inside it, and a greeting in front."""
    intents: list[Intent] = []
    scored: list[IntentPrediction] = []
    per_message: list[IntentPrediction] = []
    for text in texts:
        whole = model.predict(text)
        per_message.append(whole)
        folded = strip_accents(text.lower())
        greeting = _GREETING_PREFIX.match(folded)
        rest = folded[greeting.end():] if greeting else folded
        if greeting and len(rest.strip(" ?!.,")) > 2:
            intents.append(Intent.GREETING)
        else:
            rest = folded
        parts = split_questions(rest)
        predictions = [model.predict(p) for p in parts] if (len(parts) > 1 or rest != folded) else [whole]
        kept = [p for p in predictions if p.confidence >= MIN_PART_CONFIDENCE] or [max(
            predictions, key=lambda p: p.confidence)]
        intents.extend(p.intent for p in kept)
        scored.extend(kept)
        scored.append(whole)
    ordered = list(dict.fromkeys(intents))
    specific = [p for p in scored if p.intent not in (Intent.GREETING, Intent.OTHER)]
    primary = max(specific or scored, key=lambda p: p.confidence)
    if Intent.HUMAN in ordered:
        primary = next(p for p in scored if p.intent is Intent.HUMAN)
    return Understanding(ordered, primary, per_message)
