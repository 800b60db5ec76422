"""the shop's read models: a product's source (manual | csv | tiktok_shop), its TikTok Shop id, whether the bot
offers it and when it was synced; a synced order's buyer (name, phone, handle) and its platform update time

Revision ID: chatbot_0005_shop_read_models
Revises: chatbot_0004_product_gender
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "chatbot_0005_shop_read_models"
down_revision = "chatbot_0004_product_gender"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chatbot_products") as batch:
        batch.add_column(sa.Column("source", sa.String(16), nullable=False, server_default="manual"))
        batch.add_column(sa.Column("external_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("platform_status", sa.String(24), nullable=False, server_default=""))
        batch.add_column(sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_unique_constraint("uq_chatbot_products_external", ["user_id", "source", "external_id"])
    with op.batch_alter_table("chatbot_orders") as batch:
        batch.add_column(sa.Column("buyer_name", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("buyer_phone", sa.String(20), nullable=False, server_default=""))
        batch.add_column(sa.Column("buyer_handle", sa.String(100), nullable=False, server_default=""))
        batch.add_column(sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("external_updated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_chatbot_orders_buyer_phone", "chatbot_orders", ["user_id", "buyer_phone"])
    op.create_index("ix_chatbot_orders_buyer_handle", "chatbot_orders", ["user_id", "buyer_handle"])


def downgrade() -> None:
    op.drop_index("ix_chatbot_orders_buyer_handle", "chatbot_orders")
    op.drop_index("ix_chatbot_orders_buyer_phone", "chatbot_orders")
    with op.batch_alter_table("chatbot_orders") as batch:
        for column in ("external_updated_at", "synced_at", "buyer_handle", "buyer_phone", "buyer_name"):
            batch.drop_column(column)
    with op.batch_alter_table("chatbot_products") as batch:
        batch.drop_constraint("uq_chatbot_products_external", type_="unique")
        for column in ("synced_at", "platform_status", "active", "external_id", "source"):
            batch.drop_column(column)
