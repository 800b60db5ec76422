"""the CRM: contacts (leads), their channel identities, orders of every source, merges (undo), audit, webhook outbox

Revision ID: chatbot_0003_crm
Revises: chatbot_0002_inbox
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "chatbot_0003_crm"
down_revision = "chatbot_0002_inbox"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "chatbot_contacts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("last_intents", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("tag_text", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("score_signals", sa.JSON(), nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        _ts("opted_out_at", True),
        sa.Column("opt_out_notified", sa.Boolean(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("merged_into", sa.String(36), nullable=True),
        _ts("first_seen"),
        _ts("last_seen"),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_index("ix_chatbot_contacts_last_seen", "chatbot_contacts", ["user_id", "last_seen", "id"])
    # every sort of the contact list is a keyset walk of one of these (user_id first: one shop's contacts)
    op.create_index("ix_chatbot_contacts_score", "chatbot_contacts", ["user_id", "score", "id"])
    op.create_index("ix_chatbot_contacts_name", "chatbot_contacts", ["user_id", "name", "id"])
    op.create_index("ix_chatbot_contacts_created", "chatbot_contacts", ["user_id", "created_at", "id"])
    op.create_index("ix_chatbot_contacts_phone", "chatbot_contacts", ["user_id", "phone"])
    if op.get_bind().dialect.name == "postgresql":
        # Substring search over name/phone/handles/tags: a trigram index keeps it fast at 100k+ contacts.
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_chatbot_contacts_search ON chatbot_contacts "
                   "USING gin (search_text gin_trgm_ops)")
    op.create_table(
        "chatbot_contact_identities",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("contact_ref", sa.String(36), sa.ForeignKey("chatbot_contacts.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("contact_id", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        _ts("created_at"),
        sa.UniqueConstraint("user_id", "contact_id", name="uq_chatbot_contact_identity"),
    )
    op.create_index("ix_chatbot_contact_identities_contact_ref", "chatbot_contact_identities", ["contact_ref"])
    op.create_table(
        "chatbot_orders",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("contact_ref", sa.String(36), nullable=True),
        sa.Column("conversation_id", sa.String(36), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("external_order_id", sa.String(100), nullable=True),
        sa.Column("line_items", sa.JSON(), nullable=False),
        sa.Column("cep", sa.String(9), nullable=False),
        sa.Column("payment", sa.String(40), nullable=False),
        sa.Column("total", sa.Numeric(12, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("tracking", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        _ts("confirmed_at", True),
        sa.UniqueConstraint("user_id", "source", "external_order_id", name="uq_chatbot_orders_external"),
    )
    op.create_index("ix_chatbot_orders_user_time", "chatbot_orders", ["user_id", "created_at", "id"])
    op.create_index("ix_chatbot_orders_contact_ref", "chatbot_orders", ["contact_ref"])
    op.create_table(
        "chatbot_contact_merges",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("kept_ref", sa.String(36), nullable=False),
        sa.Column("merged_ref", sa.String(36), nullable=False),
        sa.Column("moved_identities", sa.JSON(), nullable=False),
        sa.Column("moved_orders", sa.JSON(), nullable=False),
        sa.Column("kept_before", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        _ts("created_at"),
        _ts("undone_at", True),
    )
    op.create_index("ix_chatbot_contact_merges_user_id", "chatbot_contact_merges", ["user_id"])
    op.create_table(
        "chatbot_crm_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("contact_ref", sa.String(36), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        _ts("created_at"),
    )
    op.create_index("ix_chatbot_crm_audit_user_id", "chatbot_crm_audit", ["user_id"])
    op.create_table(
        "chatbot_crm_webhook_deliveries",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("contact_ref", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_index("ix_chatbot_crm_webhook_status", "chatbot_crm_webhook_deliveries", ["status", "created_at"])
    op.create_index("ix_chatbot_crm_webhook_deliveries_user_id", "chatbot_crm_webhook_deliveries", ["user_id"])
    op.create_index("ix_chatbot_crm_webhook_deliveries_contact_ref", "chatbot_crm_webhook_deliveries",
                    ["contact_ref"])


def downgrade() -> None:
    for table in ("chatbot_crm_webhook_deliveries", "chatbot_crm_audit", "chatbot_contact_merges", "chatbot_orders",
                  "chatbot_contact_identities",
                  "chatbot_contacts"):
        op.drop_table(table)
