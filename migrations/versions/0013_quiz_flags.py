"""a learner's mark-for-review flag on an attempt's answer; options shuffled by default

Shuffling the options became the default of quizzes and exams. Before, it was off unless the
author ticked it, so an activity stored with it off never chose that: it takes the new default
(papers already started keep their order).

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
    activities = sa.table('activities', sa.column('id', sa.Integer),
                          sa.column('type_key', sa.String), sa.column('config', sa.JSON))
    bind = op.get_bind()
    rows = bind.execute(sa.select(activities.c.id, activities.c.config).where(
        activities.c.type_key.in_(('quiz', 'exam')))).all()
    for activity_id, config in rows:
        if config and config.get('shuffle_answers') is False:
            bind.execute(activities.update().where(activities.c.id == activity_id)
                         .values(config={**config, 'shuffle_answers': True}))


def downgrade():
    with op.batch_alter_table('attempt_answers', schema=None) as batch_op:
        batch_op.drop_column('flagged')
