"""The dashboard's FastAPI application factory."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError
from temporalio.client import Client

from domain.clock import vn_date, vn_moment
from domain.status import BUCKETS, COLOURS, LABELS, STATUS_LABELS
from domain.vocabulary import DATA_LABELS, EVIDENCE_LABELS, event_label
from persistence.read_model import AREA_LABELS, SnapshotCache
from settings import Settings
from web.auth import LoginThrottle, SessionSigner, load_secret
from web.deps import LoginRequired

HERE = Path(__file__).resolve().parent

ClientFactory = Callable[[], Awaitable[Client]]


class TemporalGate:
    """Connects to Temporal on first use and keeps the client."""

    def __init__(self, factory: ClientFactory | None) -> None:
        self.factory = factory
        self._client: Client | None = None
        self._lock = asyncio.Lock()

    def reset(self) -> None:
        """Forget the client: the next use connects again."""
        self._client = None

    async def client(self) -> Client:
        if self._client is None:
            if self.factory is None:
                raise RuntimeError("Chưa cấu hình kết nối Temporal.")
            async with self._lock:
                if self._client is None:
                    self._client = await self.factory()
        return self._client


# No inline script anywhere (templates load scripts from /static only); inline style
# attributes stay allowed (bar widths, rendered mails).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]
# Uploaded evidence is served with one of these types, else as opaque bytes: never as HTML.
SAFE_UPLOAD_TYPES = frozenset({
    b"application/pdf", b"image/png", b"image/jpeg", b"image/gif", b"text/plain",
    b"application/msword", b"application/vnd.ms-excel", b"application/zip",
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
})


class SecurityHeaders:
    """ASGI middleware: security headers on every response; uploads as attachments of a safe type."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope.get("path", "").startswith("/uploads/")

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in {h for h, _ in SECURITY_HEADERS}]
                headers.extend(SECURITY_HEADERS)
                if upload and message.get("status") == 200:
                    headers = _as_attachment(headers)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _as_attachment(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    out: list[tuple[bytes, bytes]] = []
    disposition = b"attachment"
    for key, value in headers:
        name = key.lower()
        if name == b"content-type":
            kind = value.split(b";")[0].strip().lower()
            value = value if kind in SAFE_UPLOAD_TYPES else b"application/octet-stream"
        elif name == b"content-disposition":
            rest = value.split(b";", 1)
            disposition = b"attachment" + (b";" + rest[1] if len(rest) > 1 else b"")
            continue
        out.append((key, value))
    out.append((b"content-disposition", disposition))
    return out


def _fmt_date(value: date | datetime | None, tz: str = "Asia/Ho_Chi_Minh") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return vn_moment(value, tz)
    return vn_date(value)


def _iso_to_vn(value: object) -> str:
    """"2026-03-10" -> "10/03/2026"; anything else unchanged."""
    try:
        return date.fromisoformat(str(value)).strftime("%d/%m/%Y")
    except ValueError:
        return str(value)


def make_templates(settings: Settings) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.filters["d"] = lambda v: _fmt_date(v, settings.timezone)
    env.filters["urlq"] = lambda v: quote(str(v), safe="")
    env.filters["isodate"] = _iso_to_vn
    env.filters["urlpath"] = lambda v: quote(str(v), safe="/")
    env.filters["filename"] = lambda v: Path(str(v)).name.split("-", 1)[-1]  # an upload's own name, not its path
    env.globals.update(
        BUCKETS=BUCKETS, BUCKET_LABELS=LABELS, BUCKET_COLOURS=COLOURS, STATUS_LABELS=STATUS_LABELS,
        AREA_LABELS=AREA_LABELS, EVIDENCE_LABELS=EVIDENCE_LABELS, DATA_LABELS=DATA_LABELS, event_label=event_label,
    )
    from domain.vocabulary import ProgressStatus
    from web.progress import STATE_LABELS, inbox_badge, picker

    env.globals["PROGRESS_LABELS"] = {s.value: s.label for s in ProgressStatus}
    env.globals["PROGRESS_STATE_LABELS"] = STATE_LABELS

    env.globals["period_picker"] = picker  # the plan year and period, chosen on every page
    env.globals["inbox_badge"] = inbox_badge  # the coordinator's "chờ xác nhận" count in the menu
    return templates


def create_app(
    settings: Settings,
    engine: Engine,
    temporal_client_factory: ClientFactory | None = None,
    *,
    session_seconds: int | None = None,
) -> FastAPI:
    """Build the dashboard.

    Args:
        settings: read for the data directory (uploads, signing key), time zone, base URL.
        engine: the dondoc database.
        temporal_client_factory: async callable returning a connected Temporal client;
            called once, on the first action that must reach a task workflow.
        session_seconds: session lifetime (default ``settings.session_hours``).
    """
    from web import (
        accounts,
        api,
        decisions,
        indicators,
        intake,
        ops,
        pages_auth,
        pages_dashboard,
        pages_downloads,
        pages_indicators,
        pages_mail,
        pages_task,
        province,
        reports,
    )

    app = FastAPI(
        title="dondoc API",
        description="API của dondoc: theo dõi và đôn đốc thực hiện kế hoạch cải cách hành chính.",
        version="1.0",
        docs_url=None,  # the stock docs page loads its assets from a CDN; /api/docs is served locally
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.temporal = TemporalGate(temporal_client_factory)
    signer = SessionSigner(load_secret(settings), max_age=int(settings.session_hours * 3600))
    if session_seconds is not None:
        signer.max_age = session_seconds
    app.state.signer = signer
    app.state.idle_seconds = settings.session_idle_minutes * 60
    app.state.login_throttle = LoginThrottle(
        settings.login_max_failures, settings.login_max_failures_per_address, settings.login_lock_seconds
    )
    app.state.snapshots = SnapshotCache(engine, settings.timezone)
    app.state.user_cache = {}
    app.state.templates = make_templates(settings)
    app.state.upload_dir = Path(settings.data_dir).resolve() / "uploads"
    app.state.secure_cookies = settings.base_url.startswith("https://")

    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(api.router)
    app.include_router(pages_auth.router)  # /, /login, /logout
    app.include_router(pages_dashboard.router)  # /overview, /tasks, /my, /escalations, /ky, /inbox/confirm
    app.include_router(pages_mail.router)  # /mails
    app.include_router(pages_task.router)  # /tasks/{id} and its forms
    app.include_router(pages_downloads.router)  # /uploads, /export, /ical
    app.include_router(ops.router)  # /healthz (database, schema) and /metrics
    app.include_router(province.router)  # /api/province/overview for Role.PROVINCE
    app.include_router(intake.router)  # /intake: plan upload, review, activation
    app.include_router(decisions.router)  # /decisions: extension requests in context
    app.include_router(reports.router)  # /reports: the period's report draft, the evidence pack
    app.include_router(indicators.router)  # /api/plans/{code}/indicators
    app.include_router(pages_indicators.router)  # /indicators: the plan's chỉ tiêu and the form to report one
    accounts.install(app)  # /account, /admin (accounts, units), no-store, countdown

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired) -> Any:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "Chưa đăng nhập."}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, _exc: Exception) -> Any:
        # A number too large for a date or a database integer (?days=10**12, /tasks/10**30):
        # the request is wrong, not the server.
        return await _http_error(request, HTTPException(422, "Giá trị số ngoài phạm vi cho phép."))

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Any:
        if request.url.path.startswith("/api/") or request.url.path.startswith("/ical/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return app.state.templates.TemplateResponse(
            request, "error.html", {"status": exc.status_code, "message": exc.detail, "user": None},
            status_code=exc.status_code,
        )

    return app


def page(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """Render ``template`` with the common context."""
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status_code)
