"""YAML alias bombs, deep nesting and huge files (issue 17, item 6): refused quickly,
with a Vietnamese message and a line, in the review file and the organisation file."""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest

from domain import safe_yaml
from domain.organisation import OrganisationError, load_organisation
from ingest.review import ReviewError, check_review, load_review

BOMB = "\n".join(
    [
        'a: &a ["x","x","x","x","x","x","x","x","x"]',
        *[f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi", strict=False)],
        "plan: {title: t, year: 2026}",
        "tasks: [*i]",
    ]
) + "\n"


@pytest.fixture()
def bomb(tmp_path: Path) -> Path:
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB, encoding="utf-8")
    assert path.stat().st_size < 1024
    return path


@pytest.fixture()
def deep(tmp_path: Path) -> Path:
    path = tmp_path / "deep.yaml"
    path.write_text("tasks: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    return path


def _peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def test_review_alias_bomb_is_refused_fast(bomb: Path) -> None:
    before, start = _peak_kb(), time.perf_counter()
    review, problems = check_review(bomb)
    assert review is None
    assert len(problems) == 1 and problems[0].line == 1 and "neo YAML" in problems[0].message
    assert time.perf_counter() - start < 1.0
    assert _peak_kb() - before < 50_000  # no expansion: well under 50 MB more


def test_review_deep_nesting_is_refused(deep: Path) -> None:
    with pytest.raises(ReviewError, match="lồng quá sâu"):
        load_review(deep)


def test_review_file_size_is_bounded(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("tasks: []\n" + "#" * 5000 + "\n", encoding="utf-8")
    monkeypatch.setattr(safe_yaml, "MAX_YAML_BYTES", 1000)
    review, problems = check_review(path)
    assert review is None and "tệp quá lớn" in problems[0].message


def test_organisation_alias_bomb_is_refused(bomb: Path) -> None:
    with pytest.raises(OrganisationError, match="neo YAML") as info:
        load_organisation(bomb)
    assert "dòng 1" in str(info.value)


def test_organisation_deep_nesting_is_refused(deep: Path) -> None:
    with pytest.raises(OrganisationError, match="lồng quá sâu"):
        load_organisation(deep)


def test_merge_keys_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "merge.yaml"
    path.write_text("base: {a: 1}\nother:\n  <<: {a: 2}\n", encoding="utf-8")
    with pytest.raises(OrganisationError, match="khóa gộp"):
        load_organisation(path)


def test_sample_organisation_files_still_load() -> None:
    root = Path(__file__).resolve().parents[2] / "samples" / "org"
    for path in sorted(root.glob("*.yaml")):
        load_organisation(path)
