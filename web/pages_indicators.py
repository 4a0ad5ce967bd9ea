"""The indicators page (chỉ tiêu): the plan's targets with the period's results, and the form to report one.

Reads and rules are elsewhere: the lines and ``report_value`` in reports.indicators,
đạt / chưa đạt in domain.indicators, who may report in domain.rules
(``can_report_indicator``, the same check as the JSON API), the period and its
officers' cut-off in the period picker (web.progress.chosen_for).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, select

from actions.perform import NOTE_LIMIT
from domain.indicators import STATUS_LABELS, IndicatorStatus, parse_number
from domain.vocabulary import Role
from persistence import read_model as queries
from persistence.models import Indicator, Plan, PlanStatus
from persistence.progress import last_indicator_chases
from reports.indicators import IndicatorError, IndicatorLine, find_indicator, indicator_lines, report_value, target_text
from reports.periods import PeriodError, parse_period
from web.app import page
from web.auth import INDICATOR_REFUSAL, CurrentUser, can_report_indicator
from web.deps import check_csrf, current_user, get_db
from web.page_helpers import FormState, _safe_next, note_problem, typed_evidence

router = APIRouter()

FORM = "indicator"  # the FormState action of the report form
SCOPES = {"mine": "Chỉ tiêu của tôi", "all": "Tất cả"}
STATUSES = [s.value for s in IndicatorStatus]
INDICATOR_STATUS_LABELS = {s.value: label for s, label in STATUS_LABELS.items()}


@dataclass
class PlanLines:
    """One plan's indicators as the page shows them (filtered), and which of them the user may report."""

    plan: Plan
    lines: list[IndicatorLine]
    may_report: dict[str, bool] = field(default_factory=dict)
    chased: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # code -> (who was told, when)


# The highest person told about an indicator not reported, as the list says it.
TOLD = (("chairman", "Đã báo cáo Chủ tịch"), ("vice_chairman", "Đã báo cáo Phó Chủ tịch"),
        ("coordinator", "Đã báo cơ quan thường trực"), ("lead", "Đã nhắc"))


def chase_notes(db: Session, plan: Plan, period_key: str) -> dict[str, tuple[str, datetime]]:
    """For each indicator of ``plan`` chased for ``period_key``: who was told last, and when."""
    notes = {}
    for code, (_kind, audience, at) in last_indicator_chases(db, plan, period_key).items():
        label = next((text for field_name, text in TOLD if field_name in audience), "Đã nhắc")
        notes[code] = (label, at)
    return notes


def tracked_plans(db: Session, organisation_id: int, year: int) -> list[Plan]:
    """The plans whose indicators a page shows by default: the active plans of the period's year
    (every active plan when none is of that year)."""
    active = list(db.exec(select(Plan).where(Plan.organisation_id == organisation_id, Plan.status == PlanStatus.ACTIVE)
                          .order_by(Plan.year.desc(), Plan.code)))
    return [p for p in active if p.year == year] or active


def pending_indicators(db: Session, user: CurrentUser, year: int, period_key: str) -> list[tuple[Plan, IndicatorLine]]:
    """The indicators of ``user``'s units with nothing reported for ``period_key`` (the /my page's list)."""
    if not user.unit_codes:
        return []
    return [(plan, line) for plan in tracked_plans(db, user.organisation_id, year)
            for line in indicator_lines(db, plan, period_key)
            if line.owner_unit in user.unit_codes and line.status == IndicatorStatus.NOT_REPORTED.value]


def default_scope(user: CurrentUser) -> str:
    """Officers see their own units' indicators first; coordinators and leaders see all."""
    return "mine" if user.role == Role.OFFICER and user.unit_codes else "all"


