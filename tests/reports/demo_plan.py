"""The demo's Ngọc Liên plan stored for 2026 (no workflows), with a history and progress updates."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from demo.plans import SAMPLES, prepare_review, record_history
from persistence.models import Plan, ProgressUpdate, Task
from runtime.activation import load_inputs, store
from tests.reports.known_plan import at

DOCUMENTS = {"cam-xuyen": "cam-xuyen-2021.txt", "ngoc-lien": "ngoc-lien-2025.txt", "vinh-lap": "vinh-lap-2021.txt"}
RESULTS = (
    ("Đã niêm yết công khai đầy đủ thủ tục hành chính tại Bộ phận Một cửa", {"thủ tục": 112}),
    ("Tiếp nhận và giải quyết hồ sơ đúng hạn", {"hồ sơ": 356, "% đúng hạn": 98}),
    ("Đã tổ chức tuyên truyền trên hệ thống truyền thanh xã", {"tin bài": 14}),
    ("Đã cập nhật dữ liệu trên Cổng dịch vụ công", {}),
)


def store_demo_plan(engine: Engine, folder: Path, name: str = "cam-xuyen", year: int = 2026) -> tuple:
    """One demo sample (``name``: cam-xuyen, ngoc-lien, vinh-lap) re-based onto ``year`` and stored:
    (organisation, plan, stored tasks), as ``dondoc up --demo`` stores it (no workflows)."""
    review_path = prepare_review(SAMPLES / "plans" / DOCUMENTS[name], SAMPLES / "org" / f"{name}.yaml", year,
                                 folder / f"{name}.review.yaml").review
    review, org_config, _ = load_inputs(review_path.resolve(), (SAMPLES / "org" / f"{name}.yaml").resolve())
    return store(engine, review, org_config, review_path.resolve())


def build_demo(engine: Engine, folder: Path, year: int = 2026, today: date = date(2026, 6, 15), name: str = "cam-xuyen", period_key: str = "2026-H1") -> Plan:
    _, plan, _ = store_demo_plan(engine, folder, name, year)
    record_history(engine, plan.id, today, "Asia/Ho_Chi_Minh")
    rng = random.Random(7)
    with Session(engine, expire_on_commit=False) as s:
        # Every other task reports on the period (continuous work besides its dated occurrences).
        tasks = list(s.exec(select(Task).where(Task.plan_id == plan.id).order_by(Task.id)))[::2]
        for index, task in enumerate(tasks):
            result, figures = RESULTS[index % len(RESULTS)]
            review_status = "accepted" if rng.random() < 0.7 else rng.choice(("pending", "returned"))
            s.add(ProgressUpdate(
                organisation_id=task.organisation_id, task_id=task.id, period_key=period_key, status="in_progress",
                result=result, figures=figures, submitted_by="demo", submitted_at=at(today),
                evidence={"document_number": f"{20 + index}/BC-UBND", "document_date": f"{year}-03-1{index % 4}"},
                review_status=review_status, review_reason="Cần bổ sung số liệu" if review_status == "returned" else None,
                idempotency_key=f"demo-update-{task.id}",
            ))
        s.commit()
        return s.get(Plan, plan.id)
