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


def _webhook_channel(target: str) -> grpc.aio.Channel:
    """`open_channel`'s options without its OpenTelemetry client interceptor. The webhook forwarder suppresses
    the interceptor's span anyway (one call carries many webhooks, each with its own trace context), yet
    grpc.aio would still run every call through an interceptor task and call wrapper."""
    return grpc.aio.insecure_channel(target, options=[
        ("grpc.max_receive_message_length", 8 * 1024 * 1024),
        ("grpc.keepalive_time_ms", 30_000),
        ("grpc.enable_retries", 1),
        ("grpc.lb_policy_name", "round_robin"),
    ])


@dataclass
class ServiceClients:
    channels: dict[str, grpc.aio.Channel]
    automation: automation_pb2_grpc.AutomationServiceStub
    chatbot: chatbot_pb2_grpc.ChatbotServiceStub
    channel_adapter: channel_adapter_pb2_grpc.ChannelAdapterServiceStub
    notification: notification_pb2_grpc.NotificationServiceStub
    inbox: inbox_pb2_grpc.InboxServiceStub  # served by the chatbot process
    webhook_channel: grpc.aio.Channel  # channel-adapter again, for HandleWebhooks only (see _webhook_channel)
    webhooks: channel_adapter_pb2_grpc.ChannelAdapterServiceStub

    @classmethod
    def connect(cls, settings: GatewaySettings) -> ServiceClients:
        channels = {
            "automation": open_channel(settings.automation_grpc_addr),
            "chatbot": open_channel(settings.chatbot_grpc_addr),
            "channel-adapter": open_channel(settings.channel_adapter_grpc_addr),
            "notification": open_channel(settings.notification_grpc_addr),
        }
        webhook_channel = _webhook_channel(settings.channel_adapter_grpc_addr)
        return cls(
            channels=channels,
            automation=automation_pb2_grpc.AutomationServiceStub(channels["automation"]),
            chatbot=chatbot_pb2_grpc.ChatbotServiceStub(channels["chatbot"]),
            channel_adapter=channel_adapter_pb2_grpc.ChannelAdapterServiceStub(channels["channel-adapter"]),
            notification=notification_pb2_grpc.NotificationServiceStub(channels["notification"]),
            inbox=inbox_pb2_grpc.InboxServiceStub(channels["chatbot"]),
            webhook_channel=webhook_channel,
            webhooks=channel_adapter_pb2_grpc.ChannelAdapterServiceStub(webhook_channel),
        )

    async def close(self) -> None:
        for channel in [*self.channels.values(), self.webhook_channel]:
            await channel.close()
