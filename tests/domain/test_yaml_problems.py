"""YAML mistakes of the organisation and review files, reported by one Vietnamese reporter.

Issue 17 item 10 / issue 12: ``dondoc org check`` and ``dondoc plan check`` used to
print PyYAML's English ("mapping values are not allowed here") or pydantic's. Each
broken file below goes through both loaders and both commands: the same Vietnamese
sentence, the line and the column, and no English left.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from domain.organisation import OrganisationError, load_organisation
from domain.yaml_problems import syntax_problem
from ingest.review import check_review

runner = CliRunner()
SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "org"
ENGLISH = re.compile(r"\b(mapping|expected|found|while|scanning|parsing|could not|allowed|token|block|stream|"
                     r"Input should|Field required|valid|integer|string)\b", re.IGNORECASE)

# (name, text, line, column, Vietnamese phrase); the first line is valid in both files.
BROKEN = [
    ("colon_in_value", "organisation: x\ntitle: Kế hoạch: CCHC\n", 2, 16, "dấu ':' không được phép ở đây"),
    ("missing_colon", "organisation: x\nplan\nunits: []\n", 2, 1, "thiếu dấu ':' sau tên khóa"),
    ("tab", "organisation: x\nplan:\n\ttitle: a\n", 3, 1, "ký tự Tab"),
    ("indentation", "organisation: x\nplan:\n  title: a\n year: 2026\n", 4, 2, "thụt lề không khớp"),
    ("unclosed_quote", 'organisation: x\nplan: "UBND xã\nunits: []\n', 2, 7, "chuỗi trong ngoặc chưa được đóng"),
    ("unclosed_list", "organisation: x\nunits: [a, b\n", 2, 8, "danh sách [...] chưa đóng"),
    ("bad_escape", 'organisation: x\nplan: "C:\\new\\qa"\n', 2, 15, "không hợp lệ trong chuỗi ngoặc kép"),
    ("percent", "organisation: x\nplan: %50\n", 2, 7, "không được bắt đầu bằng ký tự '%'"),
    ("two_documents", "organisation: x\n---\nplan: a\n", 2, 1, "chỉ được có một tài liệu YAML"),
    ("impossible_date", "organisation: x\nissued_on: 2026-02-30\n", 2, 12, "ngày 2026-02-30 không tồn tại"),
]


def _no_english(text: str) -> None:
    assert not ENGLISH.search(text), text


@pytest.mark.parametrize("name,text,line,column,phrase", BROKEN, ids=[b[0] for b in BROKEN])
def test_syntax_errors_in_vietnamese_with_line_and_column(tmp_path: Path, name, text, line, column, phrase) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OrganisationError) as caught:
        load_organisation(path)
    [org_problem] = caught.value.problems
    _, [review_problem] = check_review(path)
    for problem in (org_problem, review_problem):
        assert problem.line == line, str(problem)
        assert f"(cột {column})" in str(problem) and phrase in str(problem), str(problem)
        _no_english(str(problem))
    # The same sentence from the one reporter in both files.
    assert str(org_problem).split(": ", 1)[1] in str(review_problem)


def test_an_unknown_parser_problem_gets_a_generic_sentence_with_its_line() -> None:
    import yaml

    error = yaml.scanner.ScannerError("while doing something new", None, "an unheard-of problem",
                                      yaml.Mark("f", 0, 4, 2, None, None))
    problem = syntax_problem(error)
    assert (problem.line, problem.column) == (5, 3)
    assert "không đúng cú pháp YAML" in problem.message
    _no_english(str(problem))


def test_duplicate_keys_in_both_files(tmp_path: Path) -> None:
    org = (SAMPLES / "ngoc-lien.yaml").read_text(encoding="utf-8")
    number, first = next((n, line) for n, line in enumerate(org.splitlines(), 1) if line.startswith("organisation:"))
    path = tmp_path / "org.yaml"
    path.write_text(org + first + "\n", encoding="utf-8")
    with pytest.raises(OrganisationError) as caught:
        load_organisation(path)
    [problem] = [p for p in caught.value.problems if "hai lần" in p.message]
    assert problem.line == len(org.splitlines()) + 1
    assert f"khóa 'organisation' bị khai báo hai lần (lần đầu ở dòng {number})" in str(problem)

    review = tmp_path / "review.yaml"
    review.write_text("plan: {title: a, year: 2026, issuer: UBND}\ntasks: []\nplan: {title: b, year: 2026}\n",
                      encoding="utf-8")
    _, problems = check_review(review)
    # PyYAML kept the second plan (no issuer): both are said, the duplicate with its place.
    assert (3, "plan: khóa 'plan' bị khai báo hai lần (lần đầu ở dòng 1): xoá hoặc gộp một lần.") in \
        [(p.line, p.message) for p in problems if p.severity == "error"]


def test_wrong_types_are_named_in_vietnamese(tmp_path: Path) -> None:
    review = tmp_path / "review.yaml"
    review.write_text("plan:\n  title: a\n  year: hai nghìn\n  issuer: [UBND]\ntasks: {}\n", encoding="utf-8")
    _, problems = check_review(review)
    got = [(p.line, p.message) for p in problems]
    assert got == [(3, "plan.year: phải là một số nguyên (đang ghi: 'hai nghìn')"),
                   (4, "plan.issuer: phải là một chuỗi chữ"),
                   (5, "tasks: phải là một danh sách")]
    org = tmp_path / "org.yaml"
    org.write_text("organisation: {code: x, name: [a], level: xã}\nunits: {}\nofficers: []\n", encoding="utf-8")
    with pytest.raises(OrganisationError) as caught:
        load_organisation(org)
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "dòng 1: organisation.name: phải là một chuỗi chữ" in text and "dòng 2: units: phải là một danh sách" in text
    _no_english(text)


def test_both_commands_print_the_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "sai.yaml"
    path.write_text("organisation: x\nplan:\n\ttitle: a\n", encoding="utf-8")
    for command in (["org", "check", str(path)], ["plan", "check", str(path)]):
        result = runner.invoke(app, command, env={"COLUMNS": "200"})
        assert result.exit_code != 0
        out = result.output + (result.stderr if result.stderr_bytes is not None else "")
        assert "dòng 3" in out and "(cột 1)" in out and "ký tự Tab" in out, out
        _no_english(out.replace(str(path), ""))
