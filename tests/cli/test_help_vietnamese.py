"""Every ``dondoc ... --help`` screen, and Click/Typer's own error messages, in Vietnamese."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from cli.i18n import translate_message, type_label
from cli.main import app

# Words Click and Typer print by themselves (help layout, types, errors), in English.
ENGLISH = {
    "Usage", "Options", "Commands", "Arguments", "Show", "message", "exit", "required", "default",
    "OPTIONS", "COMMAND", "COMMAND1", "COMMAND2", "ARGS", "str", "int", "bool", "float", "range", "path",
    "file", "datetime", "Error", "Try", "help", "Missing", "such", "Invalid", "value", "TEXT", "INTEGER",
    "BOOLEAN", "FLOAT", "PATH", "FILE", "DIRECTORY", "dynamic", "Aborted", "deprecated", "env", "var",
    "Positional", "Possible", "Input", "should", "valid", "Choose",
}
_OPTION = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*")


def _commands(command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in sorted((getattr(command, "commands", None) or {}).items()):
        if not getattr(sub, "hidden", False):
            found.extend(_commands(sub, (*path, name)))
    return found


COMMANDS = _commands(typer.main.get_command(app))


def english_words(text: str) -> set[str]:
    """The Click/Typer English words in ``text`` (option names like --help set aside)."""
    return set(re.findall(r"[A-Za-z0-9]+", _OPTION.sub(" ", text))) & ENGLISH


def _runner() -> CliRunner:
    return CliRunner(env={"COLUMNS": "100", "TERMINAL_WIDTH": "100"})


def test_the_walk_finds_every_command_group() -> None:
    names = {" ".join(p) for p in COMMANDS}
    assert len(COMMANDS) > 25
    for expected in ("", "mail", "mail show", "plan", "plan check", "export", "task", "user", "org", "db"):
        assert expected in names


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "dondoc")
def test_help_screen_is_vietnamese(path: tuple[str, ...]) -> None:
    result = _runner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Cách dùng:" in result.output and "Hiện hướng dẫn này rồi thoát." in result.output
    assert not english_words(result.output), (english_words(result.output), result.output)


@pytest.mark.parametrize("args, vietnamese", [
    (["mail", "outbox", "--limit", "x"], "Giá trị không hợp lệ cho '--limit' / '-n': cần một số nguyên"),
    (["mail", "outbox", "--limit", "0"], "cần lớn hơn hoặc bằng 1"),
    (["mail", "outbox", "--khong-co"], "Không có tùy chọn --khong-co"),
    (["mail", "khong-co"], "Không có lệnh 'khong-co'."),
    (["mail", "show"], "Thiếu tham số 'mã_thư'."),
    (["deadline", "trước 15/10/2026", "--shift", "xx"], "không thuộc 'next', 'previous', 'none'"),
    (["mail", "list", "thua"], "Thừa tham số"),
])
def test_click_errors_are_vietnamese(args: list[str], vietnamese: str) -> None:
    result = _runner().invoke(app, args)
    assert result.exit_code == 2
    text = " ".join(result.output.replace("│", " ").split())
    assert vietnamese in text, text
    assert "Xem hướng dẫn:" in text and "Lỗi" in text
    assert not english_words(text), (english_words(text), text)


def test_missing_option_and_labels() -> None:
    assert translate_message("Missing option '--by'.") == "Thiếu tùy chọn '--by'."
    assert translate_message("No such option: --x (Possible options: --xy)") == "Không có tùy chọn --x (Có thể là: --xy)"
    assert type_label("<int range>") == "<số nguyên>"
    assert type_label("<list[str]>") == "<danh sách[chuỗi]>"
    assert type_label("<next|previous>") == "<next|previous>"


def test_every_positional_argument_has_a_vietnamese_name() -> None:
    from cli.i18n import ARGUMENT_NAMES

    def arguments(command):
        for param in command.params:
            if param.param_type_name == "argument":
                yield param
        for sub in (getattr(command, "commands", None) or {}).values():
            yield from arguments(sub)

    missing = {p.name for p in arguments(typer.main.get_command(app)) if p.metavar is None
               and p.name not in ARGUMENT_NAMES}
    assert not missing, f"add these to cli.i18n.ARGUMENT_NAMES: {sorted(missing)}"
