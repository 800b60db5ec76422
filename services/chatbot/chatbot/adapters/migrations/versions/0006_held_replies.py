"""the turn's outbox: replies recorded with their turn and not yet acked by JetStream (published after commit,
published again after a crash)

Revision ID: chatbot_0006_held_replies
Revises: chatbot_0005_shop_read_models
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "chatbot_0006_held_replies"
down_revision = "chatbot_0005_shop_read_models"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chatbot_held_replies",
        sa.Column("reply_id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("contact_id", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("event", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_chatbot_held_replies_created_at", "chatbot_held_replies", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_chatbot_held_replies_created_at", "chatbot_held_replies")
    op.drop_table("chatbot_held_replies")
