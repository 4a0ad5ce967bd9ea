"""The one-command demo: three sample communes with their real plans, re-based onto this year.

``dondoc up --demo`` on an empty database imports the seed plans in ``samples/plans``
with their organisation files in ``samples/org``, activates them and gives every
account the demo password. Tasks the document gives no deadline (the Vĩnh Lập plan
has none) get a stand-in so the demo has something to chase: reporting duties are
quarterly, other tasks continuous. A real commune reviews those in the review file.

A plan activated in November would show every past period overdue, which is not what a
coordinator's dashboard looks like in practice; so, before the workflows start, the demo
records a made-up history for the periods already past (most done on time, some late,
the rest left overdue), marked as demo data in the evidence and the audit log.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.client import Client

from persistence.models import Event, Occurrence, OccurrenceStatus, Plan, ProgressUpdate, Task
from settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
# (plan document, organisation file)
DEMO_PLANS = (
    ("ngoc-lien-2025.txt", "ngoc-lien.yaml"),
    ("cam-xuyen-2021.txt", "cam-xuyen.yaml"),
    ("vinh-lap-2021.txt", "vinh-lap.yaml"),
)
STAND_IN_REPORT = "Định kỳ hằng quý, trước ngày 15 tháng cuối quý"
STAND_IN_TASK = "Thường xuyên"
# Of the periods already past when the demo starts: done on time, done late, left overdue.
HISTORY_SHARES = (0.6, 0.2, 0.2)
DEMO_EVIDENCE_NOTE = "Dữ liệu mẫu của bản demo"


@dataclass(frozen=True)
class DemoPlan:
    review: Path
    tasks: int
    stand_ins: int


def prepare_review(document: Path, org_file: Path, year: int, target: Path) -> DemoPlan:
    """Import ``document`` for ``year`` into the review file ``target``, with stand-in deadlines."""
    from domain.organisation import load_organisation
    from ingest.importer import import_plan
    from ingest.review import write_review

    result = import_plan(document, year=year, org=load_organisation(org_file), org_path=org_file)
    write_review(result, target)
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    stand_ins = 0
    for task in data.get("tasks", []):
        if not task.get("deadline"):
            task["deadline"] = STAND_IN_REPORT if task.get("kind") == "report" else STAND_IN_TASK
            stand_ins += 1
    # The sample is re-based onto ``year``: its title says that year too ("năm 2021" → "năm 2026"),
    # or the demo's report would report on "cải cách hành chính năm 2021" in 2026.
    info = data.get("plan") or {}
    source_year, title = info.get("source_year"), str(info.get("title") or "")
    retitled = re.sub(rf"\b{source_year}\b", str(year), title) if source_year and source_year != year else title
    if stand_ins or retitled != title:
        info["title"] = retitled
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
        target.write_text("# Tệp rà soát của bản demo (thời hạn thiếu đã được điền tạm).\n" + text, encoding="utf-8")
    return DemoPlan(target, len(data.get("tasks", [])), stand_ins)


def has_plans(engine: Engine) -> bool:
    with Session(engine) as session:
        return session.exec(select(Plan.id)).first() is not None


async def load_demo(settings: Settings, client: Client, engine: Engine, console: Console, year: int) -> list[DemoPlan]:
    """Import and activate the demo plans (only into a database without plans)."""
    from runtime.activation import ActivationReport, load_inputs, start_workflows, store

    if has_plans(engine):
        console.print("Cơ sở dữ liệu đã có kế hoạch: không nạp lại dữ liệu demo.")
        return []
    folder = settings.data_dir / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    loaded = []
    for document, org_file in DEMO_PLANS:
        plan = prepare_review(SAMPLES / "plans" / document, SAMPLES / "org" / org_file, year,
                              folder / f"{Path(document).stem}.review.yaml")
        review, org_config, _ = load_inputs(plan.review.resolve(), (SAMPLES / "org" / org_file).resolve())
        console.print(f"Nạp kế hoạch mẫu {review.plan.issuer or document} ({plan.tasks} nhiệm vụ, năm {year}).")
        org, stored_plan, stored = store(engine, review, org_config, plan.review.resolve())
        history = record_history(engine, stored_plan.id, date.today(), settings.timezone)
        report = ActivationReport(plan_code=stored_plan.code, organisation_code=org.code)
        report.workflows = {s.code: s.workflow_id for s in stored}
        report.counts = await start_workflows(client, settings, engine, stored_plan, org, stored, console=console)
        console.print("  " + report.summary())
        console.print(f"  Lịch sử mẫu của các kỳ đã qua: {history['on_time']} hoàn thành đúng hạn, "
                      f"{history['late']} hoàn thành quá hạn, {history['open']} để quá hạn.")
        values = record_indicator_history(engine, stored_plan.id, date.today())
        if values["reported"] or values["missing"]:
            console.print(f"  Chỉ tiêu các kỳ đã qua: {values['reported']} đã báo cáo số liệu, "
                          f"{values['missing']} chưa báo cáo.")
        loaded.append(plan)
    return loaded


def record_history(engine: Engine, plan_id: int, today: date, timezone: str, seed: int = 0) -> Counter:
    """Mark the plan's periods due before ``today`` done (on time or late) or leave them open.

    Deterministic for a plan and seed. Runs before the workflows start, which read the
    occurrences' statuses from the database; each completion gets an audit event.
    """
    from persistence.db import session_scope

    zone = ZoneInfo(timezone)
    counts: Counter = Counter()
    with session_scope(engine) as session:
        rows = session.exec(
            select(Occurrence, Task).join(Task, Task.id == Occurrence.task_id)
            .where(Task.plan_id == plan_id, Occurrence.status == OccurrenceStatus.OPEN, Occurrence.due < today)
            .order_by(Occurrence.id)
        ).all()
        rng = random.Random(f"{plan_id}/{seed}")
        for occ, task in rows:
            draw = rng.random()
            if draw >= HISTORY_SHARES[0] + HISTORY_SHARES[1]:
                counts["open"] += 1
                continue
            late = draw >= HISTORY_SHARES[0]
            day = occ.due + timedelta(days=rng.randint(1, 20)) if late else occ.due - timedelta(days=rng.randint(0, 6))
            day = min(day, today - timedelta(days=1))
            local = datetime.combine(day, time(9 + rng.randint(0, 6), rng.randint(0, 59)), zone)
            at = local.astimezone(UTC)  # DB timestamps are UTC
            evidence = {"document": f"{rng.randint(10, 250)}/BC-UBND", "document_date": day.isoformat(),
                        "note": DEMO_EVIDENCE_NOTE}
            occ.status, occ.completed_at, occ.evidence = OccurrenceStatus.DONE, at, evidence
            session.add(occ)
            session.add(Event(organisation_id=occ.organisation_id, task_id=task.id, occurrence_id=occ.id, at=at,
                              kind="completion_confirmed", actor="demo",
                              data={"late": late, "evidence": evidence, "demo": True},
                              idempotency_key=f"demo-history/{occ.id}"))
            if occ.kind == "progress":  # the period's progress update, accepted (the reporting cycle)
                session.add(ProgressUpdate(
                    organisation_id=occ.organisation_id, task_id=task.id, occurrence_id=occ.id,
                    period_key=occ.key.removesuffix(".progress"), status="in_progress",
                    result="Đã triển khai theo kế hoạch (dữ liệu minh hoạ).", evidence=evidence,
                    submitted_by="demo", submitted_at=at, review_status="accepted", reviewed_by="demo",
                    reviewed_at=at, idempotency_key=f"demo-progress/{occ.id}"))
            counts["late" if late else "on_time"] += 1
    return counts


def record_indicator_history(engine: Engine, plan_id: int, today: date, seed: int = 0) -> Counter:
    """Report the plan's indicators for the periods whose cut-off is before ``today``, leaving a few out.

    Deterministic for a plan and seed; values fall around the target, so some are met
    and some not. Runs before the indicator chase starts, which then chases the rest.
    """
    from persistence.db import session_scope
    from persistence.models import Indicator
    from persistence.progress import chased_periods
    from reports.indicators import report_value

    counts: Counter = Counter()
    rng = random.Random(f"indicators/{plan_id}/{seed}")
    with session_scope(engine) as session:
        plan = session.get(Plan, plan_id)
        indicators = list(session.exec(select(Indicator).where(Indicator.plan_id == plan_id,
                                                               Indicator.active == True)  # noqa: E712
                                       .order_by(Indicator.id)))
        for period_key, _label, cut_off in chased_periods(session, plan):
            if cut_off >= today:
                continue
            for indicator in indicators:
                if rng.random() < HISTORY_SHARES[0] + HISTORY_SHARES[1]:
                    if indicator.target_value is not None and indicator.comparator:
                        value = round(indicator.target_value * rng.uniform(0.85, 1.1), 1)
                        if indicator.unit == "%":
                            value = min(value, 100.0)
                        report_value(session, indicator, period_key, value=value, note=DEMO_EVIDENCE_NOTE,
                                     by="demo")
                    else:
                        report_value(session, indicator, period_key, achieved=rng.random() < 0.8,
                                     note=DEMO_EVIDENCE_NOTE, by="demo")
                    counts["reported"] += 1
                else:
                    counts["missing"] += 1
    return counts


def print_accounts(engine: Engine, settings: Settings, console: Console) -> None:
    """Where to log in and with which demo accounts (the first few of each organisation)."""
    from demo.accounts import DEMO_PASSWORD, ensure_demo_accounts
    from persistence.models import Officer, Organisation, Role

    ensure_demo_accounts(engine)

    table = Table(title=f"Đăng nhập tại {settings.base_url}/login — mật khẩu demo: {DEMO_PASSWORD}")
    for column in ("Đơn vị", "Tài khoản", "Họ tên", "Vai trò"):
        table.add_column(column)
    wanted = (Role.COORDINATOR, Role.CHAIRMAN, Role.VICE_CHAIRMAN, Role.OFFICER)
    with Session(engine) as session:
        for org in session.exec(select(Organisation).order_by(Organisation.name)):
            officers = list(session.exec(select(Officer).where(Officer.organisation_id == org.id)))
            for role in wanted:
                person = next((o for o in officers if Role(o.role) == role), None)
                if person is not None:
                    table.add_row(org.name, person.username, person.full_name, Role.label_of(role))
    console.print(table)
