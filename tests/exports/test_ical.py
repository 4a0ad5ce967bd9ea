"""The iCalendar writer follows RFC 5545 (escaping, folding, CRLF, all-day events)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import icalendar

from exports.ical import calendar_text


def test_long_vietnamese_lines_are_folded_without_splitting_a_character() -> None:
    summary = "Hạn: " + "Rà soát thủ tục hành chính " * 10
    text = calendar_text("Hạn", [{"uid": "u@x", "day": date(2026, 3, 20), "summary": summary,
                                   "description": "d", "url": None}], now=datetime(2026, 1, 1, tzinfo=UTC))
    lines = text.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    parsed = icalendar.Calendar.from_ical(text)
    assert [str(e["summary"]) for e in parsed.walk("VEVENT")] == [summary]  # unfolding restores the text


def test_calendar_text_structure() -> None:
    text = calendar_text("Hạn của tôi", [
        {"uid": "occ-1@x", "day": date(2026, 3, 20), "summary": "Hạn: 1.1, báo cáo", "description": "dòng 1\ndòng 2", "url": "http://h/tasks/1"},
    ], now=datetime(2026, 1, 1, tzinfo=UTC))
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "DTSTART;VALUE=DATE:20260320\r\n" in text and "DTEND;VALUE=DATE:20260321\r\n" in text
    assert "SUMMARY:Hạn: 1.1\\, báo cáo" in text and "DESCRIPTION:dòng 1\\ndòng 2" in text
    assert "DTSTAMP:20260101T000000Z" in text
    assert "\n" not in text.replace("\r\n", "")
