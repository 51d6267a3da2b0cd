"""jobs: details of a job's outcome (an import's problems, row by row)

Revision ID: 0018jobdetails
Revises: 0017jobs
Create Date: 2026-12-05 03:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018jobdetails'
down_revision = '0017jobs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs') as batch_op:
        batch_op.add_column(sa.Column('details', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('jobs') as batch_op:
        batch_op.drop_column('details')
