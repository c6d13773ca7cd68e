"""add discovery_queries table and prospects.discovery_query_id

Revision ID: add_discovery_query
Revises: 4b9608290b5d
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "add_discovery_query"
down_revision = "4b9608290b5d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "discovery_queries",
        sa.Column("id", postgresql.UUID(), primary_key=True),
        sa.Column("job_id", postgresql.UUID(), sa.ForeignKey("jobs.id", ondelete="CASCADE")),
        sa.Column("keyword", sa.String(255), nullable=False),
    )
    # Not guarded: fails when the column was added by hand (the hotfix of the runbooks).
    op.add_column("prospects", sa.Column("discovery_query_id", postgresql.UUID(), nullable=True))


def downgrade() -> None:
    op.drop_column("prospects", "discovery_query_id")
    op.drop_table("discovery_queries")
