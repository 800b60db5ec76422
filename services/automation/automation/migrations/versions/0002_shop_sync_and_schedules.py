"""shop sync (API connections, cursors, last published items) and recurring schedules

Revision ID: automation_0002
Revises: automation_0001
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "automation_0002"
down_revision = "automation_0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "automation_shop_connections",
        sa.Column("profile_id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("shop_id", sa.String(64), nullable=False),
        sa.Column("shop_name", sa.String(200), nullable=False),
        sa.Column("region", sa.String(8), nullable=False),
        sa.Column("shop_cipher", sa.String(200), nullable=False),
        sa.Column("tokens_enc", sa.Text(), nullable=False),
        sa.Column("access_expires_at", TS, nullable=False),
        sa.Column("connected_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_automation_shop_connections_user_id", "automation_shop_connections", ["user_id"])
    op.create_table(
        "automation_sync_cursors",
        sa.Column("profile_id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "automation_shop_items",
        sa.Column("profile_id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("item_id", sa.String(64), primary_key=True),
        sa.Column("update_time", sa.BigInteger(), nullable=False),
        sa.Column("content_hash", sa.String(32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("seen_at", TS, nullable=False),
    )
    op.create_table(
        "automation_schedules",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("profile_id", sa.String(36), nullable=False),
        sa.Column("task_type", sa.String(32), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("every_minutes", sa.Integer(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("next_run_at", TS, nullable=False),
        sa.Column("last_run_at", TS, nullable=True),
        sa.Column("last_task_id", sa.String(36), nullable=False),
        sa.Column("last_outcome", sa.String(40), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_automation_schedules_user_id", "automation_schedules", ["user_id"])
    op.create_index("ix_automation_schedules_profile_id", "automation_schedules", ["profile_id"])
    op.create_index("ix_automation_schedules_next_run_at", "automation_schedules", ["next_run_at"])


def downgrade() -> None:
    for table in ("automation_schedules", "automation_shop_items", "automation_sync_cursors",
                  "automation_shop_connections"):
        op.drop_table(table)
