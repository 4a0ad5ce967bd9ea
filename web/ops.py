"""Operations endpoints: ``/healthz`` (database writable, schema current, Temporal, worker) and ``/metrics``.

Included by web/app.py (``app.include_router(ops.router)``); both are unauthenticated,
like every health and metrics endpoint, and reveal no task data: only counts per
organisation code. Bind the web service to a private address (the compose file binds
127.0.0.1) or filter these paths at the reverse proxy if that is too much.
"""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from persistence.db import SchemaNotCurrent, ensure_schema_current
from runtime.observability import render_metrics

router = APIRouter(include_in_schema=False)


def _health(engine) -> tuple[int, dict]:
    from runtime.database import writable_probe

    try:
        status = ensure_schema_current(engine)
    except SchemaNotCurrent as error:
        return 503, {"ok": False, "database": "ok", "schema": "behind", "detail": str(error)}
    except Exception as error:  # noqa: BLE001 - any failure to reach the database is "unhealthy"
        return 503, {"ok": False, "database": "unreachable",
                     "detail": f"Không kết nối được cơ sở dữ liệu: {type(error).__name__}"}
    problem = writable_probe(engine)
    if problem is not None:
        return 503, {"ok": False, "database": "read-only", "schema": status.current,
                     "detail": f"Cơ sở dữ liệu không ghi được: {problem}"}
    return 200, {"ok": True, "database": "ok", "schema": status.current}


TEMPORAL_TIMEOUT = 3.0
POLLER_FRESH_SECONDS = 120  # a worker long-polls continuously; older than this: not polling


async def _temporal_health(request: Request) -> tuple[bool, dict]:
    """Temporal reachable, and a worker polling the task queue (ok, fields for the body)."""
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    from runtime.devserver import _describe_namespace

    gate = request.app.state.temporal
    if gate.factory is None:  # a dashboard built without Temporal (tests, read-only deployments)
        return True, {"temporal": "not configured"}
    settings = request.app.state.settings
    try:
        client = await asyncio.wait_for(gate.client(), TEMPORAL_TIMEOUT)
        await asyncio.wait_for(_describe_namespace(client, client.namespace), TEMPORAL_TIMEOUT)
    except Exception as error:  # noqa: BLE001 - any failure means "unreachable"
        gate.reset()  # reconnect next time (the embedded server may have been restarted)
        reason = str(error).splitlines()[0][:160] if str(error) else type(error).__name__
        return False, {"temporal": "unreachable",
                       "detail": f"Không kết nối được máy chủ Temporal: {reason}. Việc đôn đốc đang dừng."}
    try:
        answer = await asyncio.wait_for(client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
            namespace=client.namespace, task_queue=TaskQueue(name=settings.task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)), TEMPORAL_TIMEOUT)
    except Exception as error:  # noqa: BLE001
        return False, {"temporal": "ok", "worker": "unknown", "detail": f"Không hỏi được hàng đợi: {error}"}
    now = time.time()
    fresh = [p for p in answer.pollers
             if p.last_access_time.seconds and now - p.last_access_time.ToSeconds() < POLLER_FRESH_SECONDS]
    if not fresh:
        return False, {"temporal": "ok", "worker": "not polling",
                       "detail": f"Không có worker nào nhận việc ở hàng đợi {settings.task_queue}: việc đôn đốc đang dừng."}
    return True, {"temporal": "ok", "worker": "polling", "workers": len(fresh)}


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    """200 when the database answers and takes writes with the schema this code needs, Temporal
    answers and a worker polls the task queue; else 503 with the reason."""
    code, body = await asyncio.to_thread(_health, request.app.state.engine)
    temporal_ok, temporal = await _temporal_health(request)
    if not temporal_ok:
        details = [d for d in (body.get("detail"), temporal.get("detail")) if d]
        body = {**body, **temporal, "ok": False, "detail": " ".join(details)}
        code = 503
    else:
        body = {**temporal, **body}
    return JSONResponse(body, status_code=code)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """Prometheus text format: outbox per organisation and status, dispatch counters, SDK metrics."""
    body = await asyncio.to_thread(render_metrics, request.app.state.engine, request.app.state.settings)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
