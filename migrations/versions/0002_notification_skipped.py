"""Outbox rows the dispatcher did not send: status SKIPPED and notification.skip_reason.

A chasing notification (reminder, due, overdue, escalation) whose occurrence was
completed, cancelled or given a new due date before it went out is marked SKIPPED
with its reason instead of being sent (notifications/dispatch.py).

Autogenerate sees the new column only: a new value of an enum is written by hand. On
PostgreSQL the enum is a native type (ALTER TYPE); on SQLite it is a VARCHAR without a
CHECK constraint (0001 made it so), wide enough for 'SKIPPED', so nothing to change.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 16:05:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_VALUES = ('PENDING', 'SENT', 'FAILED')


def _postgres() -> bool:
    return op.get_bind().dialect.name == 'postgresql'


def upgrade() -> None:
    if _postgres():
        # Allowed inside the migration's transaction (PostgreSQL >= 12); nothing here uses the value.
        op.execute("ALTER TYPE notificationstatus ADD VALUE IF NOT EXISTS 'SKIPPED'")
    # A database adopted by persistence.db.upgrade_schema (tables made before migrations existed,
    # stamped 0001) may have been made from newer models that already have the column.
    columns = {c['name'] for c in sa.inspect(op.get_bind()).get_columns('notification')}
    if 'skip_reason' not in columns:
        with op.batch_alter_table('notification', schema=None) as batch_op:
            batch_op.add_column(sa.Column('skip_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    # The older code knows no SKIPPED: keep those rows as FAILED (never resent), reason in last_error.
    op.execute(
        "UPDATE notification SET status = 'FAILED', "
        "last_error = COALESCE(skip_reason, 'skipped') WHERE status = 'SKIPPED'"
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('skip_reason')
    if _postgres():
        # PostgreSQL cannot drop an enum value: build the old type again and switch the column to it.
        op.execute("ALTER TYPE notificationstatus RENAME TO notificationstatus_0002")
        op.execute("CREATE TYPE notificationstatus AS ENUM ('" + "', '".join(OLD_VALUES) + "')")
        op.execute("ALTER TABLE notification ALTER COLUMN status TYPE notificationstatus "
                   "USING status::text::notificationstatus")
        op.execute("DROP TYPE notificationstatus_0002")
