"""The dashboard as an ASGI application built from the environment's settings.

``dondoc up`` and ``dondoc web`` serve it through uvicorn by its import string
(``runtime.dashboard``), so no other package imports the web adapter.
"""

from __future__ import annotations

from fastapi import FastAPI

from persistence.db import make_engine
from settings import Settings
from web.app import create_app


def temporal_factory(settings: Settings):
    """A factory joining the Temporal server that ``dondoc up`` runs or ``TEMPORAL_ADDRESS`` names."""

    async def factory():
        from runtime.devserver import connect

        return await connect(settings)

    return factory


def app_from_environment() -> FastAPI:
    """The dashboard for the settings of the environment (uvicorn's factory)."""
    settings = Settings()
    engine = make_engine(settings.effective_database_url)
    return create_app(settings, engine, temporal_factory(settings))
