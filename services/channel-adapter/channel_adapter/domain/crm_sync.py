"""What the chatbot's CRM writes to a Chatwoot contact: its fields as custom attributes, its tags as labels."""

from __future__ import annotations

import re

_NOT_LABEL = re.compile(r"[^\w-]+")


def chatwoot_labels(tags: list[str]) -> list[str]:
    """Chatwoot label titles are letters, digits, `-` and `_` (lower case): "sem label" -> "sem-label"."""
    labels: list[str] = []
    for tag in tags:
        label = _NOT_LABEL.sub("-", tag.strip().lower()).strip("-")
        if label and label not in labels:
            labels.append(label)
    return labels


def chatwoot_attributes(stage: str, last_intent: str, owner: str, score: int) -> dict[str, str | int]:
    """The contact's custom attributes (Chatwoot merges them into the ones it has)."""
    return {"sellerbot_stage": stage, "sellerbot_last_intent": last_intent, "sellerbot_owner": owner,
            "sellerbot_lead_score": score}