@router.get("/indicators", include_in_schema=False)
def indicators_page(request: Request, plan: str = "", scope: str = "", status: str = "", ok: str | None = None,
                    user: CurrentUser = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    from web.progress import chosen_for

    chosen = chosen_for(request, user.organisation_id)
    period = chosen.period
    choices = tracked_plans(db, user.organisation_id, chosen.year)
    picked = _plan_of(db, user, plan) if plan else None
    if plan and picked is None:
        raise HTTPException(404, "Không tìm thấy kế hoạch.")
    plans = [picked] if picked else choices
    scope = scope if scope in SCOPES else default_scope(user)
    status = status if status in STATUSES else ""
    counts = dict.fromkeys(STATUSES, 0)
    shown: list[PlanLines] = []
    for p in plans:
        lines = indicator_lines(db, p, period.key)
        if scope == "mine":
            lines = [line for line in lines if line.owner_unit in user.unit_codes]
        for line in lines:
            counts[line.status] += 1
        if status:
            lines = [line for line in lines if line.status == status]
        shown.append(PlanLines(p, lines, {line.code: can_report_indicator(user, line.owner_unit) for line in lines},
                               chase_notes(db, p, period.key)))
    all_plans = {p.code: p for p in [*choices, *([picked] if picked else [])]}
    # The period asked for in the address stays in every link (like the task list).
    kept = {k: v for k, v in {"plan": plan if picked else "", "scope": scope,
                              "period": request.query_params.get("period", "")}.items() if v}
    return page(request, "indicators.html", {
        "user": user, "nav": "indicators", "period": period, "chosen": chosen, "shown": shown, "counts": counts,
        "plans": list(all_plans.values()), "plan": picked.code if picked else "", "scope": scope, "status": status,
        "SCOPES": SCOPES, "STATUSES": STATUSES, "INDICATOR_STATUS_LABELS": INDICATOR_STATUS_LABELS, "ok": ok,
        "kept": kept, "query": urlencode(kept), "names": queries.full_names(db, user.organisation_id),
        "total": sum(counts.values()),
    })


@router.get("/indicators/{plan_code}/{code}", include_in_schema=False)
def indicator_page(request: Request, plan_code: str, code: str, ok: str | None = None, back: str = "",
                   user: CurrentUser = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    from web.progress import chosen_for

    period_key = chosen_for(request, user.organisation_id).period.key
    return render_indicator(request, user, db, plan_code, code, period_key, ok=ok, back=back)


def render_indicator(request: Request, user: CurrentUser, db: Session, plan_code: str, code: str, period_key: str, *,
                     ok: str | None = None, back: str = "", form: FormState | None = None,
                     status_code: int = 200) -> Response:
    """The indicator, its result of the period and of the year's other periods, the report form if allowed."""
    from persistence.models import Organisation
    from persistence.progress import reporting_calendar

    plan, indicator = _indicator_of(db, user, plan_code, code)
    calendar = reporting_calendar(db.get(Organisation, user.organisation_id))
    period = calendar.period(period_key)
    year_lines = []
    for p in calendar.periods(period.year):
        line = next((x for x in indicator_lines(db, plan, p.key) if x.code == indicator.code), None)
        if line is not None:
            year_lines.append((p, line))
    line = next(x for x in indicator_lines(db, plan, period.key) if x.code == indicator.code)
    return page(request, "indicator.html", {
        "user": user, "nav": "indicators", "plan": plan, "indicator": indicator, "line": line, "period": period,
        "year_lines": year_lines, "may_report": can_report_indicator(user, indicator.owner_unit),
        "numeric": indicator.target_value is not None and bool(indicator.comparator), "target": target_text(indicator),
        "form": form or FormState(), "FORM": FORM, "ok": ok, "back": _safe_next(back) if back else "",
        "names": queries.full_names(db, user.organisation_id), "INDICATOR_STATUS_LABELS": INDICATOR_STATUS_LABELS,
        "NOTE_LIMIT": NOTE_LIMIT,
    }, status_code=status_code)


@router.post("/indicators/{plan_code}/{code}", include_in_schema=False, dependencies=[Depends(check_csrf)])
def report_indicator(request: Request, plan_code: str, code: str, period: str = Form(""), value: str = Form(""),
                     achieved: str = Form(""), note: str = Form(""), document_number: str = Form(""),
                     document_date: str = Form(""), link: str = Form(""), back: str = Form(""),
                     user: CurrentUser = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    """Record (or correct) the period's actual value; a refusal re-shows the form with the errors beside the fields."""
    plan, indicator = _indicator_of(db, user, plan_code, code)
    if not can_report_indicator(user, indicator.owner_unit):
        raise HTTPException(403, INDICATOR_REFUSAL)
    try:
        parse_period(period)
    except PeriodError as error:
        raise HTTPException(400, str(error)) from None
    form = FormState(FORM, indicator.code, {"value": value, "achieved": achieved, "note": note,
                                            "document_number": document_number, "document_date": document_date,
                                            "link": link})
    numeric = indicator.target_value is not None and bool(indicator.comparator)
    number: float | None = None
    reached: bool | None = None
    if numeric:
        if value.strip():
            try:
                number = parse_number(value)
            except ValueError as error:
                form.errors["value"] = str(error)
    elif achieved in ("1", "0"):
        reached = achieved == "1"
    else:
        form.errors["achieved"] = "Cần chọn Đạt hoặc Chưa đạt."
    if problem := note_problem(note):
        form.errors["note"] = problem
    evidence = typed_evidence(form.values, form.errors)
    if note.strip():
        evidence["note"] = note.strip()
    if not form.errors:
        try:
            report_value(db, indicator, period, value=number, achieved=reached, evidence=evidence, note=note.strip(),
                         by=user.username)
        except IndicatorError as error:
            form.errors["value" if numeric else "achieved"] = str(error)
    if form.errors:
        db.rollback()
        return render_indicator(request, user, db, plan.code, indicator.code, period, back=back, form=form,
                                status_code=400)
    db.commit()
    line = next(x for x in indicator_lines(db, plan, period) if x.code == indicator.code)
    label = parse_period(period).title_phrase
    done = f"Đã ghi kết quả chỉ tiêu {line.code} kỳ {label}: {line.actual_text} — {line.status_label}."
    target = _safe_next(back) if back else f"/indicators?{urlencode({'plan': plan.code, 'period': period})}"
    anchor = "" if back else f"#ct-{line.code}"
    return RedirectResponse(f"{target}{'&' if '?' in target else '?'}{urlencode({'ok': done})}{anchor}", status_code=303)


def _plan_of(db: Session, user: CurrentUser, code: str) -> Plan | None:
    return db.exec(select(Plan).where(Plan.organisation_id == user.organisation_id, Plan.code == code)).first()


def _indicator_of(db: Session, user: CurrentUser, plan_code: str, code: str) -> tuple[Plan, Indicator]:
    plan = _plan_of(db, user, plan_code)
    if plan is None:
        raise HTTPException(404, "Không tìm thấy kế hoạch.")
    indicator = find_indicator(db, plan, code)
    if indicator is None or not indicator.active:
        raise HTTPException(404, f"Kế hoạch không có chỉ tiêu {code}.")
    return plan, indicator
