"""shops, memberships with roles, invitations; every existing user becomes the owner of a shop of their own

The shop of an existing user has that user's id: the services key their rows by the `x-user-id` the gateway
sends, which becomes the shop id, so every row they hold stays with its seller without a service migration.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gateway_shops",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "gateway_memberships",
        sa.Column("user_id", sa.String(36), sa.ForeignKey("gateway_users.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("shop_id", sa.String(36), sa.ForeignKey("gateway_shops.id", ondelete="CASCADE"), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_gateway_memberships_shop_id", "gateway_memberships", ["shop_id"])
    op.create_table(
        "gateway_invitations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("shop_id", sa.String(36), sa.ForeignKey("gateway_shops.id", ondelete="CASCADE"), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("invited_by", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_gateway_invitations_shop_id", "gateway_invitations", ["shop_id"])
    op.execute("INSERT INTO gateway_shops (id, name, created_at) SELECT id, email, created_at FROM gateway_users")
    op.execute("INSERT INTO gateway_memberships (user_id, shop_id, role, created_at) "
               "SELECT id, id, 'owner', created_at FROM gateway_users")


def downgrade() -> None:
    op.drop_index("ix_gateway_invitations_shop_id", table_name="gateway_invitations")
    op.drop_table("gateway_invitations")
    op.drop_index("ix_gateway_memberships_shop_id", table_name="gateway_memberships")
    op.drop_table("gateway_memberships")
    op.drop_table("gateway_shops")
