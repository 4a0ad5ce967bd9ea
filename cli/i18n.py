"""Vietnamese for the words Click and Typer print themselves (help screens, errors).

Click and Typer mark their messages with gettext but ship no Vietnamese catalogue, and
they bind ``_``/``ngettext`` at import time; Typer also freezes some strings into
``rich_utils`` constants. :func:`install` (called once from ``cli.main``) swaps in
:func:`gettext` / :func:`ngettext` below in every Click/Typer module, sets those
constants, names the parameter types in Vietnamese (the "TEXT", "INTEGER" of help
screens) and translates the usage line's "[OPTIONS]" / "COMMAND [ARGS]...".

A message missing from :data:`MESSAGES` stays English; ``tests/cli/test_help_vietnamese``
walks every command's ``--help`` and fails on such words.
"""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, str] = {
    # Help screens.
    "Usage:": "Cách dùng:",
    "Options": "Tùy chọn",
    "Commands": "Lệnh",
    "Arguments": "Tham số",
    "Positional arguments": "Tham số vị trí",
    "Show this message and exit.": "Hiện hướng dẫn này rồi thoát.",
    "Show the version and exit.": "Hiện phiên bản rồi thoát.",
    "%(prog)s, version %(version)s": "%(prog)s, phiên bản %(version)s",
    "[default: {}]": "[mặc định: {}]",
    "default: {default}": "mặc định: {default}",
    "[env var: {}]": "[biến môi trường: {}]",
    "env var: {var}": "biến môi trường: {var}",
    "[required]": "[bắt buộc]",
    "required": "bắt buộc",
    "(deprecated) ": "(không còn dùng) ",
    "deprecated": "không còn dùng",
    "(dynamic)": "(tính khi chạy)",
    "Confirm the action without prompting.": "Xác nhận luôn, không hỏi lại.",
    "Do you want to continue?": "Đồng chí có muốn tiếp tục?",
    # Errors.
    "Error": "Lỗi",
    "Error: {message}": "Lỗi: {message}",
    "Aborted!": "Đã dừng.",
    "Aborted.": "Đã dừng.",
    "Try '{command} {option}' for help.": "Xem hướng dẫn: '{command} {option}'.",
    "Try [blue]'{command_path} {help_option}'[/] for help.": "Xem hướng dẫn: [blue]'{command_path} {help_option}'[/].",
    "Missing command.": "Thiếu lệnh.",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
    "No such option {name!r}.": "Không có tùy chọn {name!r}.",
    "Did you mean {possibility}?": "Có phải ý đồng chí là {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Có phải ý đồng chí là một trong: {possibilities}?)",
    "Missing argument": "Thiếu tham số",
    "Missing option": "Thiếu tùy chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing {param_type}": "Thiếu {param_type}",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "argument": "tham số",
    "option": "tùy chọn",
    "parameter": "tham số",
    "Invalid value for {param_hint}: {message}": "Giá trị không hợp lệ cho {param_hint}: {message}",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "Got unexpected extra argument ({args})": "Thừa tham số ({args})",
    "Got unexpected extra arguments ({args})": "Thừa các tham số ({args})",
    "Option {name!r} does not take a value.": "Tùy chọn {name!r} không nhận giá trị.",
    "Option {name!r} requires an argument.": "Tùy chọn {name!r} cần một giá trị.",
    "Option {name!r} requires {nargs} arguments.": "Tùy chọn {name!r} cần {nargs} giá trị.",
    "Argument {name!r} takes {nargs} values.": "Tham số {name!r} nhận {nargs} giá trị.",
    "Takes {nargs} values but 1 was given.": "Cần {nargs} giá trị nhưng chỉ có 1.",
    "Takes {nargs} values but {len} were given.": "Cần {nargs} giá trị nhưng có {len}.",
    "{len_type} values are required, but {len_value} was given.": "Cần {len_type} giá trị, nhưng có {len_value}.",
    "{len_type} values are required, but {len_value} were given.": "Cần {len_type} giá trị, nhưng có {len_value}.",
    "Could not open file {filename!r}: {message}": "Không mở được tệp {filename!r}: {message}",
    "unknown error": "lỗi không rõ",
    "Value must be an iterable.": "Giá trị phải là một danh sách.",
    "{value!r} is not a valid {number_type}.": "{value!r} không phải là {number_type} hợp lệ.",
    "{value} is not in the range {range}.": "{value} không nằm trong khoảng {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} không phải giá trị có/không. Giá trị nhận được: {states}",
    "{value!r} is not a valid UUID.": "{value!r} không phải là UUID hợp lệ.",
    "{value!r} is not {choice}.": "{value!r} không phải là {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} không thuộc {choices}.",
    "Choose from:\n\t{choices}": "Chọn một trong:\n\t{choices}",
    "{value!r} does not match the format {format}.": "{value!r} không đúng định dạng {format}.",
    "{value!r} does not match the formats {formats}.": "{value!r} không đúng các định dạng {formats}.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} không tồn tại.",
    "{name} {filename!r} is a file.": "{name} {filename!r} là một tệp.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} là một thư mục.",
    "{name} {filename!r} is not readable.": "Không đọc được {name} {filename!r}.",
    "{name} {filename!r} is not writable.": "Không ghi được {name} {filename!r}.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} không chạy được.",
    "file": "tệp",
    "directory": "thư mục",
    "path": "đường dẫn",
    "integer": "số nguyên",
    "float": "số thực",
    "Repeat for confirmation": "Nhập lại để xác nhận",
    "Error: The two entered values do not match.": "Lỗi: hai giá trị đã nhập không khớp nhau.",
    "Error: invalid input": "Lỗi: giá trị không hợp lệ",
    "Press any key to continue...": "Bấm phím bất kỳ để tiếp tục...",
}

