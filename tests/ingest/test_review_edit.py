"""Review file edits (the browser's): comments and layout written by people survive."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.safe_yaml import YamlBoundsError
from ingest import review_edit
from ingest.importer import import_plan
from ingest.review import check_review, write_review

NOTE = "# chị Lan (Văn phòng): nhiệm vụ này hỏi lại phó chủ tịch trước khi giao"


@pytest.fixture()
def review_file(tmp_path: Path, seeds, orgs, org_config) -> Path:
    result = import_plan(seeds / "ngoc-lien-2025.txt", org=org_config("ngoc-lien"), org_path=orgs / "ngoc-lien.yaml")
    path = write_review(result, tmp_path / "review" / "ngoc-lien.yaml")
    # A person adds a comment line above the first task's title with a text editor.
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("    title: "))
    lines.insert(at, f"    {NOTE}\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_browser_edits_keep_comments_and_the_cli_reads_the_result(review_file: Path) -> None:
    before = review_file.read_text(encoding="utf-8")
    data = review_edit.load_data(review_file)
    second = str(data["tasks"][1]["code"])
    review_edit.update_task(data, 0, {"title": "Rà soát; Công khai", "lead": ["Công chức Tư pháp - Hộ tịch"],
                                      "deadline": "trước 15/10/2025", "product": "yes"})
    review_edit.split_task(data, 0)
    review_edit.add_task(data, 2)
    review_edit.remove_task(data, 3)
    review_edit.save_data(data, review_file)
    after = review_file.read_text(encoding="utf-8")

    assert NOTE in after  # the person's comment
    assert after.startswith("# TỆP RÀ SOÁT KẾ HOẠCH — do `dondoc import` tạo")  # the importer's header, not a new one
    for kept in ("# số văn bản", "# Cách đôn đốc", "# ---- ", "# Nhiệm vụ. lead:", "  day_start: \"07:30\""):
        assert kept in before and kept in after, kept
    assert after.count("hạn năm 2025:") == before.count("hạn năm 2025:")  # other tasks' notes unchanged
    assert "&id" not in after and "*id" not in after  # the split copy shares nothing: no anchors

    parsed, problems = check_review(review_file)
    assert parsed is not None, problems
    assert [t.title for t in parsed.tasks[:2]] == ["Rà soát", "Công khai"]
    assert parsed.tasks[0].lead == ["Công chức Tư pháp - Hộ tịch"]
    assert parsed.tasks[0].product == "yes"  # a text, not YAML 1.1's boolean
    assert parsed.tasks[2].code == second and len(parsed.tasks) == before.count("  - code: ") + 1
    assert not [p for p in problems if p.severity == "error" and p.line is None]


def test_an_untouched_file_is_written_back_unchanged(review_file: Path) -> None:
    before = review_file.read_text(encoding="utf-8")
    review_edit.save_data(review_edit.load_data(review_file), review_file)
    assert review_file.read_text(encoding="utf-8") == before


def test_loading_keeps_the_safety_bounds(tmp_path: Path) -> None:
    path = tmp_path / "review.yaml"
    path.write_text("plan: &p {title: a}\nother: *p\ntasks: []\n", encoding="utf-8")
    with pytest.raises(YamlBoundsError):
        review_edit.load_data(path)
    assert review_edit.unresolved_warnings(path) == 0
