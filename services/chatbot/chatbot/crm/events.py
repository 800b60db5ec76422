"""What the CRM tells the outside (the shop's CRM webhook): lead created, stage changed, order drafted or
confirmed, handoff, contact erased. Payloads never carry more than the shop's CRM needs to find its record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class CrmEventKind(StrEnum):
    LEAD_CREATED = "lead.created"
    STAGE_CHANGED = "lead.stage_changed"
    ORDER_DRAFTED = "order.drafted"
    ORDER_CONFIRMED = "order.confirmed"
    HANDOFF = "conversation.handoff"
    CONTACT_ERASED = "contact.erased"


@dataclass(frozen=True)
class CrmEvent:
    kind: CrmEventKind
    user_id: str
    contact: str  # the CRM contact id
    data: dict[str, Any] = field(default_factory=dict)
    contact_fields: dict[str, Any] = field(default_factory=dict)  # the contact as it is now (none on erase)

    def payload(self, delivery_id: str, at: datetime) -> dict[str, Any]:
        """The webhook body (documented in proto/EVENTS.md, "CRM webhook")."""
        return {"id": delivery_id, "type": self.kind.value, "shop_id": self.user_id,
                "occurred_at": at.isoformat(), "contact": {"id": self.contact, **self.contact_fields},
                "data": self.data}
