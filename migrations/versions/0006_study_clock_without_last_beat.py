"""study clock without last_beat_at (the holder's state keeps when it last earned)

Revision ID: 0006clock
Revises: 0005questions
Create Date: 2026-11-29 07:16:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006clock'
down_revision = '0005questions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('study_clocks', schema=None) as batch_op:
        batch_op.drop_column('last_beat_at')


def downgrade():
    with op.batch_alter_table('study_clocks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_beat_at', sa.DateTime(), nullable=False,
                                      server_default=sa.func.now()))
