"""The iCalendar writer follows RFC 5545 (escaping, folding, CRLF, all-day events)."""

from __future__ import annotations

from datetime import date, datetime, timezone

from exports.ical import calendar_text, escape, fold


def test_escape_and_fold() -> None:
    assert escape("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"
    line = "SUMMARY:" + "Rà soát thủ tục hành chính " * 10
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert "".join([parts[0]] + [p[1:] for p in parts[1:]]) == line  # unfolding restores the line
    for part in parts:
        part.encode("utf-8").decode("utf-8")  # never splits a character


def test_calendar_text_structure() -> None:
    text = calendar_text("Hạn của tôi", [
        {"uid": "occ-1@x", "day": date(2026, 3, 20), "summary": "Hạn: 1.1, báo cáo", "description": "dòng 1\ndòng 2", "url": "http://h/tasks/1"},
    ], now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "DTSTART;VALUE=DATE:20260320\r\n" in text and "DTEND;VALUE=DATE:20260321\r\n" in text
    assert "SUMMARY:Hạn: 1.1\\, báo cáo" in text and "DESCRIPTION:dòng 1\\ndòng 2" in text
    assert "DTSTAMP:20260101T000000Z" in text
    assert "\n" not in text.replace("\r\n", "")
