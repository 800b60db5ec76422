"""the human inbox: assignment and read state per conversation, authors of agents' messages, notes, quick replies

Revision ID: chatbot_0002_inbox
Revises: chatbot_0001
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "chatbot_0002_inbox"
down_revision = "chatbot_0001"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "chatbot_inbox_state",
        sa.Column("conversation_id", sa.String(36),
                  sa.ForeignKey("chatbot_conversations.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("assignee_id", sa.String(64), nullable=False),
        sa.Column("assignee_name", sa.String(200), nullable=False),
        sa.Column("assigned_by", sa.String(64), nullable=False),
        _ts("assigned_at", True),
        _ts("read_at", True),
    )
    op.create_index("ix_chatbot_inbox_state_user_id", "chatbot_inbox_state", ["user_id"])
    op.create_index("ix_chatbot_inbox_state_assignee_id", "chatbot_inbox_state", ["assignee_id"])
    op.create_table(
        "chatbot_agent_messages",
        sa.Column("message_id", sa.String(36), sa.ForeignKey("chatbot_messages.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("author_id", sa.String(64), nullable=False),
        sa.Column("author_name", sa.String(200), nullable=False),
    )
    op.create_table(
        "chatbot_notes",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("conversation_id", sa.String(36),
                  sa.ForeignKey("chatbot_conversations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("author_id", sa.String(64), nullable=False),
        sa.Column("author_name", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _ts("created_at"),
    )
    op.create_index("ix_chatbot_notes_conversation_id", "chatbot_notes", ["conversation_id"])
    op.create_table(
        "chatbot_quick_replies",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("shortcut", sa.String(40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _ts("updated_at"),
        sa.UniqueConstraint("user_id", "shortcut", name="uq_chatbot_quick_replies_shortcut"),
    )
    op.create_index("ix_chatbot_quick_replies_user_id", "chatbot_quick_replies", ["user_id"])


def downgrade() -> None:
    for table in ("chatbot_quick_replies", "chatbot_notes", "chatbot_agent_messages", "chatbot_inbox_state"):
        op.drop_table(table)
