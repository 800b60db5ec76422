"""Domain errors; grpc_api maps them to status codes in one place, the worker maps run errors to task states."""

from __future__ import annotations

from dataclasses import dataclass

from automation.domain.model import LoginState


class DomainError(Exception):
    """Base of errors a caller can act on."""


class NotFound(DomainError):
    pass


class Conflict(DomainError):
    """The request clashes with the current state (worker already running, task already running...)."""


@dataclass
class InvalidField:
    field: str
    description: str


class InvalidInput(DomainError):
    def __init__(self, message: str, fields: list[InvalidField]) -> None:
        super().__init__(message)
        self.fields = fields


class RunError(Exception):
    """Raised while driving Seller Center. `kind` is a low-cardinality label (metrics, events)."""

    kind: str = "error"
    retryable: bool = False


class NeedsAttention(RunError):
    """A human must act (log in again, solve a captcha, enter a 2FA code): never retried by the bot."""

    def __init__(self, state: LoginState, reason: str) -> None:
        super().__init__(reason)
        self.state = state
        self.kind = state.value if state is not LoginState.EXPIRED else "session_expired"


class TransientPageError(RunError):
    """The page failed in a way a retry may fix (500, timeout, a toast that never came)."""

    kind = "page_error"
    retryable = True


class TaskCancelled(RunError):
    kind = "cancelled"


class TaskTimedOut(RunError):
    kind = "timeout"


class DependencyUnavailable(RunError):
    """A service the task needs (chatbot) did not answer."""

    kind = "dependency_unavailable"
    retryable = True


class PlatformLimitReached(RunError):
    """Seller Center refused on a platform quota (weekly invite quota): stop, never retry."""

    kind = "quota_exhausted"


class AlreadyDone(RunError):
    """The platform says the item was already handled (one reply per review, creator already invited)."""

    kind = "already_done"
