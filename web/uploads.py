"""Reading a form with an evidence file: checks first, then the file streamed to disk, bounded.

FastAPI reads (and spools to disk) a whole multipart body before any dependency runs
when a route declares ``File``/``Form`` parameters, so a 500 MB anonymous post was
stored before its 403. Routes that take a file instead declare only the logged-in user
(checked before the body is read) and call :func:`read_form`, which parses the body
as it arrives, refuses a body announced too large at once, checks the CSRF token and
the caller's right to act before the first byte of the file is kept (the form's
fields come before the file), stops reading at the size limit and deletes the
partial file on any refusal.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from fastapi import Request
from python_multipart.multipart import MultipartParser, parse_options_header

from actions.perform import MAX_UPLOAD_BYTES, ActionError, safe_filename
from web.auth import CSRF_FIELD, CSRF_HEADER, csrf_matches

MAX_FIELD_BYTES = 64 * 1024  # one text field (notes are at most a few thousand characters)
MAX_FIELDS = 50
FORM_OVERHEAD_BYTES = 256 * 1024  # fields and multipart framing around the file

TOO_LARGE = f"Tệp đính kèm quá lớn (tối đa {MAX_UPLOAD_BYTES // (1024 * 1024)} MB)."
BAD_CSRF = "Phiên làm việc không hợp lệ (thiếu mã chống giả mạo CSRF). Hãy tải lại trang."


@dataclass
class StreamedForm:
    """The text fields of a form and, if one was sent, its file (a temporary path)."""

    fields: dict[str, str] = field(default_factory=dict)
    file_name: str | None = None
    file_path: Path | None = None
    file_size: int = 0

    def discard(self) -> None:
        """Delete the temporary file (any refusal after reading)."""
        if self.file_path is not None:
            self.file_path.unlink(missing_ok=True)
            self.file_path = None


def incoming_dir(upload_dir: Path) -> Path:
    """Where files are written while they arrive (same file system: the final move is a rename)."""
    path = Path(upload_dir) / ".incoming"
    path.mkdir(parents=True, exist_ok=True)
    return path


async def read_form(
    request: Request,
    upload_dir: Path,
    csrf_token: str | None,
    before_file: Callable[[dict[str, str]], None],
    *,
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> StreamedForm:
    """Parse the request's form as it arrives.

    Args:
        request: a ``multipart/form-data`` (or url-encoded) POST.
        upload_dir: files go to ``upload_dir/.incoming`` until the caller keeps them.
        csrf_token: the session's token; the form's ``csrf_token`` field (or the
            ``X-CSRF-Token`` header) must match it before any file byte is kept.
        before_file: called with the fields read so far when a file begins (and at the
            end if no file came); raises :class:`ActionError` to refuse.
        max_bytes: the largest file accepted.

    Raises:
        ActionError: 413 too large, 403 bad CSRF token, 400 a malformed body, or
            whatever ``before_file`` raises. No file is left behind.
    """
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > max_bytes + FORM_OVERHEAD_BYTES:
        raise ActionError(413, TOO_LARGE)  # announced too large: refused before reading
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or b"boundary" not in params:
        return await _small_form(request, csrf_token, before_file)

    form = StreamedForm()
    state: dict = {"headers": {}, "name": None, "value": bytearray(), "file": None, "field": b"", "header_value": b""}
    checked = [False]

    def check_now() -> None:
        if checked[0]:
            return
        given = request.headers.get(CSRF_HEADER) or form.fields.get(CSRF_FIELD)
        if not csrf_matches(csrf_token, given):
            raise ActionError(403, BAD_CSRF)
        before_file(dict(form.fields))
        checked[0] = True

    def on_part_begin() -> None:
        state["headers"], state["name"], state["value"], state["file"] = {}, None, bytearray(), None

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["header_value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["field"].lower()] = state["header_value"]
        state["field"], state["header_value"] = b"", b""

    def on_headers_finished() -> None:
        _, disposition = parse_options_header(state["headers"].get(b"content-disposition", b""))
        state["name"] = disposition.get(b"name", b"").decode("utf-8", "replace")
        filename = disposition.get(b"filename")
        if filename is not None and filename.strip() and form.file_path is None:
            check_now()  # before the first byte of the file is kept
            form.file_name = filename.decode("utf-8", "replace")
            path = incoming_dir(upload_dir) / uuid.uuid4().hex
            form.file_path = path
            state["file"] = open(path, "wb")  # noqa: SIM115  closed in on_part_end / finally
        elif filename is not None:
            state["name"] = None  # an empty file input, or a second file: ignored

    def on_part_data(data: bytes, start: int, end: int) -> None:
        handle: IO[bytes] | None = state["file"]
        if handle is not None:
            form.file_size += end - start
            if form.file_size > max_bytes:
                raise ActionError(413, TOO_LARGE)
            handle.write(data[start:end])
        elif state["name"] is not None:
            state["value"] += data[start:end]
            if len(state["value"]) > MAX_FIELD_BYTES:
                raise ActionError(400, "Một trường của biểu mẫu quá dài.")

    def on_part_end() -> None:
        if state["file"] is not None:
            state["file"].close()
            state["file"] = None
        elif state["name"] is not None:
            if len(form.fields) >= MAX_FIELDS:
                raise ActionError(400, "Biểu mẫu có quá nhiều trường.")
            form.fields.setdefault(state["name"], state["value"].decode("utf-8", "replace"))

    parser = MultipartParser(params[b"boundary"], {
        "on_part_begin": on_part_begin, "on_part_data": on_part_data, "on_part_end": on_part_end,
        "on_header_field": on_header_field, "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished,
    })
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
        check_now()  # a form without a file is checked the same way
    except ActionError:
        _close_and_discard(state, form)
        raise
    except Exception as error:  # malformed multipart, client gone
        _close_and_discard(state, form)
        raise ActionError(400, "Không đọc được biểu mẫu gửi lên.") from error
    return form


def _close_and_discard(state: dict, form: StreamedForm) -> None:
    if state.get("file") is not None:
        state["file"].close()
        state["file"] = None
    form.discard()


async def _small_form(request: Request, csrf_token: str | None, before_file: Callable[[dict[str, str]], None]) -> StreamedForm:
    """A form without a file part (url-encoded), read with Starlette's bounded parser."""
    try:
        data = await request.form(max_files=0, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES)
    except Exception as error:
        raise ActionError(400, "Không đọc được biểu mẫu gửi lên.") from error
    form = StreamedForm(fields={k: v for k, v in data.items() if isinstance(v, str)})
    given = request.headers.get(CSRF_HEADER) or form.fields.get(CSRF_FIELD)
    if not csrf_matches(csrf_token, given):
        raise ActionError(403, BAD_CSRF)
    before_file(dict(form.fields))
    return form


def keep(form: StreamedForm, upload_dir: Path, organisation_id: int, task_id: int) -> str | None:
    """Move the form's file to its place; return its path relative to ``upload_dir``."""
    if form.file_path is None:
        return None
    relative = Path(str(organisation_id)) / str(task_id) / f"{uuid.uuid4().hex[:12]}-{safe_filename(form.file_name or '')}"
    target = Path(upload_dir) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(form.file_path, target)
    form.file_path = None
    return relative.as_posix()


def remove_kept(upload_dir: Path, relative: str | None) -> None:
    """Delete a kept file again (the action it came with was refused)."""
    if relative:
        (Path(upload_dir) / relative).unlink(missing_ok=True)
