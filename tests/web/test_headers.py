"""Security headers on every response; uploads served as attachments of a safe type (issue 17 item 12)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.web.conftest import WebEnv

WEB = Path(__file__).resolve().parents[2] / "web"


def _check_headers(response) -> None:
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


def test_every_kind_of_response_has_the_headers(web_env: WebEnv) -> None:
    anonymous = web_env.client()
    for path in ("/login", "/static/style.css", "/healthz", "/api/me"):
        _check_headers(anonymous.get(path))
    _check_headers(anonymous.get("/overview", follow_redirects=False))
    client = web_env.login("thuongtruc")
    for path in ("/overview", "/tasks", "/my", "/escalations", "/mails", "/api/docs", "/api/overview", "/tasks/999999"):
        _check_headers(client.get(path))


def test_templates_and_static_files_have_no_inline_script() -> None:
    for path in list((WEB / "templates").rglob("*.html")):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text, re.I):
            assert "src=" in tag, f"{path.name}: inline <script> (CSP forbids it): move it to web/static"
        assert not re.search(r"\son[a-z]+\s*=", text, re.I), f"{path.name}: inline event handler"
        assert "javascript:" not in text.lower(), path.name


def test_an_uploaded_html_file_is_an_attachment_never_html(web_env: WebEnv) -> None:
    org = web_env.seeded.organisation_id
    target = web_env.data_dir / "uploads" / str(org) / "1" / "abc123-trang.html"
    target.parent.mkdir(parents=True)
    target.write_text("<script>alert(1)</script>")
    client = web_env.login("thuongtruc")
    response = client.get(f"/uploads/{org}/1/abc123-trang.html")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith("attachment")
    _check_headers(response)
    pdf = target.with_name("abc124-bao-cao.pdf")
    pdf.write_bytes(b"%PDF-1.4")
    response = client.get(f"/uploads/{org}/1/abc124-bao-cao.pdf")
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment")