# The parameter types' names, shown upper-cased as metavars ("TEXT" → "CHUỖI").
TYPE_NAMES: dict[str, str] = {
    "StringParamType": "chuỗi",
    "UnprocessedParamType": "chuỗi",
    "IntParamType": "số nguyên",
    "FloatParamType": "số thực",
    "BoolParamType": "có/không",
    "UUIDParameterType": "uuid",
    "IntRange": "số nguyên",
    "FloatRange": "số thực",
    "DateTime": "ngày giờ",
    "File": "tệp",
    "Choice": "lựa chọn",
    "Tuple": "bộ giá trị",
}

USAGE_PIECES: dict[str, str] = {
    "[OPTIONS]": "[TÙY CHỌN]",
    "COMMAND [ARGS]...": "LỆNH [THAM SỐ]...",
    "[COMMAND] [ARGS]...": "[LỆNH] [THAM SỐ]...",
    "COMMAND1 [ARGS]... [COMMAND2 [ARGS]...]...": "LỆNH1 [THAM SỐ]... [LỆNH2 [THAM SỐ]...]...",
    "[COMMAND1] [ARGS]... [COMMAND2 [ARGS]...]...": "[LỆNH1] [THAM SỐ]... [LỆNH2 [THAM SỐ]...]...",
}

# Typer ≥ 0.25 carries its own copy of Click (typer._click) with the English written
# into f-strings, not gettext: its error texts are translated after formatting.
MESSAGE_PATTERNS: list[tuple[str, str]] = [
    (r"^Missing argument", "Thiếu tham số"),
    (r"^Missing option", "Thiếu tùy chọn"),
    (r"^Missing parameter", "Thiếu tham số"),
    (r"^Missing command\.", "Thiếu lệnh."),
    (r"^No such option:? ?", "Không có tùy chọn "),
    (r"^No such command:? ?", "Không có lệnh "),
    (r"\(Possible options: ", "(Có thể là: "),
    (r"\(Did you mean one of: ", "(Có phải là một trong: "),
    (r"Did you mean ", "Có phải là "),
    (r"^Invalid value for (.+?): ", r"Giá trị không hợp lệ cho \1: "),
    (r"^Invalid value: ", "Giá trị không hợp lệ: "),
    (r"^Got unexpected extra arguments? ?(\(s\))? ?", "Thừa tham số "),
    (r"^Value (.+?) is not a valid int(eger)?\.", r"\1 không phải là số nguyên."),
    (r"^Value (.+?) is not a valid float\.", r"\1 không phải là số."),
    (r"^Value (.+?) is not a valid bool(ean)?\.", r"\1 không phải là giá trị có/không."),
    (r"^Value (.+?) is not a valid (.+?)\.", r"\1 không phải là \2 hợp lệ."),
    (r"^(.+?) is not a valid (.+?)\.", r"\1 không phải là \2 hợp lệ."),
    (r" is not in the range ", " không nằm trong khoảng "),
    (r" is not one of ", " không thuộc "),
    (r" does not exist\.", " không tồn tại."),
    (r" is a directory\.", " là một thư mục."),
    (r" is a file\.", " là một tệp."),
    (r"^Option (.+?) requires an argument\.", r"Tùy chọn \1 cần một giá trị."),
    (r"^Option (.+?) requires (\d+) arguments\.", r"Tùy chọn \1 cần \2 giá trị."),
    (r"^Option (.+?) does not take a value\.", r"Tùy chọn \1 không nhận giá trị."),
    (r"(\d+) values are required, but (\d+) (was |were )?given\.", r"Cần \1 giá trị, nhưng có \2."),
    # Typer ≥ 0.25 converts values with pydantic: its messages follow "Invalid value for".
    (r"Input should be a valid integer[^\n]*", "cần một số nguyên"),
    (r"Input should be a valid number[^\n]*", "cần một số"),
    (r"Input should be a valid boolean[^\n]*", "cần có hoặc không"),
    (r"Input should be a valid date[^\n]*", "cần một ngày hợp lệ"),
    (r"Input should be greater than or equal to (\S+)", r"cần lớn hơn hoặc bằng \1"),
    (r"Input should be less than or equal to (\S+)", r"cần nhỏ hơn hoặc bằng \1"),
    (r"Input should be greater than (\S+)", r"cần lớn hơn \1"),
    (r"Input should be less than (\S+)", r"cần nhỏ hơn \1"),
    (r"Value error, ", ""),
    (r"^Error: ", "Lỗi: "),
    (r"^Try '(.+?)' for help\.", r"Xem hướng dẫn: '\1'."),
]

