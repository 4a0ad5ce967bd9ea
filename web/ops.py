"""Operations endpoints: ``/healthz`` (database reachable, schema current) and ``/metrics``.

Included by web/app.py (``app.include_router(ops.router)``); both are unauthenticated,
like every health and metrics endpoint, and reveal no task data: only counts per
organisation code. Bind the web service to a private address (the compose file binds
127.0.0.1) or filter these paths at the reverse proxy if that is too much.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from domain.db import SchemaNotCurrent, ensure_schema_current
from runtime.observability import render_metrics

router = APIRouter(include_in_schema=False)


def _health(engine) -> tuple[int, dict]:
    try:
        status = ensure_schema_current(engine)
    except SchemaNotCurrent as error:
        return 503, {"ok": False, "database": "ok", "schema": "behind", "detail": str(error)}
    except Exception as error:  # noqa: BLE001 - any failure to reach the database is "unhealthy"
        return 503, {"ok": False, "database": "unreachable",
                     "detail": f"Không kết nối được cơ sở dữ liệu: {type(error).__name__}"}
    return 200, {"ok": True, "database": "ok", "schema": status.current}


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    """200 when the database answers and its schema is the one this code needs, else 503."""
    code, body = await asyncio.to_thread(_health, request.app.state.engine)
    return JSONResponse(body, status_code=code)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """Prometheus text format: outbox per organisation and status, dispatch counters, SDK metrics."""
    body = await asyncio.to_thread(render_metrics, request.app.state.engine, request.app.state.settings)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
