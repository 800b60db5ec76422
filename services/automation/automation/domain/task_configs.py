"""One validated config model per task type; a bad field becomes INVALID_ARGUMENT naming it (HTTP 422)."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from automation.domain.errors import InvalidField, InvalidInput
from automation.domain.model import TaskType
from automation.domain.templates import lint_reply_template


class TaskConfig(BaseModel):
    """Fields every task type shares."""

    model_config = ConfigDict(extra="forbid")

    delay_seconds: float = Field(default=5.0, ge=0, le=600, description="Human-like pause between actions")
    max_duration_seconds: int = Field(default=1800, ge=10, le=6 * 3600)

    @property
    def max_actions(self) -> int:
        raise NotImplementedError


class ReplyWithTemplateOrAi(TaskConfig):
    max_replies: int = Field(default=20, ge=1, le=500)
    reply_template: str | None = Field(default=None, min_length=1, max_length=500)
    use_ai: bool = False

    @model_validator(mode="after")
    def _template_or_ai(self) -> Self:
        if not self.use_ai and not self.reply_template:
            self.reply_template = DEFAULT_TEMPLATE
        if self.use_ai and self.reply_template:
            raise ValueError("reply_template: set either reply_template or use_ai, not both")
        if self.reply_template:
            problem = lint_reply_template(self.reply_template)
            if problem:
                raise ValueError(f"reply_template: {problem}")
        return self

    @property
    def max_actions(self) -> int:
        return self.max_replies


DEFAULT_TEMPLATE = "Olá, {buyer}! Obrigado pelo seu comentário. Qualquer dúvida, estamos à disposição."


class ReplyCommentsConfig(ReplyWithTemplateOrAi):
    skip_replied: bool = True


class ReplyReviewsConfig(ReplyWithTemplateOrAi):
    min_rating: int = Field(default=1, ge=1, le=5)
    max_rating: int = Field(default=5, ge=1, le=5)

    @model_validator(mode="after")
    def _rating_range(self) -> Self:
        if self.min_rating > self.max_rating:
            raise ValueError("min_rating: must not be greater than max_rating")
        return self


class ReplyMessagesConfig(TaskConfig):
    max_replies: int = Field(default=20, ge=1, le=500)

    @property
    def max_actions(self) -> int:
        return self.max_replies


class InviteCreatorsConfig(TaskConfig):
    max_invites: int = Field(default=10, ge=1, le=100)
    category: str = Field(default="", max_length=60)
    min_followers: int = Field(default=0, ge=0)
    max_followers: int = Field(default=0, ge=0, description="0 = no upper limit")
    invitation_name: str = Field(..., min_length=1, max_length=60)
    message: str = Field(default="", max_length=500)
    commission_rate: float = Field(default=10.0, ge=1, le=80)

    @model_validator(mode="after")
    def _followers_range(self) -> Self:
        if self.max_followers and self.min_followers > self.max_followers:
            raise ValueError("min_followers: must not be greater than max_followers")
        return self

    @property
    def max_actions(self) -> int:
        return self.max_invites


class ShopSyncConfig(TaskConfig):
    """`sync_catalog` / `sync_orders`: incremental from the last cursor; `full` re-reads and re-publishes all."""

    delay_seconds: float = Field(default=0.0, ge=0, le=600, description="Pause between pages (browser only)")
    full: bool = Field(default=False, description="Ignore the cursor: re-publish everything, find removed items")
    page_size: int = Field(default=100, ge=1, le=100)
    max_pages: int = Field(default=100_000, ge=1, description="Bound on pages read in one run")

    @property
    def max_actions(self) -> int:
        return 1_000_000


class SyncOrdersConfig(ShopSyncConfig):
    fetch_tracking: bool = Field(default=True, description="Read the last tracking event of shipped packages")


CONFIG_MODELS: dict[TaskType, type[TaskConfig]] = {
    TaskType.REPLY_COMMENTS: ReplyCommentsConfig,
    TaskType.REPLY_REVIEWS: ReplyReviewsConfig,
    TaskType.REPLY_MESSAGES: ReplyMessagesConfig,
    TaskType.INVITE_CREATORS: InviteCreatorsConfig,
    TaskType.SYNC_CATALOG: ShopSyncConfig,
    TaskType.SYNC_ORDERS: SyncOrdersConfig,
}


def parse_config(task_type: TaskType, raw: dict[str, Any]) -> TaskConfig:
    """Validate a task's config; raises InvalidInput naming each bad field as `config.<field>`."""
    model = CONFIG_MODELS[task_type]
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        fields = [_violation(err) for err in exc.errors()]
        raise InvalidInput(f"invalid config for {task_type.value}", fields) from exc


def _violation(err: Any) -> InvalidField:
    location = [str(p) for p in err["loc"]]
    message = str(err["msg"]).removeprefix("Value error, ")
    if not location and ":" in message:  # model-level rules name their field in the message
        name, _, message = message.partition(":")
        location = [name.strip()]
        message = message.strip()
    return InvalidField(".".join(["config", *location]), message)
