"""sent parts name their reply's owner and contact, so a channel's receipt finds whose message it was

Revision ID: ca0002
Revises: ca0001
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "ca0002"
down_revision = "ca0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_adapter_sent_parts") as batch:
        batch.add_column(sa.Column("user_id", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("contact_id", sa.String(200), nullable=False, server_default=""))
    op.create_index("ix_channel_adapter_sent_parts_contact", "channel_adapter_sent_parts",
                    ["platform", "contact_id", "sent_at"])


def downgrade() -> None:
    op.drop_index("ix_channel_adapter_sent_parts_contact", "channel_adapter_sent_parts")
    with op.batch_alter_table("channel_adapter_sent_parts") as batch:
        batch.drop_column("contact_id")
        batch.drop_column("user_id")
