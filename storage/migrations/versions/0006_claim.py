"""a message's claim (owner and lease), the text the review UI shows, a sighting's COPY

Revision ID: 0006_claim
Revises: 0005_access
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import storage.models


revision = '0006_claim'
down_revision = '0005_access'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('message') as batch:
        batch.add_column(sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch.add_column(sa.Column('claimed_at', storage.models.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('body_text', sa.Text(), nullable=True))
        batch.add_column(sa.Column('recipients', sa.Text(), nullable=True))
    with op.batch_alter_table('sighting') as batch:
        batch.add_column(sa.Column('copying_to', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sighting') as batch:
        batch.drop_column('copying_to')
    with op.batch_alter_table('message') as batch:
        batch.drop_column('recipients')
        batch.drop_column('body_text')
        batch.drop_column('claimed_at')
        batch.drop_column('claimed_by')
