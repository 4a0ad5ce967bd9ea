"""Server-side dashboard sessions (web_session): logout, password or role change end them.

Revision ID: 0005_ops
Revises: 0004_report
Create Date: 2026-11-24 10:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0005_ops'
down_revision: str | None = '0004_report'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database adopted by persistence.db.upgrade_schema (stamped 0001) may have been made
    # from newer models that already have the table.
    if 'web_session' in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        'web_session',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('officer_id', sa.Integer(), nullable=False),
        sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('last_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('ended_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['officer_id'], ['officer.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_web_session_officer_id'), 'web_session', ['officer_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_web_session_officer_id'), table_name='web_session')
    op.drop_table('web_session')
