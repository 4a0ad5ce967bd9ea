"""Evidence uploads: checks before the file is kept, a bounded stream, nothing left on refusal (issue 17 item 8)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from sqlmodel import Session, select

from actions.perform import MAX_UPLOAD_BYTES
from persistence.models import Occurrence, OccurrenceStatus, Task
from runtime.devserver import free_port
from tests.web.conftest import WebEnv, csrf_of


def _files(env: WebEnv) -> list[Path]:
    root = env.data_dir / "uploads"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _task(env: WebEnv, unit: str) -> tuple[int, str]:
    with Session(env.engine) as session:
        for task in session.exec(select(Task).where(Task.organisation_id == env.seeded.organisation_id)):
            if task.lead_units == [unit]:
                occ = session.exec(select(Occurrence).where(Occurrence.task_id == task.id,
                                                            Occurrence.status == OccurrenceStatus.OPEN)).first()
                if occ is not None:
                    return task.id, occ.key
    raise AssertionError(unit)


def _post(client, task_id: int, key: str, token: str, data: bytes, name: str = "bao-cao.pdf"):
    return client.post(f"/tasks/{task_id}/complete", data={"csrf_token": token, "occurrence": key, "document_number": "1/BC"},
                       files={"file": (name, data, "application/pdf")}, follow_redirects=False)


def test_refused_posts_leave_no_file(web_env: WebEnv) -> None:
    client = web_env.login("vanphong")
    foreign, key = _task(web_env, "tp-ht")
    token = csrf_of(client.get(f"/tasks/{foreign}").text)
    for _ in range(10):
        assert _post(client, foreign, key, token, b"%PDF-1.4 x" * 100).status_code == 403
    # Wrong CSRF token, unknown occurrence: refused too, nothing kept.
    own, own_key = _task(web_env, "vp-tk")
    assert _post(client, own, own_key, "sai", b"%PDF").status_code == 403
    assert _post(client, own, "khong-co", token, b"%PDF").status_code == 404
    assert _files(web_env) == []


def test_a_file_over_the_limit_is_refused_while_reading_and_deleted(web_env: WebEnv) -> None:
    client = web_env.login("vanphong")
    own, key = _task(web_env, "vp-tk")
    token = csrf_of(client.get(f"/tasks/{own}").text)
    response = _post(client, own, key, token, b"0" * (MAX_UPLOAD_BYTES + 1))
    assert response.status_code == 303 and "qu%C3%A1+l%E1%BB%9Bn" in response.headers["location"]  # "quá lớn"
    assert _files(web_env) == []


def test_an_action_refused_after_the_file_was_kept_deletes_it(web_env: WebEnv) -> None:
    client = web_env.login("vanphong")
    own, key = _task(web_env, "vp-tk")
    token = csrf_of(client.get(f"/tasks/{own}").text)
    response = _post(client, own, key, token, b"%PDF-1.4 ok")  # no Temporal in this app: the action fails (503)
    assert response.status_code == 303 and "error=" in response.headers["location"]
    assert _files(web_env) == []


@pytest.fixture
def live(web_env: WebEnv) -> Iterator[tuple[WebEnv, int]]:
    """The app behind a real uvicorn (the test client reads a whole body before the app sees it)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(web_env.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield web_env, port
    finally:
        server.should_exit = True
        thread.join(5)


def _raw_post(port: int, path: str, length: int, cookie: str = "") -> bytes:
    """Announce a ``length``-byte multipart body, send 64 KB of it, return what the server answers at once."""
    boundary = "b0undary"
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {length}\r\n{cookie}\r\n")
    part = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head.encode() + part + b"0" * 65536)
        sock.settimeout(3)
        try:
            return sock.recv(4096)  # before the fix: the server waits for the remaining 500 MB (timeout)
        except TimeoutError:
            return b""


def test_an_anonymous_500_mb_post_is_refused_before_its_body_is_read(live) -> None:
    env, port = live
    answer = _raw_post(port, "/tasks/1/complete", 500 * 1024 * 1024)
    assert answer.startswith(b"HTTP/1.1 303") and b"/login" in answer
    assert _files(env) == []


def test_a_logged_in_post_announced_too_large_is_refused_at_once(live) -> None:
    env, port = live
    client = env.login("vanphong")
    own, _ = _task(env, "vp-tk")
    cookie = "Cookie: " + "; ".join(f"{k}={v}" for k, v in client.cookies.items()) + "\r\n"
    answer = _raw_post(port, f"/tasks/{own}/complete", 300 * 1024 * 1024, cookie)
    assert answer.startswith(b"HTTP/1.1 303") and b"error=" in answer
    assert _files(env) == []
