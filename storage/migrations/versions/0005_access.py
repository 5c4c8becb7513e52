"""staff access: a user's role, session version, disabled and last-login times

Existing users become reviewers: they keep correcting and deciding, as before; exports and
user management (admin) are granted to whoever needs them (`intake user role NAME admin`).

Revision ID: 0005_access
Revises: 0004_respond
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import storage.models


revision = '0005_access'
down_revision = '0004_respond'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=10),
                                      nullable=False, server_default='reviewer'))
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('disabled_at', storage.models.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('last_login_at', storage.models.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('last_login_at')
        batch_op.drop_column('disabled_at')
        batch_op.drop_column('session_version')
        batch_op.drop_column('role')