# Typer ≥ 0.25 shows each parameter's type as "<int>", "<str>", "<int range>"...
TYPE_LABELS: dict[str, str] = {
    "str": "chuỗi", "int": "số nguyên", "float": "số thực", "bool": "có/không",
    "int range": "số nguyên", "float range": "số thực", "path": "đường dẫn", "file": "tệp",
    "directory": "thư mục", "datetime": "ngày giờ", "uuid": "uuid", "Path": "đường dẫn",
    "date": "ngày", "text": "chuỗi",
}

# Positional arguments are shown by their Python name ("{file}"): the commands' names,
# in Vietnamese. A new argument adds its name here (tests/cli/test_help_vietnamese).
ARGUMENT_NAMES: dict[str, str] = {
    "file": "tệp", "path": "đường_dẫn", "plan": "kế_hoạch", "revision": "phiên_bản", "mail_id": "mã_thư",
    "review": "tệp_rà_soát", "username": "tên_đăng_nhập", "code": "mã", "expression": "thời_hạn",
}

_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "shell_completion", "termui",
                  "types", "utils", "_termui_impl")
_TYPER_MODULES = ("core", "main", "rich_utils", "params")
_installed = False


def gettext(message: str) -> str:
    """The Vietnamese of one Click/Typer message (the message itself if unknown)."""
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The Vietnamese of a message with a singular and a plural form."""
    return gettext(singular if n == 1 else plural)


def translate_message(text: str) -> str:
    """An error message of Typer's own Click copy, in Vietnamese where it is known."""
    import re

    for pattern, replacement in MESSAGE_PATTERNS:
        text = re.sub(pattern, replacement, text)
    return text


def type_label(label: str) -> str:
    """"<int>" → "<số nguyên>"; lists and unknown labels keep their structure."""
    import re

    def one(match: re.Match[str]) -> str:
        return TYPE_LABELS.get(match.group(0), match.group(0))

    inner = label[1:-1] if label.startswith("<") and label.endswith(">") else label
    inner = re.sub(r"^list\[(.*)\]$", r"danh sách[\1]", inner)
    if inner in TYPE_LABELS:
        inner = TYPE_LABELS[inner]
    elif "|" not in inner:
        inner = re.sub(r"[A-Za-z]+(?: range)?", one, inner)
    return f"<{inner}>" if label.startswith("<") else inner


def _wrap(cls: type, name: str, after: Any) -> None:
    """Replace ``cls.name`` (defined on that class) by a wrapper that post-processes its result."""
    method = cls.__dict__.get(name)
    if method is None or getattr(method, "_dondoc_i18n", False):
        return

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        return after(method(self, *args, **kwargs))

    wrapper._dondoc_i18n = True  # type: ignore[attr-defined]
    wrapper.__wrapped__ = method  # type: ignore[attr-defined]
    wrapper.__doc__ = method.__doc__
    setattr(cls, name, wrapper)


def _help_option(option: Any) -> Any:
    if option is not None and isinstance(getattr(option, "help", None), str):
        option.help = gettext(option.help)
    return option


