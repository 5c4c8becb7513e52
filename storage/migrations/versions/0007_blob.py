"""raw bytes kept in the database by hash, for workers on other machines

Revision ID: 0007_blob
Revises: 0006_claim
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import storage.models


revision = '0007_blob'
down_revision = '0006_claim'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'blob',
        sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('stored_at', storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('digest'),
    )
    with op.batch_alter_table('blob') as batch:
        batch.create_index(batch.f('ix_blob_stored_at'), ['stored_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('blob') as batch:
        batch.drop_index(batch.f('ix_blob_stored_at'))
    op.drop_table('blob')
