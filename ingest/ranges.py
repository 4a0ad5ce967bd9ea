"""Range checks of a review file: what ``plan activate`` and the task workflow can take.

A review that passes ``plan check`` must activate and run: a missing issuer failed at
activation (``IntegrityError``), ``year: 0`` with a ``ValueError``, and a chasing offset
of −100000000 was accepted and then made every task workflow fail for ever with an
``OverflowError``. Every field a user writes has a range here; the chasing section is
checked by the policy's own rule (domain.policy.policy_problems), the one the task
workflow applies. Called by ingest.review.check_review.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

YEARS = (2000, 2100)
MAX_TASKS = 5000
TEXT_LIMITS = {"title": 1000, "text": 20000, "deadline": 500, "product": 2000, "code": 40}
PLAN_TEXT_LIMITS = {"number": 100, "title": 1000, "issuer": 300, "code": 60}

Line = Callable[..., int | None]


def check_ranges(review: Any, line: Line) -> list[tuple[int | None, str]]:
    """(line, Vietnamese message) of every value outside its range.

    Args:
        review: an ``ingest.review.ReviewPlan``.
        line: ``line(*location)``: the line of a location such as ("plan", "year").
    """
    problems: list[tuple[int | None, str]] = []
    plan = review.plan
    if not (plan.issuer or "").strip():
        problems.append((line("plan", "issuer") or line("plan"),
                         "plan.issuer: thiếu cơ quan ban hành (vd. \"UBND xã Vĩnh Lập\")."))
    for field in ("year", "source_year"):
        value = getattr(plan, field)
        if value is not None and not YEARS[0] <= value <= YEARS[1]:
            problems.append((line("plan", field), f"plan.{field}: năm {value} không hợp lệ (từ {YEARS[0]} đến {YEARS[1]})."))
    for field, limit in PLAN_TEXT_LIMITS.items():
        value = getattr(plan, field, None)
        if value is not None and len(value) > limit:
            problems.append((line("plan", field), f"plan.{field}: dài quá {limit} ký tự."))
    code = getattr(plan, "code", None)
    if code is not None:
        from persistence.plan_store import slug

        if not slug(code):
            problems.append((line("plan", "code"), "plan.code: mã kế hoạch phải có chữ hoặc số (vd. \"kh-tuyen-truyen-2026\")."))
    if len(review.tasks) > MAX_TASKS:
        problems.append((line("tasks"), f"Kế hoạch quá lớn: {len(review.tasks)} nhiệm vụ (tối đa {MAX_TASKS})."))
    for index, task in enumerate(review.tasks):
        for field, limit in TEXT_LIMITS.items():
            value = getattr(task, field, None)
            if value is not None and len(value) > limit:
                problems.append((line("tasks", index, field), f"Nhiệm vụ {task.code[:40]}: {field} dài quá {limit} ký tự."))
    problems.extend(_chasing(review.chasing, line))
    return problems


def _chasing(chasing: Any, line: Line) -> list[tuple[int | None, str]]:
    """The chasing section against the one policy rule (domain.policy.policy_problems)."""
    from domain.policy import policy_problems

    return [(line("chasing", *loc), f"chasing.{message}") for loc, message in policy_problems(chasing.policy_dict())]
