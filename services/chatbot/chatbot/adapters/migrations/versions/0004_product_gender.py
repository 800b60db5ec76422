"""a product's grammatical gender (how the bot writes "o"/"a" before its name); empty = inferred from the name

Revision ID: chatbot_0004_product_gender
Revises: chatbot_0003_crm
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "chatbot_0004_product_gender"
down_revision = "chatbot_0003_crm"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("chatbot_products", sa.Column("gender", sa.String(16), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("chatbot_products") as batch:
        batch.drop_column("gender")
