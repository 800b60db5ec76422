"""Asks chatbot-service (gRPC ChatbotService.ProcessMessage) for a reply, so the Seller Center inbox and the
other channels answer with one voice."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from sellerbot.chatbot.v1 import chatbot_pb2, chatbot_pb2_grpc
from sellerbot_grpc import open_channel, user_metadata

from automation.domain.errors import DependencyUnavailable

CHANNEL = "tiktok_shop"


@dataclass(frozen=True)
class ChatbotAnswer:
    reply: str
    intent: str
    handoff_state: str


class ChatbotClient:
    def __init__(self, address: str, timeout_seconds: float = 20.0) -> None:
        self._channel = open_channel(address)
        self._stub = chatbot_pb2_grpc.ChatbotServiceStub(self._channel)
        self._timeout = timeout_seconds

    async def answer(self, user_id: str, contact_id: str, text: str, contact_name: str = "") -> ChatbotAnswer:
        request = chatbot_pb2.ProcessMessageRequest(
            contact_id=f"{CHANNEL}:{contact_id}", message=text, channel=CHANNEL, deliver=False,
            contact_name=contact_name,
        )
        try:
            response = await self._stub.ProcessMessage(request, metadata=user_metadata(user_id),
                                                       timeout=self._timeout)
        except grpc.aio.AioRpcError as exc:
            raise DependencyUnavailable(f"chatbot-service: {exc.code().name}: {exc.details()}") from exc
        return ChatbotAnswer(response.reply.strip(), response.intent, response.handoff_state)

    async def close(self) -> None:
        await self._channel.close()
