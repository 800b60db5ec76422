"""The API's JSON from protobuf responses: counts are numbers, nested and repeated ones too."""

from __future__ import annotations

from api_gateway.api.proto_json import message_dict
from sellerbot.chatbot.v1 import chatbot_pb2 as pb


def test_int64_counts_are_json_numbers_at_every_depth() -> None:
    stats = pb.ChatStats(messages_in=4, handoffs=1, per_channel=[pb.ChannelStats(channel="whatsapp", messages_in=3)])
    data = message_dict(stats)
    assert data["messages_in"] == 4
    assert data["handoffs"] == 1
    assert data["per_channel"][0]["messages_in"] == 3
    assert data["per_channel"][0]["channel"] == "whatsapp"


def test_structs_and_floats_pass_through_untouched() -> None:
    intents = pb.IntentStats(intents=[pb.IntentCount(intent="price", count=2, share=0.5)], total=4)
    assert message_dict(intents) == {
        "intents": [{"intent": "price", "count": 2, "share": 0.5}], "total": 4, "period": ""}


def test_whole_numbers_in_structs_come_back_as_integers() -> None:
    from api_gateway.api.proto_json import dict_from, struct_from

    config = dict_from(struct_from({"max_replies": 50, "delay_seconds": 2.5, "caps": {"replies": 200}, "ids": [1, 2]}))
    assert config == {"max_replies": 50, "delay_seconds": 2.5, "caps": {"replies": 200}, "ids": [1, 2]}
    assert isinstance(config["max_replies"], int)
