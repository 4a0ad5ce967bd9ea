"""The dondoc web dashboard and JSON API (FastAPI, server-rendered Jinja2 pages)."""
