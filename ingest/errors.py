"""Errors of the importer. Every message is Vietnamese and names the problem."""

from __future__ import annotations


class IngestError(Exception):
    """A plan document that cannot be imported; ``str(error)`` is for the user."""


class ReadError(IngestError):
    """The file cannot be read: missing, empty, broken, scanned, unsupported."""


class NotAPlanError(IngestError):
    """The file reads fine but does not look like a plan (no tasks found)."""
