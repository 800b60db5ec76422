"""chatbot tables: conversations, messages (history + inbox), products, config versions, learned FAQ, handoffs

Revision ID: chatbot_0001
Revises:
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "chatbot_0001"
down_revision = None
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "chatbot_conversations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("contact_id", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("account_id", sa.String(200), nullable=False),
        sa.Column("platform_conversation_id", sa.String(200), nullable=False),
        sa.Column("contact_name", sa.String(200), nullable=False),
        sa.Column("handoff_state", sa.String(20), nullable=False),
        sa.Column("handoff_reason", sa.String(500), nullable=False),
        _ts("handoff_at", True),
        _ts("human_activity_at", True),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("prompt_variant", sa.String(40), nullable=False),
        sa.Column("converted", sa.Boolean(), nullable=False),
        _ts("converted_at", True),
        sa.Column("order_id", sa.String(100), nullable=False),
        sa.Column("order_amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("last_message", sa.Text(), nullable=False),
        sa.Column("last_intent", sa.String(20), nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("fallback_count", sa.Integer(), nullable=False),
        sa.Column("complaint_count", sa.Integer(), nullable=False),
        sa.Column("reply_sequence", sa.Integer(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_index("ix_chatbot_conversations_user_id", "chatbot_conversations", ["user_id"])
    op.create_index("ix_chatbot_conversations_updated_at", "chatbot_conversations", ["updated_at"])
    op.create_index("ix_chatbot_conversations_contact", "chatbot_conversations",
                    ["user_id", "contact_id", "archived"])
    op.create_table(
        "chatbot_messages",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("conversation_id", sa.String(36),
                  sa.ForeignKey("chatbot_conversations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(20), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("event_id", sa.String(300), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reply_id", sa.String(64), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("prompt_variant", sa.String(40), nullable=False),
        sa.Column("response_seconds", sa.Float(), nullable=True),
        _ts("platform_timestamp"),
        _ts("created_at"),
        sa.UniqueConstraint("user_id", "event_id", name="uq_chatbot_messages_event"),
    )
    op.create_index("ix_chatbot_messages_conversation_id", "chatbot_messages", ["conversation_id"])
    op.create_index("ix_chatbot_messages_pending", "chatbot_messages", ["status", "conversation_id"])
    op.create_index("ix_chatbot_messages_user_time", "chatbot_messages", ["user_id", "created_at"])
    op.create_table(
        "chatbot_products",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("price", sa.Numeric(12, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("synonyms", sa.JSON(), nullable=False),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("shipping_policy", sa.Text(), nullable=False),
        sa.Column("return_policy", sa.Text(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.UniqueConstraint("user_id", "sku", name="uq_chatbot_products_sku"),
    )
    op.create_index("ix_chatbot_products_user_id", "chatbot_products", ["user_id"])
    op.create_table(
        "chatbot_config_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("changed_fields", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        _ts("created_at"),
        sa.UniqueConstraint("user_id", "version", name="uq_chatbot_config_version"),
    )
    op.create_index("ix_chatbot_config_versions_user_id", "chatbot_config_versions", ["user_id"])
    op.create_table(
        "chatbot_faq_learned",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        _ts("created_at"),
    )
    op.create_index("ix_chatbot_faq_learned_user_id", "chatbot_faq_learned", ["user_id"])
    op.create_table(
        "chatbot_handoffs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("conversation_id", sa.String(36),
                  sa.ForeignKey("chatbot_conversations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        _ts("created_at"),
        _ts("released_at", True),
    )
    op.create_index("ix_chatbot_handoffs_conversation_id", "chatbot_handoffs", ["conversation_id"])
    op.create_index("ix_chatbot_handoffs_user_id", "chatbot_handoffs", ["user_id"])


def downgrade() -> None:
    for table in ("chatbot_handoffs", "chatbot_faq_learned", "chatbot_config_versions", "chatbot_products",
                  "chatbot_messages", "chatbot_conversations"):
        op.drop_table(table)