def _install_vendored_click() -> None:
    """Typer's own copy of Click (typer._click), when this Typer has one."""
    try:
        from typer._click import core, exceptions, formatting
    except ImportError:
        return
    import typer.core

    for obj in vars(exceptions).values():
        if isinstance(obj, type) and issubclass(obj, Exception):
            _wrap(obj, "format_message", translate_message)
    _wrap(core.Command, "get_help_option", _help_option)
    original_usage = formatting.HelpFormatter.write_usage

    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        original_usage(self, prog, args, gettext("Usage:") + " " if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = write_usage  # type: ignore[method-assign]
    for cls in vars(typer.core).values():
        if isinstance(cls, type):
            for name in ("display_type", "display_type_rich"):
                _wrap(cls, name, lambda label: type_label(label) if isinstance(label, str) else label)
    argument = getattr(typer.core, "TyperArgument", None)
    original = getattr(argument, "display_name_raw", None) if argument is not None else None
    if isinstance(original, property) and not getattr(original.fget, "_dondoc_i18n", False):
        def display_name_raw(self: Any) -> str:
            name = original.fget(self)
            return ARGUMENT_NAMES.get(name, name) if self.metavar is None else name

        display_name_raw._dondoc_i18n = True  # type: ignore[attr-defined]
        argument.display_name_raw = property(display_name_raw)
    pieces = lambda values: [USAGE_PIECES.get(piece, piece) for piece in values]  # noqa: E731
    for cls in (core.Command, *[c for c in vars(core).values() if isinstance(c, type)],
                *[c for c in vars(typer.core).values() if isinstance(c, type)]):
        _wrap(cls, "collect_usage_pieces", pieces)


def _translated_pieces(method: Any) -> Any:
    def collect_usage_pieces(self: Any, ctx: Any) -> list[str]:
        return [USAGE_PIECES.get(piece, piece) for piece in method(self, ctx)]

    collect_usage_pieces.__wrapped__ = method  # type: ignore[attr-defined]
    return collect_usage_pieces


def install() -> None:
    """Make Click and Typer speak Vietnamese in this process (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    _install_vendored_click()
    try:
        import click.core
        import click.types
    except ImportError:  # a Typer that no longer needs Click
        _install_typer_constants()
        return

    import click
    import click.shell_completion  # noqa: F401  (submodules the packages do not import themselves)
    import typer
    import typer.main  # noqa: F401

    try:
        import click._termui_impl  # noqa: F401
        import typer.rich_utils  # noqa: F401
    except ImportError:  # rich missing, or a module a release dropped
        pass
    for package, names in ((click, _CLICK_MODULES), (typer, _TYPER_MODULES)):
        for name in names:
            module = getattr(package, name, None)  # imported by the package itself, or absent in a release
            if module is None:
                continue
            if hasattr(module, "_"):
                module._ = gettext
            if hasattr(module, "ngettext"):
                module.ngettext = ngettext
    _install_typer_constants()
    for class_name, label in TYPE_NAMES.items():
        cls = getattr(click.types, class_name, None)
        if cls is not None and isinstance(getattr(cls, "name", None), str):
            cls.name = label
    import typer.core

    classes = [click.core.Command, click.core.Group, getattr(typer.core, "TyperCommand", None),
               getattr(typer.core, "TyperGroup", None)]
    for cls in classes:
        if cls is not None and "collect_usage_pieces" in cls.__dict__ and not getattr(
                cls.__dict__["collect_usage_pieces"], "_dondoc_i18n", False):
            wrapped = _translated_pieces(cls.__dict__["collect_usage_pieces"])
            wrapped._dondoc_i18n = True  # type: ignore[attr-defined]
            cls.collect_usage_pieces = wrapped


def _install_typer_constants() -> None:
    """Typer's rich help strings, frozen into module constants at import."""
    try:
        from typer import rich_utils
    except ImportError:
        rich_utils = None
    if rich_utils is not None:
        for constant, message in (
            ("DEPRECATED_STRING", "(deprecated) "), ("DEFAULT_STRING", "[default: {}]"),
            ("ENVVAR_STRING", "[env var: {}]"), ("REQUIRED_LONG_STRING", "[required]"),
            ("ARGUMENTS_PANEL_TITLE", "Arguments"), ("OPTIONS_PANEL_TITLE", "Options"),
            ("COMMANDS_PANEL_TITLE", "Commands"), ("ERRORS_PANEL_TITLE", "Error"), ("ABORTED_TEXT", "Aborted."),
            ("RICH_HELP", "Try [blue]'{command_path} {help_option}'[/] for help."),
        ):
            if hasattr(rich_utils, constant):
                setattr(rich_utils, constant, gettext(message))
