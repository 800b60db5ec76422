"""automation tables: profiles, tasks, handled items, workers

Revision ID: automation_0001
Revises:
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "automation_0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "automation_profiles",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("region", sa.String(8), nullable=False),
        sa.Column("seller_center_url", sa.String(500), nullable=False),
        sa.Column("login_masked", sa.String(320), nullable=False),
        sa.Column("credentials_enc", sa.Text(), nullable=False),
        sa.Column("session_state_enc", sa.Text(), nullable=True),
        sa.Column("has_proxy", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.JSON(), nullable=False),
        sa.Column("daily_caps", sa.JSON(), nullable=False),
        sa.Column("active_hours", sa.String(11), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("last_verified_at", TS, nullable=True),
        sa.Column("lease_owner", sa.String(80), nullable=True),
        sa.Column("lease_expires_at", TS, nullable=True),
    )
    op.create_index("ix_automation_profiles_user_id", "automation_profiles", ["user_id"])
    op.create_index("ix_automation_profiles_status", "automation_profiles", ["status"])
    op.create_table(
        "automation_tasks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("task_type", sa.String(32), nullable=False),
        sa.Column("profile_id", sa.String(36), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("error_kind", sa.String(40), nullable=False),
        sa.Column("retry_count", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("started_at", TS, nullable=True),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("worker_id", sa.String(80), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("artifacts", sa.JSON(), nullable=False),
    )
    op.create_index("ix_automation_tasks_user_id", "automation_tasks", ["user_id"])
    op.create_index("ix_automation_tasks_profile_id", "automation_tasks", ["profile_id"])
    op.create_index("ix_automation_tasks_status", "automation_tasks", ["status"])
    op.create_table(
        "automation_handled_items",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("profile_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("item_id", sa.String(200), nullable=False),
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("handled_at", TS, nullable=False),
        sa.UniqueConstraint("profile_id", "kind", "item_id", name="uq_automation_handled_item"),
    )
    op.create_index("ix_automation_handled_items_profile_id", "automation_handled_items", ["profile_id"])
    op.create_index("ix_automation_handled_items_handled_at", "automation_handled_items", ["handled_at"])
    op.create_table(
        "automation_workers",
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("worker_id", sa.String(80), nullable=False),
        sa.Column("process_id", sa.String(80), nullable=False),
        sa.Column("desired_running", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("max_parallel_profiles", sa.Integer(), nullable=False),
        sa.Column("started_at", TS, nullable=True),
        sa.Column("heartbeat_at", TS, nullable=True),
        sa.Column("stopped_reason", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    for table in ("automation_workers", "automation_handled_items", "automation_tasks", "automation_profiles"):
        op.drop_table(table)
