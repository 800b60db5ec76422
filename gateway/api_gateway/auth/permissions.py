"""Who may do what in a shop: the one role -> permissions table every route is checked against.

The README's permission matrix is this table in prose; gateway/tests/test_team_permissions.py keeps them equal.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    AGENT = "agent"
    VIEWER = "viewer"


class Permission(StrEnum):
    READ_CONVERSATIONS = "read_conversations"
    TAKE_OVER_CONVERSATIONS = "take_over_conversations"  # hand off, release, mark converted
    SEND_MESSAGES = "send_messages"                      # run the bot on a message, optionally delivering it
    DELETE_CONVERSATIONS = "delete_conversations"
    READ_STATS = "read_stats"
    READ_CONFIG = "read_config"
    EDIT_CONFIG = "edit_config"
    READ_PRODUCTS = "read_products"
    EDIT_PRODUCTS = "edit_products"
    READ_CHANNELS = "read_channels"                      # accounts (never their secrets) and dead letters
    EDIT_CHANNELS = "edit_channels"                      # channel credentials, dead-letter retries
    READ_TASKS = "read_tasks"                            # tasks, their artifacts, profiles, worker status
    EDIT_TASKS = "edit_tasks"
    EDIT_PROFILES = "edit_profiles"                      # Seller Center logins and their verification
    CONTROL_BOT = "control_bot"                          # start and stop the worker
    WATCH_LIVE_EVENTS = "watch_live_events"              # /ws/notifications
    READ_MEMBERS = "read_members"
    MANAGE_MEMBERS = "manage_members"                    # invite, revoke, change roles, remove
    MANAGE_OWNERS = "manage_owners"                      # make, demote or remove an owner (transfer ownership)
    READ_CONTACTS = "read_contacts"                      # CRM: contacts, their orders and timeline
    EDIT_CONTACTS = "edit_contacts"                      # CRM: tags, notes, owner, stage, opt-out, merge/undo
    MANAGE_CONTACT_DATA = "manage_contact_data"          # CRM: bulk import/export, LGPD erase and export
    READ_ORDERS = "read_orders"
    EDIT_ORDERS = "edit_orders"                          # create, edit, confirm (OrderPlaced) or drop orders
    ANSWER_CONVERSATIONS = "answer_conversations"        # inbox: write to the buyer (takes over), mark read
    ASSIGN_CONVERSATIONS = "assign_conversations"        # inbox: assign a conversation to a member
    WRITE_NOTES = "write_notes"                          # inbox: internal notes, never sent to the buyer
    EDIT_QUICK_REPLIES = "edit_quick_replies"            # the shop's saved answers


_READ = {Permission.READ_CONVERSATIONS, Permission.READ_STATS, Permission.READ_CONFIG, Permission.READ_PRODUCTS,
         Permission.READ_CHANNELS, Permission.READ_TASKS, Permission.WATCH_LIVE_EVENTS, Permission.READ_MEMBERS}
_AGENT = _READ | {Permission.TAKE_OVER_CONVERSATIONS, Permission.SEND_MESSAGES, Permission.ANSWER_CONVERSATIONS,
                  Permission.ASSIGN_CONVERSATIONS, Permission.WRITE_NOTES}
# The CRM: every member reads contacts and orders, agents keep them current; bulk and LGPD operations on
# personal data are for owners and admins.
_READ |= {Permission.READ_CONTACTS, Permission.READ_ORDERS}
_AGENT |= _READ | {Permission.EDIT_CONTACTS, Permission.EDIT_ORDERS}
_ADMIN = set(Permission) - {Permission.MANAGE_OWNERS}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.ADMIN: frozenset(_ADMIN),
    Role.AGENT: frozenset(_AGENT),
    Role.VIEWER: frozenset(_READ),
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
