"""administrative audit log: append-only, chained rows and their chain head

Revision ID: 0012adminaudit
Revises: 0011sessions
Create Date: 2026-12-04 18:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012adminaudit'
down_revision = '0011sessions'
branch_labels = None
depends_on = None

# The log is append-only in the database too. PostgreSQL refuses UPDATE and DELETE row by row
# (TRUNCATE, a table owner's act, fires no row trigger); SQLite refuses UPDATE only. A batch
# migration that rebuilds the table on SQLite must create the trigger again.
PG_FUNCTION = """
CREATE FUNCTION admin_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'admin_audit is append-only';
END;
$$ LANGUAGE plpgsql
"""
PG_TRIGGER = """
CREATE TRIGGER admin_audit_append_only BEFORE UPDATE OR DELETE ON admin_audit
FOR EACH ROW EXECUTE FUNCTION admin_audit_append_only()
"""
SQLITE_TRIGGER = """
CREATE TRIGGER admin_audit_append_only BEFORE UPDATE ON admin_audit
BEGIN SELECT RAISE(ABORT, 'admin_audit is append-only'); END
"""


def upgrade():
    op.create_table('admin_audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_audit_head'))
    )
    op.create_table('admin_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('prev_mac', sa.String(length=64), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_admin_audit_actor_id_users')),
    sa.ForeignKeyConstraint(['target_id'], ['users.id'], name=op.f('fk_admin_audit_target_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_audit')),
    sa.UniqueConstraint('seq', name=op.f('uq_admin_audit_seq'))
    )
    with op.batch_alter_table('admin_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_audit_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_admin_audit_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_admin_audit_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_admin_audit_target_id'), ['target_id'], unique=False)

    op.execute("INSERT INTO admin_audit_head (id, seq, mac) VALUES (1, 0, '" + "0" * 64 + "')")
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER admin_audit_append_only ON admin_audit")
        op.execute("DROP FUNCTION admin_audit_append_only()")
    else:
        op.execute("DROP TRIGGER admin_audit_append_only")
    with op.batch_alter_table('admin_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admin_audit_target_id'))
        batch_op.drop_index(batch_op.f('ix_admin_audit_at'))
        batch_op.drop_index(batch_op.f('ix_admin_audit_actor_id'))
        batch_op.drop_index(batch_op.f('ix_admin_audit_action'))

    op.drop_table('admin_audit')
    op.drop_table('admin_audit_head')
