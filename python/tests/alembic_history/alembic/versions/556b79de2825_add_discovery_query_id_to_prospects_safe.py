"""add discovery_query_id index and foreign key to prospects (safe)

Idempotent: safe to run multiple times (existence checks before each change).

Revision ID: 556b79de2825
Revises: add_discovery_query
"""
import sqlalchemy as sa
from alembic import op

revision = "556b79de2825"
down_revision = "add_discovery_query"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    columns = {c["name"] for c in inspector.get_columns("prospects")}
    if "discovery_query_id" not in columns:
        op.add_column("prospects", sa.Column("discovery_query_id", sa.Uuid(), nullable=True))
    indexes = {i["name"] for i in inspector.get_indexes("prospects")}
    if "ix_prospects_discovery_query_id" not in indexes:
        op.create_index("ix_prospects_discovery_query_id", "prospects", ["discovery_query_id"])
    foreign_keys = {f["name"] for f in inspector.get_foreign_keys("prospects")}
    if "fk_prospects_discovery_query_id" not in foreign_keys:
        op.create_foreign_key(
            "fk_prospects_discovery_query_id", "prospects", "discovery_queries",
            ["discovery_query_id"], ["id"], ondelete="SET NULL",
        )


def downgrade() -> None:
    op.drop_constraint("fk_prospects_discovery_query_id", "prospects", type_="foreignkey")
    op.drop_index("ix_prospects_discovery_query_id", table_name="prospects")
