"""field values keep the other readings of the trust model (for the review UI)

Revision ID: 0003_review
Revises: 0002_trust
"""

from alembic import op
import sqlalchemy as sa


revision = '0003_review'
down_revision = '0002_trust'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('fieldvalue') as batch:
        batch.add_column(sa.Column('evidence_json', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('fieldvalue') as batch:
        batch.drop_column('evidence_json')
