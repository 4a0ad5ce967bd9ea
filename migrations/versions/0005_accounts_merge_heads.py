"""Merge point of the web_session branch (h-ops) and the reporting branch (main).

No schema change: it only makes ``alembic upgrade head`` / ``stamp head`` see one head
while both branches are in this line. Drop it if the lead re-chains 0003_ops instead.

Revision ID: 0005_accounts
Revises: 0003_ops, 0004_report
"""
from __future__ import annotations

from collections.abc import Sequence

revision: str = '0005_accounts'
down_revision: str | Sequence[str] | None = ('0003_ops', '0004_report')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
