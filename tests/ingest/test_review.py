"""Review file: written, edited by a person, checked with line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.importer import import_plan
from ingest.review import ReviewError, check_review, load_review, write_review


@pytest.fixture()
def review_file(tmp_path: Path, seeds, orgs, org_config) -> Path:
    result = import_plan(seeds / "ngoc-lien-2025.txt", org=org_config("ngoc-lien"), org_path=orgs / "ngoc-lien.yaml")
    return write_review(result, tmp_path / "review" / "ngoc-lien.yaml")


def _line_of(path: Path, needle: str, after: int = 0) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if number > after and needle in line:
            return number
    raise AssertionError(needle)


def test_written_review_loads_and_matches_the_import(review_file: Path) -> None:
    text = review_file.read_text(encoding="utf-8")
    assert "# TỆP RÀ SOÁT KẾ HOẠCH" in text and "hạn năm 2025: 2025-10-15" in text
    review = load_review(review_file)
    assert review.plan.issuer == "UBND xã Ngọc Liên" and review.plan.year == 2025
    assert not Path(review.organisation).is_absolute()
    assert (review_file.parent / review.organisation).resolve().is_file()
    codes = [t.code for t in review.tasks]
    assert len(codes) == len(set(codes)) > 50
    report = next(t for t in review.tasks if t.kind == "report")
    assert report.deadline == "trước 15/10/2025" and report.source.line_start == 649
    assert len(review.indicators) == 7 and review.warnings


def test_edited_review_reports_every_problem_with_its_line(review_file: Path) -> None:
    text = review_file.read_text(encoding="utf-8")
    # A person edits: an unreadable deadline, a lead removed, an unknown unit, a duplicate code.
    text = text.replace('deadline: "trước 15/10/2025"', 'deadline: "khi nào xong"', 1)
    text = text.replace('lead: ["Công chức Tư pháp - Hộ tịch"]', "lead: []", 1)
    text = text.replace('coordinators: []', 'coordinators: ["Phòng Không Tồn Tại"]', 1)
    text = text.replace('code: "TTHC-02"', 'code: "TTHC-01"', 1)
    review_file.write_text(text, encoding="utf-8")
    _, problems = check_review(review_file)
    errors = [p for p in problems if p.severity == "error"]
    messages = "\n".join(str(p) for p in errors)
    assert len(errors) == 4, messages
    bad_deadline = _line_of(review_file, 'deadline: "khi nào xong"')
    assert any(p.line == bad_deadline and "khi nào xong" in p.message for p in errors)
    no_lead = _line_of(review_file, "lead: []")
    assert any(p.line == no_lead and "chủ trì" in p.message for p in errors)
    unknown = _line_of(review_file, "Phòng Không Tồn Tại")
    assert any(p.line == unknown and "Phòng Không Tồn Tại" in p.message for p in errors)
    first = _line_of(review_file, 'code: "TTHC-01"')
    duplicate = _line_of(review_file, 'code: "TTHC-01"', after=first)
    assert any(p.line == duplicate and "trùng mã" in p.message and str(first) in p.message for p in errors)
    with pytest.raises(ReviewError) as raised:
        load_review(review_file)
    assert len(raised.value.problems) == 4


def test_yaml_syntax_error_names_its_line(review_file: Path) -> None:
    lines = review_file.read_text(encoding="utf-8").splitlines()
    target = next(i for i, line in enumerate(lines) if line.strip().startswith("title:") and i > 40)
    lines[target] = lines[target].replace('title: "', 'title: "unterminated ')[:-1] + "\n  - [broken"
    review_file.write_text("\n".join(lines), encoding="utf-8")
    review, problems = check_review(review_file)
    assert review is None and len(problems) == 1
    assert problems[0].line is not None and abs(problems[0].line - (target + 1)) <= 2
    assert "YAML" in problems[0].message


def test_unknown_field_and_wrong_type(review_file: Path) -> None:
    text = review_file.read_text(encoding="utf-8").replace("  year: 2025", "  year: hai-nghìn", 1)
    text = text.replace("    product: null", "    produkt: null", 1)
    review_file.write_text(text, encoding="utf-8")
    _, problems = check_review(review_file)
    by_line = {p.line: p.message for p in problems}
    assert any("plan.year" in m for m in by_line.values())
    assert _line_of(review_file, "year: hai-nghìn") in by_line
    assert _line_of(review_file, "produkt") in by_line


def test_write_is_atomic(tmp_path: Path, seeds, monkeypatch) -> None:
    result = import_plan(seeds / "vinh-lap-2021.txt")
    target = tmp_path / "out.yaml"
    target.write_text("old content", encoding="utf-8")

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("ingest.review.os.replace", crash)
    with pytest.raises(OSError):
        write_review(result, target)
    assert target.read_text(encoding="utf-8") == "old content"
    assert list(tmp_path.iterdir()) == [target]  # no temp file left behind
    monkeypatch.undo()
    write_review(result, target)
    assert target.read_text(encoding="utf-8").startswith("# TỆP RÀ SOÁT")


def test_chasing_section_is_written_with_the_default_ladder(review_file: Path) -> None:
    from domain.policy import DEFAULT_POLICY, Policy

    review = load_review(review_file)
    assert "chasing:" in review_file.read_text(encoding="utf-8")
    assert Policy.from_dict(review.chasing.policy_dict()) == DEFAULT_POLICY
    assert review.chasing.requires_confirmation is True


def test_edited_chasing_is_checked_with_its_line(review_file: Path) -> None:
    text = review_file.read_text(encoding="utf-8")
    text = text.replace("audience: [chairman]}", "audience: [thu_ky]}", 1)
    review_file.write_text(text, encoding="utf-8")
    _, problems = check_review(review_file)
    errors = [p for p in problems if p.severity == "error"]
    assert len(errors) == 1 and "thu_ky" in errors[0].message
    assert errors[0].line == _line_of(review_file, "audience: [thu_ky]")  # the step itself, not the section

    text = text.replace("audience: [thu_ky]}", "audience: [chairman]}").replace('day_start: "07:30"', 'day_start: "7h30"')
    review_file.write_text(text, encoding="utf-8")
    _, problems = check_review(review_file)
    assert [(p.line, "HH:MM" in p.message) for p in problems if p.severity == "error"] == [
        (_line_of(review_file, 'day_start: "7h30"'), True)]


def test_a_plan_can_change_its_ladder(review_file: Path) -> None:
    from domain.policy import Policy

    text = review_file.read_text(encoding="utf-8")
    start = text.index("  steps:\n")
    end = text.index("  repeat_every_days:")
    text = text[:start] + (
        "  steps:\n"
        "    - {name: remind-3, offset: -3, kind: reminder, audience: [lead]}\n"
        "    - {name: overdue-2, offset: 2, kind: overdue, level: 1, audience: [lead, chairman]}\n"
    ) + text[end:]
    text = text.replace("requires_confirmation: true", "requires_confirmation: false")
    review_file.write_text(text, encoding="utf-8")
    review = load_review(review_file)
    policy = Policy.from_dict(review.chasing.policy_dict())
    assert [(s.name, s.offset, s.audience) for s in policy.steps] == [
        ("remind-3", -3, ("lead",)), ("overdue-2", 2, ("lead", "chairman"))]
    assert review.chasing.requires_confirmation is False
