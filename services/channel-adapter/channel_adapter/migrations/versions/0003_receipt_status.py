"""sent parts keep the furthest status the channel's receipts reported (a late 'delivered' never undoes 'read')

Revision ID: ca0003
Revises: ca0002
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "ca0003"
down_revision = "ca0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_adapter_sent_parts") as batch:
        batch.add_column(sa.Column("receipt_status", sa.String(16), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("channel_adapter_sent_parts") as batch:
        batch.drop_column("receipt_status")
