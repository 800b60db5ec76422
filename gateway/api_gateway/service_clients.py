"""gRPC stubs of the four services, sharing one channel each for the gateway's lifetime."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from sellerbot.automation.v1 import automation_pb2_grpc
from sellerbot.channels.v1 import channel_adapter_pb2_grpc
from sellerbot.chatbot.v1 import chatbot_pb2_grpc, inbox_pb2_grpc
from sellerbot.notification.v1 import notification_pb2_grpc
from sellerbot_grpc import open_channel

from api_gateway.settings import GatewaySettings


@dataclass
class ServiceClients:
    channels: dict[str, grpc.aio.Channel]
    automation: automation_pb2_grpc.AutomationServiceStub
    chatbot: chatbot_pb2_grpc.ChatbotServiceStub
    channel_adapter: channel_adapter_pb2_grpc.ChannelAdapterServiceStub
    notification: notification_pb2_grpc.NotificationServiceStub
    inbox: inbox_pb2_grpc.InboxServiceStub  # served by the chatbot process

    @classmethod
    def connect(cls, settings: GatewaySettings) -> ServiceClients:
        channels = {
            "automation": open_channel(settings.automation_grpc_addr),
            "chatbot": open_channel(settings.chatbot_grpc_addr),
            "channel-adapter": open_channel(settings.channel_adapter_grpc_addr),
            "notification": open_channel(settings.notification_grpc_addr),
        }
        return cls(
            channels=channels,
            automation=automation_pb2_grpc.AutomationServiceStub(channels["automation"]),
            chatbot=chatbot_pb2_grpc.ChatbotServiceStub(channels["chatbot"]),
            channel_adapter=channel_adapter_pb2_grpc.ChannelAdapterServiceStub(channels["channel-adapter"]),
            notification=notification_pb2_grpc.NotificationServiceStub(channels["notification"]),
            inbox=inbox_pb2_grpc.InboxServiceStub(channels["chatbot"]),
        )

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()
