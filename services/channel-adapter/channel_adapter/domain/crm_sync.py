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


def contact_labels(current: list[str], previous_tags: list[str], tags: list[str]) -> list[str]:
    """The Chatwoot contact's labels after a sync: what it has, less the CRM's previous tags it no longer has,
    plus the CRM's tags (an agent's own labels stay; Chatwoot's POST replaces the whole list)."""
    wanted = chatwoot_labels(tags)
    removed = set(chatwoot_labels(previous_tags)) - set(wanted)
    kept = [label for label in current if label not in removed]
    return kept + [label for label in wanted if label not in kept]


def chatwoot_attributes(stage: str, last_intent: str, owner: str, score: int) -> dict[str, str | int]:
    """The contact's custom attributes (Chatwoot merges them into the ones it has)."""
    return {"sellerbot_stage": stage, "sellerbot_last_intent": last_intent, "sellerbot_owner": owner,
            "sellerbot_lead_score": score}


ATTRIBUTE_KEYS = tuple(chatwoot_attributes("", "", "", 0))  # removed from the contact when the person is erased
