"""Plan intake in the browser: upload a plan, review its tasks, activate it.

Coordinators and admins upload the signed plan (.docx, .pdf, .txt, .xlsx); the importer
(``ingest.importer.import_plan``, what ``dondoc import`` runs) writes the review file;
the review page shows every task with its dates, warnings and source lines and edits
the same YAML file the CLI uses (``ingest.review_edit``); "Kích hoạt" lists the periods
already past (catch-up choices) and activates through ``runtime.activation.activate``.

Each intake lives in ``<data_dir>/intake/<organisation id>/<intake id>/``: the uploaded
document, ``organisation.yaml`` (the organisation as the database holds it),
``review.yaml``, ``review.prev.yaml`` (before the last re-import), ``source.json`` (the
document's lines) and ``meta.json``.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlmodel import Session, select

from domain.catch_up import DEFAULT_GRACE_WORKING_DAYS, NOTE_LIMIT, CatchUpChoice
from persistence.models import Unit
from web.api_models import DeadlinePreviewPublic
from web.app import page
from web.auth import CurrentUser
from web.deps import check_csrf, current_user, get_db

router = APIRouter()

ACCEPTED = (".docx", ".pdf", ".txt", ".xlsx")
MAX_PLAN_BYTES = 30 * 1024 * 1024
_ID = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$")


def coordinator(user: CurrentUser = Depends(current_user)) -> CurrentUser:
    """Intake is for coordinators and admins."""
    if not user.is_coordinator:
        raise HTTPException(403, "Chỉ cơ quan thường trực (điều phối) hoặc quản trị mới nhập và kích hoạt kế hoạch.")
    return user


# --- storage ------------------------------------------------------------------------------------


def _root(request: Request, user: CurrentUser) -> Path:
    return Path(request.app.state.settings.data_dir).resolve() / "intake" / str(user.organisation_id)


def _folder(request: Request, user: CurrentUser, intake_id: str) -> Path:
    if not _ID.match(intake_id):
        raise HTTPException(404, "Không có lượt nhập kế hoạch này.")
    folder = _root(request, user) / intake_id
    if not (folder / "meta.json").is_file():
        raise HTTPException(404, "Không có lượt nhập kế hoạch này.")
    return folder


def _meta(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "meta.json").read_text(encoding="utf-8"))


def _save_meta(folder: Path, meta: dict[str, Any]) -> None:
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")


def _source_lines(document: Path) -> dict[str, str]:
    """The document's lines by number, for showing beside each task (best effort)."""
    try:
        from ingest.readers import read_document

        return {str(line.number): (" | ".join(c for c in line.cells if c) if line.cells else line.text)
                for line in read_document(document).lines}
    except Exception:  # the review page works without them
        return {}


def _import(document: Path, folder: Path, year: int | None) -> None:
    """Run the importer on ``document`` and write ``review.yaml`` (``IngestError`` goes up)."""
    from domain.organisation import load_organisation
    from ingest.importer import import_plan
    from ingest.review import write_review

    org_path = folder / "organisation.yaml"
    result = import_plan(document, year=year, org=load_organisation(org_path), org_path=org_path)
    write_review(result, folder / "review.yaml")
    (folder / "source.json").write_text(json.dumps(_source_lines(document), ensure_ascii=False), encoding="utf-8")


async def _read_upload(form: Any) -> tuple[str, bytes, str | None]:
    """(file name, bytes, error) of the form's ``file`` field."""
    upload = form.get("file")
    name = getattr(upload, "filename", "") or ""
    if not name:
        return "", b"", "Hãy chọn tệp kế hoạch (.docx, .pdf, .txt, .xlsx)."
    if Path(name).suffix.lower() not in ACCEPTED:
        return name, b"", f"Không nhận tệp «{name}»: chỉ nhận .docx, .pdf, .txt, .xlsx."
    data = await upload.read()
    if not data:
        return name, b"", f"Tệp «{name}» rỗng."
    if len(data) > MAX_PLAN_BYTES:
        return name, b"", "Tệp quá lớn (tối đa 30 MB)."
    return name, data, None


def _store_document(folder: Path, name: str, data: bytes) -> Path:
    # The Vietnamese file name is kept in meta.json; on disk the name is fixed (no path from the user).
    target = folder / f"plan-{secrets.token_hex(3)}{Path(name).suffix.lower()}"
    target.write_bytes(data)
    return target


