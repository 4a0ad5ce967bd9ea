"""One reporter of the problems of the YAML files people edit (organisation and review files).

A commune clerk who mistypes an indentation must read, in Vietnamese, where (line and
column) and what to change, never PyYAML's English ("mapping values are not allowed
here"). ``syntax_problem`` translates a parser error, ``duplicate_keys`` finds the keys
written twice (PyYAML silently keeps the last), ``validation_message`` words a pydantic
error about a wrong type or a missing field. Used by domain.organisation (``dondoc org
check``) and ingest.review (``dondoc plan check``), beside domain.safe_yaml's bounds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class YamlProblem:
    """A problem of a YAML file: 1-based ``line`` and ``column`` (None if unknown), Vietnamese text."""

    line: int | None
    column: int | None
    message: str

    def text(self) -> str:
        """The message with its column, for a caller that prints "dòng N: " itself."""
        where = f" (cột {self.column})" if self.column else ""
        return f"lỗi cú pháp YAML{where}: {self.message}"

    def __str__(self) -> str:
        where = f"dòng {self.line}: " if self.line else ""
        return where + self.text()


_QUOTE_HINT = "đặt cả giá trị trong ngoặc kép, ví dụ: title: \"Kế hoạch: CCHC\""
# (pattern on PyYAML's problem, pattern on its context or None, Vietnamese); first match wins.
_RULES: tuple[tuple[str, str | None, str], ...] = (
    (r"mapping values are not allowed here", None,
     "dấu ':' không được phép ở đây: giá trị có dấu ':' thì " + _QUOTE_HINT + "; nếu không, kiểm tra thụt lề"),
    (r"could not find expected ':'", None,
     "thiếu dấu ':' sau tên khóa (hoặc dòng nối tiếp của một giá trị bị thụt lề sai)"),
    (r"found character '\\t' that cannot start any token|tab character", None,
     "có ký tự Tab: YAML chỉ thụt lề bằng dấu cách (thay Tab bằng 2 dấu cách)"),
    (r"found character '(.)' that cannot start any token", None,
     "giá trị không được bắt đầu bằng ký tự '{0}': " + _QUOTE_HINT.replace("Kế hoạch: CCHC", "{0}...")),
    (r"found unexpected end of stream", r"quoted scalar",
     "chuỗi trong ngoặc chưa được đóng: thiếu dấu ngoặc kép (\") hoặc nháy đơn (') ở cuối giá trị"),
    (r"found unknown escape character '(.+)'", None,
     "ký tự '\\{0}' không hợp lệ trong chuỗi ngoặc kép: viết '\\\\' cho một dấu '\\', hoặc dùng nháy đơn"),
    (r"expected ',' or '\]'", None, "danh sách [...] chưa đóng dấu ']' hoặc thiếu dấu phẩy giữa các phần tử"),
    (r"expected ',' or '\}'", None, "bảng {...} chưa đóng dấu '}' hoặc thiếu dấu phẩy giữa các cặp khóa: giá trị"),
    (r"expected <block end>, but found '-'", None,
     "dấu '-' của danh sách không thẳng hàng với các dòng trên: kiểm tra thụt lề"),
    (r"expected <block end>, but found '<scalar>'", None,
     "sau giá trị còn chữ thừa (giá trị trong ngoặc kép phải kết thúc ở dấu ngoặc đóng): " + _QUOTE_HINT),
    (r"expected <block end>, but found", None,
     "thụt lề không khớp với các dòng trên: các khóa cùng cấp phải thẳng cột với nhau"),
    (r"did not find expected key", None,
     "thụt lề sai: dòng này không thẳng cột với các khóa cùng cấp phía trên"),
    (r"did not find expected '-' indicator", None,
     "thụt lề sai trong danh sách: mỗi phần tử bắt đầu bằng '-' thẳng cột với phần tử trước"),
    (r"block sequence entries are not allowed here", None,
     "dấu '-' của danh sách không được phép ở đây: xuống dòng và thụt lề danh sách dưới tên khóa"),
    (r"but found another document", None,
     "tệp chỉ được có một tài liệu YAML: bỏ dòng '---' thứ hai"),
    (r"could not determine a constructor for the tag '(.+)'", None,
     "thẻ YAML '{0}' không được hỗ trợ: bỏ thẻ này, hoặc " + _QUOTE_HINT),
    (r"found unhashable key", None, "tên khóa phải là chữ, không được là danh sách hay bảng"),
    (r"found undefined (alias|anchor)", None, "không dùng bí danh/neo YAML (* và &): hãy viết đầy đủ giá trị"),
    (r"found unexpected end of stream", None, "tệp kết thúc giữa chừng: một ngoặc hoặc chuỗi chưa được đóng"),
)


def _translate(problem: str, context: str) -> str | None:
    for pattern, context_pattern, vietnamese in _RULES:
        found = re.search(pattern, problem)
        if found and (context_pattern is None or re.search(context_pattern, context)):
            groups = [g for g in found.groups() if g is not None]
            return vietnamese.replace("{0}", groups[0]) if groups else vietnamese
    return None


def syntax_problem(error: Exception, text: str | None = None) -> YamlProblem:
    """A PyYAML error (or the ValueError of an impossible date) in Vietnamese, with its place.

    Args:
        error: what ``yaml.parse``/``compose``/``safe_load`` raised.
        text: the file's text, to place a ``ReaderError`` (which knows only its offset).
    """
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        problem = error.problem or ""
        if error.context_mark is not None and re.search(r"end of stream|<stream end>|could not find expected ':'", problem):
            # The file ended (or the line ran on) past the real mistake: point at where it began.
            mark = error.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        message = _translate(error.problem or "", error.context or "")
        if message is None:
            message = "tệp không đúng cú pháp YAML ở chỗ này: kiểm tra thụt lề, dấu ':' và các dấu ngoặc"
        return YamlProblem(line, column, message)
    if isinstance(error, yaml.reader.ReaderError):
        line = column = None
        if text is not None and 0 <= error.position <= len(text):
            before = text[: error.position]
            line, column = before.count("\n") + 1, error.position - (before.rfind("\n") + 1) + 1
        code = f"#x{error.character:04x}" if isinstance(error.character, int) else repr(error.character)
        return YamlProblem(line, column, f"có ký tự điều khiển không được phép (mã {code}): xoá ký tự này")
    if isinstance(error, ValueError):  # the timestamp constructor: 2026-02-30
        return YamlProblem(None, None, "có một ngày không tồn tại (ví dụ 2026-02-30): sửa lại ngày cho đúng")
    return YamlProblem(None, None, "tệp không đúng cú pháp YAML: kiểm tra thụt lề, dấu ':' và các dấu ngoặc")


def date_problem(text: str) -> YamlProblem:
    """The line of the first impossible date in ``text`` (the constructor does not say where)."""
    from datetime import date

    for number, line in enumerate(text.splitlines(), 1):
        for found in re.finditer(r"(?<![\w.-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\w.:-])", line):
            try:
                date(*(int(g) for g in found.groups()))
            except ValueError:
                return YamlProblem(number, found.start() + 1,
                                   f"ngày {found.group(0)} không tồn tại: sửa lại ngày cho đúng (YYYY-MM-DD)")
    return syntax_problem(ValueError())


def load_problem(error: Exception, text: str) -> YamlProblem:
    """``syntax_problem`` with impossible dates placed by ``date_problem``."""
    if isinstance(error, ValueError) and not isinstance(error, yaml.YAMLError):
        return date_problem(text)
    return syntax_problem(error, text)


def duplicate_keys(node: yaml.Node | None, path: Loc = ()) -> list[tuple[Loc, YamlProblem]]:
    """Every key written twice in one mapping, with its location and place (the second one)."""
    out: list[tuple[Loc, YamlProblem]] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
            mark = key_node.start_mark
            if key in seen:
                out.append((path + (key,), YamlProblem(
                    mark.line + 1, mark.column + 1,
                    f"khóa '{key}' bị khai báo hai lần (lần đầu ở dòng {seen[key]}): xoá hoặc gộp một lần")))
            else:
                seen[key] = mark.line + 1
            out.extend(duplicate_keys(value_node, path + (key,)))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            out.extend(duplicate_keys(item, path + (index,)))
    return out


_PYDANTIC_VN = {
    "missing": "thiếu trường bắt buộc",
    "extra_forbidden": "trường không được hỗ trợ (gõ sai tên?)",
    "string_type": "phải là một chuỗi chữ",
    "list_type": "phải là một danh sách",
    "dict_type": "phải là một bảng khóa: giá trị",
    "model_type": "phải là một bảng khóa: giá trị",
    "model_attributes_type": "phải là một bảng khóa: giá trị",
    "bool_type": "phải là true hoặc false",
    "bool_parsing": "phải là true hoặc false",
    "date_type": "phải là một ngày (YYYY-MM-DD)",
    "date_from_datetime_parsing": "phải là một ngày (YYYY-MM-DD)",
    "date_from_datetime_inexact": "phải là một ngày (YYYY-MM-DD), không kèm giờ",
    "date_parsing": "phải là một ngày (YYYY-MM-DD)",
    "int_type": "phải là một số nguyên",
    "int_parsing": "phải là một số nguyên",
    "int_from_float": "phải là một số nguyên",
    "int_parsing_size": "số quá lớn",
    "float_type": "phải là một số",
    "float_parsing": "phải là một số",
    "literal_error": "giá trị không hợp lệ",
    "enum": "giá trị không hợp lệ",
    "string_too_long": "dài quá mức cho phép",
    "too_long": "nhiều phần tử quá mức cho phép",
    "value_error": "giá trị không hợp lệ",
}


def validation_message(error: Mapping[str, Any]) -> str:
    """A pydantic error (``ValidationError.errors()`` item) in Vietnamese, naming what was written."""
    kind = error.get("type", "")
    message = _PYDANTIC_VN.get(kind, "giá trị không hợp lệ")
    expected = (error.get("ctx") or {}).get("expected")
    if kind in ("literal_error", "enum") and expected:
        message += f"; chọn một trong: {expected}"
    value = error.get("input")
    if kind != "missing" and isinstance(value, (str, int, float, bool)) and not isinstance(value, dict):
        shown = str(value)
        shown = shown if len(shown) <= 40 else shown[:40] + "…"
        message += f" (đang ghi: '{shown}')" if kind != "extra_forbidden" else ""
    return message
