"""What the CRM writes to a Chatwoot contact: tags become valid Chatwoot label titles."""

from channel_adapter.domain.crm_sync import chatwoot_attributes, chatwoot_labels, contact_labels


def test_tags_become_chatwoot_label_titles() -> None:
    assert chatwoot_labels(["vip", "sem label", "Atacado", "  ", "a/b", "vip"]) == ["vip", "sem-label", "atacado",
                                                                                   "a-b"]


def test_the_crm_fields_are_prefixed_custom_attributes() -> None:
    assert chatwoot_attributes("price_asked", "price", "member-1", 25) == {
        "sellerbot_stage": "price_asked", "sellerbot_last_intent": "price", "sellerbot_owner": "member-1",
        "sellerbot_lead_score": 25}


def test_a_sync_keeps_the_agents_labels_and_takes_off_only_the_tags_the_crm_dropped() -> None:
    current = ["cliente-antigo", "vip", "atacado"]
    assert contact_labels(current, ["vip", "atacado"], ["atacado", "sem label"]) == [
        "cliente-antigo", "atacado", "sem-label"]
    assert contact_labels(current, [], ["novo"]) == [*current, "novo"]  # previous tags unknown: only added
    assert contact_labels(current, ["vip", "atacado"], []) == ["cliente-antigo"]  # an erased person's
