"""channel accounts, sent parts, dead letters, instagram contacts

Revision ID: ca0001
Revises:
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "ca0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_adapter_accounts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("account_key", sa.String(200), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("secret_fields", sa.Text(), nullable=False),
        sa.Column("secrets", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("platform", "account_key", name="uq_channel_adapter_accounts_key"),
    )
    op.create_index("ix_channel_adapter_accounts_user_id", "channel_adapter_accounts", ["user_id"])
    op.create_table(
        "channel_adapter_sent_parts",
        sa.Column("reply_id", sa.String(120), primary_key=True),
        sa.Column("part_index", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("platform_message_id", sa.String(200), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_channel_adapter_sent_parts_platform_id", "channel_adapter_sent_parts",
                    ["platform", "platform_message_id"])
    op.create_table(
        "channel_adapter_dead_letters",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("contact_id", sa.String(200), nullable=False),
        sa.Column("reply_id", sa.String(120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("manual_retries", sa.Integer(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reply", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_channel_adapter_dead_letters_user_id", "channel_adapter_dead_letters", ["user_id"])
    op.create_index("ix_channel_adapter_dead_letters_reply_id", "channel_adapter_dead_letters", ["reply_id"])
    op.create_index("ix_channel_adapter_dead_letters_failed_at", "channel_adapter_dead_letters", ["failed_at"])
    op.create_table(
        "channel_adapter_instagram_contacts",
        sa.Column("account_key", sa.String(200), primary_key=True),
        sa.Column("contact_id", sa.String(200), primary_key=True),
        sa.Column("last_inbound_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("channel_adapter_instagram_contacts")
    op.drop_table("channel_adapter_dead_letters")
    op.drop_table("channel_adapter_sent_parts")
    op.drop_table("channel_adapter_accounts")
