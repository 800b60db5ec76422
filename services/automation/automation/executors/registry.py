"""Which executor runs which task type. Add a task type here (and in domain/task_configs.py)."""

from __future__ import annotations

from automation.domain.model import TaskType
from automation.executors.base import TaskExecutor
from automation.executors.creators import BrowserCreatorInviteExecutor
from automation.executors.inbox import BrowserInboxExecutor
from automation.executors.reply_lists import BrowserReplyListExecutor

EXECUTORS: dict[TaskType, TaskExecutor] = {
    TaskType.REPLY_COMMENTS: BrowserReplyListExecutor("comments"),
    TaskType.REPLY_REVIEWS: BrowserReplyListExecutor("reviews"),
    TaskType.REPLY_MESSAGES: BrowserInboxExecutor(),
    TaskType.INVITE_CREATORS: BrowserCreatorInviteExecutor(),
}