def _year(text: str | None) -> tuple[int | None, str | None]:
    text = (text or "").strip()
    if not text:
        return None, None
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        return None, f"Năm «{text}» không hợp lệ (ví dụ: 2026)."
    return int(text), None


# --- list and upload ------------------------------------------------------------------------------


def _intakes(request: Request, user: CurrentUser) -> list[dict[str, Any]]:
    root = _root(request, user)
    out = []
    for folder in sorted(root.glob("*/meta.json"), reverse=True) if root.is_dir() else []:
        meta = _meta(folder.parent)
        meta["id"] = folder.parent.name
        meta["at"] = datetime.fromisoformat(meta["at"])
        out.append(meta)
    return out


def _list_page(request: Request, user: CurrentUser, errors: dict[str, str] | None = None,
               values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return page(request, "intake_list.html", {
        "user": user, "nav": "intake", "intakes": _intakes(request, user), "errors": errors or {},
        "values": values or {}, "accepted": ",".join(ACCEPTED),
    }, status_code)


@router.get("/intake", include_in_schema=False)
def intake_list(request: Request, user: CurrentUser = Depends(coordinator)) -> Response:
    return _list_page(request, user)


@router.post("/intake", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def intake_upload(request: Request, user: CurrentUser = Depends(coordinator)) -> Response:
    from starlette.concurrency import run_in_threadpool

    from ingest.errors import IngestError
    from persistence.organisation_export import write_organisation_file

    form = await request.form()
    year, year_error = _year(form.get("year"))
    name, data, file_error = await _read_upload(form)
    values = {"year": str(form.get("year") or ""), "file_name": name}
    if year_error or file_error:
        return _list_page(request, user, {"year": year_error, "file": file_error}, values, 400)
    intake_id = f"{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    folder = _root(request, user) / intake_id
    folder.mkdir(parents=True)
    document = _store_document(folder, name, data)
    with Session(request.app.state.engine) as db:
        write_organisation_file(db, user.organisation_id, folder / "organisation.yaml")
    try:
        await run_in_threadpool(_import, document, folder, year)
    except IngestError as error:
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()
        return _list_page(request, user, {"file": f"Không nhập được «{name}»: {error}"}, values, 400)
    _save_meta(folder, {"file_name": name, "document": document.name, "year": year, "by": user.full_name,
                        "at": datetime.now(UTC).isoformat(), "activated": None, "plan_code": None})
    return RedirectResponse(f"/intake/{intake_id}", status_code=303)


# --- the review page --------------------------------------------------------------------------------


@dataclass
class Context:
    """What the review page and its actions need of one intake."""

    folder: Path
    meta: dict[str, Any]
    data: dict[str, Any]


def _load(request: Request, user: CurrentUser, intake_id: str) -> Context:
    from ingest.review_edit import load_data

    folder = _folder(request, user, intake_id)
    return Context(folder, _meta(folder), load_data(folder / "review.yaml"))


def _units(db: Session, user: CurrentUser) -> list[str]:
    return list(db.exec(select(Unit.name).where(Unit.organisation_id == user.organisation_id).order_by(Unit.name)))


def _calendar(folder: Path) -> Any:
    from domain.organisation import load_organisation

    return load_organisation(folder / "organisation.yaml")


def deadline_dates(text: str | None, year: int, source_year: int | None, calendar: Any) -> tuple[list[str], str | None]:
    """(dates as dd/mm/yyyy with their period, error) of a deadline as written."""
    from domain.deadlines import DeadlineError
    from persistence.plan_store import due_dates

    if not text or not str(text).strip():
        return [], "Chưa có thời hạn."
    try:
        _, dues = due_dates(str(text), year, source_year or year, calendar)
    except DeadlineError as error:
        return [], str(error)
    if not dues:
        return ["thường xuyên (báo cáo theo kỳ)"], None
    return [f"{d.due:%d/%m/%Y} ({d.period})" for d in dues], None


def _source_span(source: dict, item: Any) -> list[tuple[int, str]]:
    """The document's lines of a task or chỉ tiêu (at most 31), for showing beside it."""
    src = item.get("source") or {}
    start, end = src.get("line_start"), src.get("line_end") or src.get("line_start")
    return [(n, source.get(str(n), "")) for n in range(start, min(end, start + 30) + 1)] if start else []


def _indicator_rows(data: dict[str, Any], resolve: Any, source: dict, by_code: dict[str, list[str]],
                    posted: dict[int, dict[str, str]]) -> list[dict[str, Any]]:
    """Each chỉ tiêu of the review file as the page shows it: its targets, area, owner and problems.

    ``posted``: the values a refused form sent (kept in the fields beside their errors).
    """
    from domain.indicators import indicator_code, parse_target, split_targets
    from ingest.areas import AREAS

    rows = []
    for index, item in enumerate(data.get("indicators") or []):
        values = posted.get(index) or {}
        text = values.get("text", str(item.get("text") or ""))
        owner = values.get("owner", str(item.get("owner") or ""))
        area = values.get("area", str(item.get("area") or ""))
        clauses = split_targets(text) if text.strip() else []
        code = indicator_code(index + 1)
        targets = []
        for n, clause in enumerate(clauses):
            target = parse_target(clause)
            targets.append((indicator_code(index + 1, n, len(clauses)),
                            target.text() if target else "không có số: báo cáo đạt / chưa đạt"))
        unit = resolve(owner) if owner else None
        rows.append({
            "index": index, "code": code, "text": text, "targets": targets, "area": area,
            "owner": unit.name if unit is not None else owner, "lines": _source_span(source, item),
            "warnings": by_code.get(code, []),
            "area_error": f"Lĩnh vực «{area}» không hợp lệ: hãy chọn trong danh sách." if area and area not in AREAS else None,
            "owner_error": f"Đơn vị «{owner}» không có trong danh sách đơn vị: hãy chọn đơn vị đúng."
            if owner and unit is None else None,
        })
    return rows


def _review_context(request: Request, user: CurrentUser, intake_id: str, db: Session,
                    errors: dict[str, str] | None = None, status: int = 200,
                    posted: dict[int, dict[str, str]] | None = None) -> Response:
    from domain.organisation import OrganisationError
    from ingest.areas import AREAS
    from ingest.review import check_review
    from ingest.review_edit import diff, indicator_diff, load_data, warnings_by_task

    ctx = _load(request, user, intake_id)
    try:
        org = _calendar(ctx.folder)
        resolve, calendar = org.resolve_unit, org.work_calendar()
    except OrganisationError:
        resolve, calendar = (lambda _name: None), None
    plan = ctx.data.get("plan") or {}
    year = int(plan.get("year") or date.today().year)
    source = json.loads((ctx.folder / "source.json").read_text(encoding="utf-8")) if (ctx.folder / "source.json").is_file() else {}
    by_task, general = warnings_by_task(ctx.data)
    _, problems = check_review(ctx.folder / "review.yaml")
    rows = []
    for index, task in enumerate(ctx.data["tasks"]):
        lines = _source_span(source, task)
        dates, deadline_error = deadline_dates(task.get("deadline"), year, plan.get("source_year"), calendar) if calendar else ([], None)
        unmatched = [u for u in (task.get("lead") or []) + (task.get("coordinators") or []) if resolve(u) is None]
        rows.append({"index": index, "task": task, "lines": lines, "dates": dates, "deadline_error": deadline_error,
                     "warnings": by_task.get(str(task.get("code")), []), "unmatched": unmatched,
                     "lead": [(resolve(u).name if resolve(u) else u) for u in task.get("lead") or []],
                     "coordinators": [(resolve(u).name if resolve(u) else u) for u in task.get("coordinators") or []]})
    prev = ctx.folder / "review.prev.yaml"
    changes = [*diff(previous := load_data(prev), ctx.data), *indicator_diff(previous, ctx.data)] if prev.is_file() else None
    return page(request, "intake_review.html", {
        "user": user, "nav": "intake", "intake_id": intake_id, "meta": ctx.meta, "plan": plan, "rows": rows,
        "general_warnings": general, "all_warnings": ctx.data.get("warnings") or [],
        "problems": [p for p in problems if p.severity == "error"], "units": _units(db, user), "areas": AREAS,
        "changes": changes, "errors": errors or {}, "year": year, "note_limit": NOTE_LIMIT,
        "indicators": _indicator_rows(ctx.data, resolve, source, by_task, posted or {}),
    }, status)


@router.get("/intake/{intake_id}", include_in_schema=False)
def intake_review(intake_id: str, request: Request, user: CurrentUser = Depends(coordinator),
                  db: Session = Depends(get_db)) -> Response:
    return _review_context(request, user, intake_id, db)


def _back(intake_id: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/intake/{intake_id}{anchor}", status_code=303)


def _task_index(ctx: Context, index: int) -> int:
    if not 0 <= index < len(ctx.data["tasks"]):
        raise HTTPException(404, "Không có nhiệm vụ này trong tệp rà soát (tệp vừa được sửa ở nơi khác?). Hãy tải lại trang.")
    return index


def _list_field(form: Any, name: str) -> list[str]:
    values = [str(v).strip() for v in form.getlist(name) if str(v).strip()]
    extra = str(form.get(f"{name}_other") or "").strip()
    values += [v.strip() for v in extra.split(";") if v.strip()]
    return list(dict.fromkeys(values))


@router.post("/intake/{intake_id}/tasks/{index}", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def intake_task_save(intake_id: str, index: int, request: Request, user: CurrentUser = Depends(coordinator)) -> Response:
    from ingest.review_edit import save_data, update_task

    ctx = _load(request, user, intake_id)
    index = _task_index(ctx, index)
    form = await request.form()
    code = str(form.get("code") or "").strip()
    if not code:
        raise HTTPException(400, "Mã nhiệm vụ không được để trống.")
    if code != ctx.data["tasks"][index].get("code") and code in {str(t.get("code")) for t in ctx.data["tasks"]}:
        raise HTTPException(400, f"Mã «{code}» đã có ở nhiệm vụ khác.")
    update_task(ctx.data, index, {
        "code": code,
        "area": str(form.get("area") or "chi_dao"),
        "kind": "report" if form.get("kind") == "report" else "task",
        "title": str(form.get("title") or "").strip(),
        "lead": _list_field(form, "lead"),
        "coordinators": _list_field(form, "coordinators"),
        "deadline": str(form.get("deadline") or "").strip() or None,
        "product": str(form.get("product") or "").strip() or None,
    })
    save_data(ctx.data, ctx.folder / "review.yaml")
    return _back(intake_id, f"#t{index}")


@router.post("/intake/{intake_id}/indicators/{index}", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def intake_indicator_save(intake_id: str, index: int, request: Request, user: CurrentUser = Depends(coordinator),
                                db: Session = Depends(get_db)) -> Response:
    """Save one chỉ tiêu's text, area and owner (the unit reminded to report its actual value)."""
    from domain.indicators import indicator_code
    from domain.organisation import OrganisationError
    from ingest.areas import AREAS
    from ingest.review_edit import remove_item, save_data, update_indicator

    ctx = _load(request, user, intake_id)
    if not 0 <= index < len(ctx.data.get("indicators") or []):
        raise HTTPException(404, "Không có chỉ tiêu này trong tệp rà soát (tệp vừa được sửa ở nơi khác?). Hãy tải lại trang.")
    form = await request.form()
    values = {name: str(form.get(name) or "").strip() for name in ("text", "area", "owner")}
    errors: dict[str, str] = {}
    if not values["text"]:
        errors[f"ct{index}-text"] = "Cần ghi nội dung chỉ tiêu."
    if values["area"] and values["area"] not in AREAS:
        errors[f"ct{index}-area"] = f"Lĩnh vực «{values['area']}» không hợp lệ: hãy chọn trong danh sách."
    if values["owner"]:
        try:
            known = _calendar(ctx.folder).resolve_unit(values["owner"]) is not None
        except OrganisationError:
            known = False
        if not known:
            errors[f"ct{index}-owner"] = f"Đơn vị «{values['owner']}» không có trong tệp tổ chức: hãy chọn trong danh sách."
    if errors:
        return _review_context(request, user, intake_id, db, errors, 400, {index: values})
    update_indicator(ctx.data, index, {"text": values["text"], "area": values["area"] or None,
                                       "owner": values["owner"] or None})
    if values["owner"]:  # the importer's "no owner" warning for it is settled
        code = f"[{indicator_code(index + 1)}]"
        warnings = ctx.data.get("warnings") or []
        for n in reversed(range(len(warnings))):
            if code in str(warnings[n]) and "Chưa rõ đơn vị chủ trì báo cáo chỉ tiêu" in str(warnings[n]):
                remove_item(ctx.data, "warnings", n)
    save_data(ctx.data, ctx.folder / "review.yaml")
    return _back(intake_id, f"#ct{index}")


@router.post("/intake/{intake_id}/tasks/{index}/{operation}", include_in_schema=False, dependencies=[Depends(check_csrf)])
def intake_task_operation(intake_id: str, index: int, operation: str, request: Request,
                          user: CurrentUser = Depends(coordinator)) -> Response:
    from ingest.review_edit import add_task, merge_with_next, remove_task, save_data, split_task

    ctx = _load(request, user, intake_id)
    if operation == "add":
        target = add_task(ctx.data, index if 0 <= index < len(ctx.data["tasks"]) else None)
    else:
        index = _task_index(ctx, index)
        if operation == "remove":
            remove_task(ctx.data, index)
            target = max(index - 1, 0)
        elif operation == "split":
            target = split_task(ctx.data, index)
        elif operation == "merge":
            if index + 1 >= len(ctx.data["tasks"]):
                raise HTTPException(400, "Đây là nhiệm vụ cuối: không có nhiệm vụ sau để gộp.")
            merge_with_next(ctx.data, index)
            target = index
        else:
            raise HTTPException(404, "Thao tác không hợp lệ.")
    save_data(ctx.data, ctx.folder / "review.yaml")
    return _back(intake_id, f"#t{target}")


@router.post("/intake/{intake_id}/plan", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def intake_plan_save(intake_id: str, request: Request, user: CurrentUser = Depends(coordinator),
                           db: Session = Depends(get_db)) -> Response:
    from ingest.review_edit import save_data

    ctx = _load(request, user, intake_id)
    form = await request.form()
    year, error = _year(form.get("year"))
    if error or year is None:
        return _review_context(request, user, intake_id, db, {"year": error or "Cần ghi năm thực hiện."}, 400)
    plan = ctx.data.setdefault("plan", {})
    plan["number"] = str(form.get("number") or "").strip() or None
    plan["title"] = str(form.get("title") or "").strip() or plan.get("title")
    plan["year"] = year
    save_data(ctx.data, ctx.folder / "review.yaml")
    return _back(intake_id)


@router.post("/intake/{intake_id}/warnings/{n}/resolve", include_in_schema=False, dependencies=[Depends(check_csrf)])
def intake_warning_resolve(intake_id: str, n: int, request: Request, user: CurrentUser = Depends(coordinator)) -> Response:
    from ingest.review_edit import remove_item, save_data

    ctx = _load(request, user, intake_id)
    if 0 <= n < len(ctx.data.get("warnings") or []):
        remove_item(ctx.data, "warnings", n)
        save_data(ctx.data, ctx.folder / "review.yaml")
    return _back(intake_id, "#canh-bao")


@router.post("/intake/{intake_id}/reimport", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def intake_reimport(intake_id: str, request: Request, user: CurrentUser = Depends(coordinator),
                          db: Session = Depends(get_db)) -> Response:
    """Import an amended plan into the same intake; the page then shows what changed."""
    from starlette.concurrency import run_in_threadpool

    from ingest.errors import IngestError

    ctx = _load(request, user, intake_id)
    form = await request.form()
    name, data, error = await _read_upload(form)
    if error:
        return _review_context(request, user, intake_id, db, {"reimport": error}, 400)
    review = ctx.folder / "review.yaml"
    previous = review.read_bytes()
    document = _store_document(ctx.folder, name, data)
    try:
        await run_in_threadpool(_import, document, ctx.folder, (ctx.data.get("plan") or {}).get("year"))
    except IngestError as err:
        review.write_bytes(previous)
        document.unlink(missing_ok=True)
        return _review_context(request, user, intake_id, db, {"reimport": f"Không nhập được «{name}»: {err}"}, 400)
    (ctx.folder / "review.prev.yaml").write_bytes(previous)
    ctx.meta.update(file_name=name, document=document.name)
    _save_meta(ctx.folder, ctx.meta)
    return _back(intake_id, "#thay-doi")


# --- activation with catch-up ----------------------------------------------------------------------


def _today(org_config: Any) -> date:
    """Today on the organisation's own calendar day (its time zone), as ``plan activate`` judges "past"."""
    from domain import clock

    return clock.today(org_config.organisation.timezone)


@router.get("/intake/{intake_id}/activate", include_in_schema=False)
def intake_activate_form(intake_id: str, request: Request, user: CurrentUser = Depends(coordinator),
                         db: Session = Depends(get_db)) -> Response:
    return _activate_page(request, user, intake_id)


def _activate_page(request: Request, user: CurrentUser, intake_id: str, errors: dict[str, str] | None = None,
                   values: dict[str, str] | None = None, status: int = 200) -> Response:
    from ingest.review import check_review
    from runtime.catch_up import preview

    ctx = _load(request, user, intake_id)
    review, problems = check_review(ctx.folder / "review.yaml")
    problems = [p for p in problems if p.severity == "error"]
    periods, titles = [], {}
    if review is not None and not problems:
        org = _calendar(ctx.folder)
        periods = preview(request.app.state.engine, review, org, _today(org))
        titles = {t.code: t.title for t in review.tasks}
    return page(request, "intake_activate.html", {
        "user": user, "nav": "intake", "intake_id": intake_id, "meta": ctx.meta, "review": review,
        "problems": problems, "periods": periods, "titles": titles, "choices": list(CatchUpChoice),
        "grace_days": DEFAULT_GRACE_WORKING_DAYS, "errors": errors or {}, "values": values or {},
        "note_limit": NOTE_LIMIT, "warnings": len(ctx.data.get("warnings") or []),
    }, status)


@router.post("/intake/{intake_id}/activate", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def intake_activate(intake_id: str, request: Request, user: CurrentUser = Depends(coordinator)) -> Response:
    from runtime.activation import ActivationError, activate
    from runtime.catch_up import CatchUp

    ctx = _load(request, user, intake_id)
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    errors: dict[str, str] = {}
    grace_text = str(form.get("grace_days") or DEFAULT_GRACE_WORKING_DAYS).strip()
    grace = int(grace_text) if grace_text.isdigit() else 0
    if not 1 <= grace <= 60:
        errors["grace_days"] = "Số ngày làm việc của hạn bù phải từ 1 đến 60."
    choices: dict[tuple[str, str], tuple[CatchUpChoice, str]] = {}
    for name, value in form.items():
        if not name.startswith("choice:"):
            continue
        _, task_code, key = name.split(":", 2)
        try:
            choice = CatchUpChoice(str(value))
        except ValueError:
            continue
        note = str(form.get(f"note:{task_code}:{key}") or "").strip()
        if len(note) > NOTE_LIMIT:
            errors[f"note:{task_code}:{key}"] = f"Ghi chú dài quá {NOTE_LIMIT} ký tự."
        elif choice == CatchUpChoice.DONE and not note:
            errors[f"note:{task_code}:{key}"] = "Cần ghi chú cho kỳ đã làm xong (ví dụ: số văn bản, ngày hoàn thành)."
        choices[(task_code, key)] = (choice, note)
    if errors:
        return _activate_page(request, user, intake_id, errors, values, 400)
    catch_up = CatchUp(today=_today(_calendar(ctx.folder)), choices=choices, grace_days=grace, actor=user.username)
    try:
        client = await request.app.state.temporal.client()
        report = await activate(ctx.folder / "review.yaml", ctx.folder / "organisation.yaml",
                                request.app.state.settings, client=client, catch_up=catch_up)
    except ActivationError as error:
        return _activate_page(request, user, intake_id, {"activation": str(error)}, values, 400)
    ctx.meta.update(activated=datetime.now(UTC).isoformat(), plan_code=report.plan_code,
                    summary=report.summary(), catch_up={f"{k[0]}:{k[1]}": v[0].value for k, v in choices.items()})
    _save_meta(ctx.folder, ctx.meta)
    request.app.state.snapshots.invalidate(user.organisation_id)
    return RedirectResponse(f"/intake/{intake_id}/activate?done=1", status_code=303)


# --- the deadline preview ----------------------------------------------------------------------------


@router.get("/api/deadline-preview", response_model=DeadlinePreviewPublic, summary="Đọc thử thời hạn: các ngày đến hạn của một thời hạn như văn bản ghi")
def deadline_preview(text: str, year: int, request: Request, user: CurrentUser = Depends(current_user),
                     db: Session = Depends(get_db)) -> JSONResponse:
    from domain.calendar import WorkCalendar
    from persistence.models import Organisation

    org = db.get(Organisation, user.organisation_id)
    calendar = WorkCalendar(
        [date.fromisoformat(d) for d in (org.extra_days_off or [])] if org else [],
        [date.fromisoformat(d) for d in (org.makeup_working_days or [])] if org else [],
    )
    dates, error = deadline_dates(text, year, None, calendar)
    return JSONResponse({"text": text, "year": year, "dates": dates, "error": error})
