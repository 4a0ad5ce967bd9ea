"""`plan check` refuses what activation or the workflow cannot take (issue 17 item 7)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.importer import import_plan
from ingest.review import check_review


@pytest.fixture()
def review_text(tmp_path: Path, seeds, orgs, org_config) -> tuple[Path, str]:
    result = import_plan(seeds / "ngoc-lien-2025.txt", org=org_config("ngoc-lien"), org_path=orgs / "ngoc-lien.yaml")
    path = result.write(tmp_path / "review.yaml") if hasattr(result, "write") else None
    if path is None:
        from ingest.review import write_review

        path = tmp_path / "review.yaml"
        write_review(result, path)
    return Path(path), Path(path).read_text()


def _errors(path: Path, text: str) -> list[str]:
    path.write_text(text)
    _, problems = check_review(path)
    return [f"{p.line}: {p.message}" for p in problems if p.severity == "error"]


def test_the_sample_passes(review_text) -> None:
    path, text = review_text
    assert _errors(path, text) == []


def test_missing_issuer_and_year_zero_are_errors(review_text) -> None:
    path, text = review_text
    no_issuer = re.sub(r"(?m)^(\s*issuer:).*$", r"\1 null", text, count=1)
    assert any("cơ quan ban hành" in e for e in _errors(path, no_issuer))
    year_zero = re.sub(r"(?m)^(\s*year:).*$", r"\1 0", text, count=1)
    assert any("plan.year" in e and "không hợp lệ" in e for e in _errors(path, year_zero))


def test_absurd_chasing_values_are_errors_with_their_line(review_text) -> None:
    path, text = review_text
    chasing = ("chasing:\n  steps:\n    - {name: nhac, offset: -100000000, kind: reminder, level: 0, audience: [lead]}\n"
               "    - {name: han, offset: 0, kind: due, level: 99, audience: [lead]}\n"
               "  repeat_every_days: 100000000\n  spread_minutes: 100000\n")
    text = re.sub(r"(?m)^chasing:\n(?:[ \t].*\n)*", "", text)
    errors = _errors(path, text.replace("\ntasks:", "\n" + chasing + "tasks:", 1))
    joined = "\n".join(errors)
    for expected in ("offset: -100000000", "level: 99", "repeat_every_days: 100000000", "spread_minutes: 100000"):
        assert expected in joined, joined
    assert all(re.match(r"\d+: ", e) for e in errors if "chasing" in e)
