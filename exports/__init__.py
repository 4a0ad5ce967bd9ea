"""Exports of a plan's state: the Excel appendix table and per-officer iCalendar feeds."""
