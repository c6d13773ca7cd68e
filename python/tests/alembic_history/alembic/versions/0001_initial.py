"""initial: users, jobs, prospects

Revision ID: 0001_initial
Revises:
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", postgresql.UUID(), primary_key=True),
        sa.Column("email", sa.String(255), nullable=False, unique=True),
    )
    op.create_table(
        "jobs",
        sa.Column("id", postgresql.UUID(), primary_key=True),
        sa.Column("user_id", postgresql.UUID(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("status", sa.String(50), nullable=False, server_default="pending"),
    )
    op.create_table(
        "prospects",
        sa.Column("id", postgresql.UUID(), primary_key=True),
        sa.Column("domain", sa.String(255), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("prospects")
    op.drop_table("jobs")
    op.drop_table("users")
