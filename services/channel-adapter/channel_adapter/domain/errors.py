"""Domain errors; grpc_api/ maps each to one gRPC status code."""

from __future__ import annotations


class ChannelAdapterError(Exception):
    """Base of the errors a caller can act on."""


class AccountNotFound(ChannelAdapterError):
    pass


class AccountKeyTaken(ChannelAdapterError):
    """Another seller already registered this instance / account / page / bot."""


class InvalidAccount(ChannelAdapterError):
    def __init__(self, violations: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {text}" for field, text in violations.items()))
        self.violations = violations


class DeadLetterNotFound(ChannelAdapterError):
    pass


class DeliveryRefused(ChannelAdapterError):
    """The platform (or a platform rule, like Instagram's 24-hour window) will not take this reply."""


class DeliveryUnavailable(ChannelAdapterError):
    """The platform could not be reached after every retry; the reply was dead-lettered."""
