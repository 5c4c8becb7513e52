"""field values carry the doubts of the trust model

Revision ID: 0002_trust
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa


revision = '0002_trust'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('fieldvalue') as batch:
        batch.add_column(sa.Column('doubts_json', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('fieldvalue') as batch:
        batch.drop_column('doubts_json')
