"""domain.vocabulary: every kind dondoc records has a Vietnamese label."""

from __future__ import annotations

import re
from pathlib import Path

from domain.vocabulary import Area, ChasingKind, EventKind, OccurrenceStatus, ProgressStatus, ReviewStatus, Role

ROOT = Path(__file__).resolve().parents[2]


def test_every_member_has_a_vietnamese_label() -> None:
    for enum_type in (Role, OccurrenceStatus, ChasingKind, EventKind, ProgressStatus, ReviewStatus, Area):
        for member in enum_type:
            assert member.label and member.label != member.value, member


def test_every_event_kind_the_code_records_is_in_the_vocabulary() -> None:
    # Kinds written by the workflow (self._record("kind", ...)) and by direct Event rows.
    recorded: set[str] = set()
    for path in [*(ROOT / "workflows").glob("*.py"), *(ROOT / "activities").glob("*.py"), *(ROOT / "runtime").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        recorded |= set(re.findall(r'_record(?:_progress)?\(\s*"([a-z_]+)"', text))
        recorded |= set(re.findall(r'EVENT_KIND\s*=\s*"([a-z_]+)"', text))
    assert recorded, "the pattern finds the recorded kinds"
    known = {k.value for k in EventKind}
    assert recorded <= known, recorded - known
    assert EventKind.label_of("task_cancelled") == "Huỷ nhiệm vụ"
