"""Which executor runs which task type (browser, or the Open API when authorised). Add a task type here."""

from __future__ import annotations

from automation.domain.model import TaskType
from automation.executors.base import TaskExecutor
from automation.executors.creators import BrowserCreatorInviteExecutor
from automation.executors.inbox import BrowserInboxExecutor
from automation.executors.reply_lists import BrowserReplyListExecutor
from automation.executors.shop_api import ApiCatalogSyncExecutor, ApiOrderSyncExecutor
from automation.executors.shop_pages import BrowserCatalogSyncExecutor, BrowserOrderSyncExecutor

EXECUTORS: dict[TaskType, TaskExecutor] = {
    TaskType.REPLY_COMMENTS: BrowserReplyListExecutor("comments"),
    TaskType.REPLY_REVIEWS: BrowserReplyListExecutor("reviews"),
    TaskType.REPLY_MESSAGES: BrowserInboxExecutor(),
    TaskType.INVITE_CREATORS: BrowserCreatorInviteExecutor(),
    TaskType.SYNC_CATALOG: BrowserCatalogSyncExecutor(),
    TaskType.SYNC_ORDERS: BrowserOrderSyncExecutor(),
}
# Task types the official Open API can do: used instead of the browser when the shop authorised the app.
API_EXECUTORS: dict[TaskType, TaskExecutor] = {
    TaskType.SYNC_CATALOG: ApiCatalogSyncExecutor(),
    TaskType.SYNC_ORDERS: ApiOrderSyncExecutor(),
}


def executor_for(task_type: TaskType, api_authorised: bool) -> TaskExecutor:
    """The API executor when the shop authorised the app and one exists, else the browser one."""
    if api_authorised and task_type in API_EXECUTORS:
        return API_EXECUTORS[task_type]
    return EXECUTORS[task_type]
