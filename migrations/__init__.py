"""Alembic migrations of dondoc's schema (see domain/db.py for the helpers that run them)."""
