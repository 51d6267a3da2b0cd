"""a learner's mark-for-review flag on an attempt's answer

Revision ID: 0013quizflags
Revises: 0012adminaudit
Create Date: 2026-12-04 21:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013quizflags'
down_revision = '0012adminaudit'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempt_answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flagged', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('attempt_answers', schema=None) as batch_op:
        batch_op.drop_column('flagged')
