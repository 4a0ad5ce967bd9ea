"""Organisation data: the YAML file of units, officers and calendar exceptions.

``load_organisation`` reads and validates the file (every problem is reported in
Vietnamese with its line and field), ``OrganisationConfig.resolve_unit`` maps the unit
names that plans write onto configured units, and ``sync_organisation`` upserts the
file into the database. The format is documented in ``docs/organisation-file.md``.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from domain.calendar import WorkCalendar, organisation_calendar
from domain.reporting import (
    DEFAULT_CUTOFF_WORKING_DAYS,
    DEFAULT_REPORT_DAY,
    DEFAULT_WINDOW_DAY,
    PERIOD_CODES,
    CutoffRule,
    ReportingCalendar,
    ReportingRuleError,
    ReportingRules,
)
from domain.text import fold, normalise
from domain.vocabulary import Delivery, Role

Loc = tuple[str | int, ...]

_SLUG = re.compile(r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$")
_EMAIL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_VN_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
LEVELS = ("xã", "phường", "thị trấn", "huyện", "quận", "thị xã", "thành phố", "tỉnh")


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class Problem:
    """One problem in an organisation file."""

    line: int | None  # 1-based; None when the file has no such place
    path: str  # "officers[3].email" (list positions count from 1, as people count)
    message: str  # Vietnamese

    def __str__(self) -> str:
        where = f"dòng {self.line}: " if self.line else ""
        what = f"{self.path}: " if self.path else ""
        return f"{where}{what}{self.message}"


class OrganisationError(ValueError):
    """The organisation file cannot be used; ``problems`` lists every reason found."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"Tệp tổ chức {source} có {len(self.problems)} lỗi:\n{lines}")


def _custom(message: str) -> PydanticCustomError:
    # Custom errors keep our Vietnamese text verbatim (ValueError would get an English prefix).
    return PydanticCustomError("organisation", message)


# --------------------------------------------------------------------------- models


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _parse_day(value: Any) -> Any:
    """Accept ISO dates and the Vietnamese dd/mm/yyyy people write."""
    if isinstance(value, str) and (m := _VN_DATE.match(value)):
        day, month, year = (int(g) for g in m.groups())
        try:
            return date(year, month, day)
        except ValueError:
            raise _custom(f"ngày '{value}' không tồn tại") from None
    if isinstance(value, datetime):
        return value.date()
    return value


Day = Annotated[date, BeforeValidator(_parse_day)]


class OrganisationInfo(_Strict):
    """The issuing body itself: UBND xã / huyện."""

    code: str
    name: str
    level: str = "xã"
    parent: str | None = None
    timezone: str = "Asia/Ho_Chi_Minh"

    @field_validator("code", "parent")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        if value is not None and not _SLUG.match(value):
            raise _custom(f"mã '{value}' chỉ được gồm chữ thường không dấu, số và dấu '-' (ví dụ: xa-vinh-lap)")
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value:
            raise _custom("tên không được để trống")
        return normalise(value)

    @field_validator("level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = normalise(value).lower()
        for level in LEVELS:
            if fold(level) == fold(value):
                return level
        raise _custom(f"cấp '{value}' không hợp lệ; chọn một trong: {', '.join(LEVELS)}")

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise _custom(f"múi giờ '{value}' không tồn tại (thường là Asia/Ho_Chi_Minh)") from None
        return value


class CalendarConfig(_Strict):
    """Days off and make-up working days on top of the national holidays."""

    extra_days_off: list[Day] = Field(default_factory=list)
    makeup_working_days: list[Day] = Field(default_factory=list)

    @field_validator("extra_days_off", "makeup_working_days", mode="before")
    @classmethod
    def _days(cls, value: Any) -> Any:
        return [] if value is None else value


class ReportingConfig(_Strict):
    """The reporting calendar (domain.reporting): the report's day and the officers' cut-off."""

    report_day: int = DEFAULT_REPORT_DAY
    officer_cutoff: int | str = DEFAULT_CUTOFF_WORKING_DAYS
    window_day: int = DEFAULT_WINDOW_DAY
    periods: list[str] = Field(default_factory=lambda: list(PERIOD_CODES))

    @field_validator("report_day")
    @classmethod
    def _report_day(cls, value: int) -> int:
        if not 1 <= value <= 28:
            raise _custom(f"ngày nộp báo cáo {value} phải từ 1 đến 28 (ngày của tháng cuối kỳ)")
        return value

    @field_validator("window_day")
    @classmethod
    def _window_day(cls, value: int) -> int:
        if not 1 <= value <= 28:
            raise _custom(f"ngày bắt đầu kỳ số liệu {value} phải từ 1 đến 28")
        return value

    @field_validator("officer_cutoff")
    @classmethod
    def _cutoff(cls, value: int | str) -> int | str:
        try:
            CutoffRule.parse(value)
        except ReportingRuleError as error:
            raise _custom(str(error)) from None
        return value

    @field_validator("periods", mode="before")
    @classmethod
    def _periods(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            out = []
            for item in value:
                code = str(item).strip().upper()
                if code not in PERIOD_CODES:
                    raise _custom(f"kỳ báo cáo '{item}' không hợp lệ; chọn trong: {', '.join(PERIOD_CODES)}")
                if code not in out:
                    out.append(code)
            if not out:
                raise _custom("cần ít nhất một kỳ báo cáo")
            return [c for c in PERIOD_CODES if c in out]
        return value

    def rules(self) -> ReportingRules:
        """The pure rules of domain.reporting."""
        return ReportingRules(
            report_day=self.report_day,
            cutoff=CutoffRule.parse(self.officer_cutoff),
            window_day=self.window_day,
            periods=tuple(self.periods),
        )


class UnitConfig(_Strict):
    """An officer position or a department, with the other names plans give it."""

    code: str
    name: str
    aliases: list[str] = Field(default_factory=list)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise _custom(f"mã đơn vị '{value}' chỉ được gồm chữ thường không dấu, số và dấu '-' (ví dụ: vp-tk)")
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not normalise(value):
            raise _custom("tên đơn vị không được để trống")
        return normalise(value)

    @field_validator("aliases", mode="before")
    @classmethod
    def _aliases(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        return value

    @field_validator("aliases")
    @classmethod
    def _clean_aliases(cls, value: list[str]) -> list[str]:
        return [normalise(a) for a in value if normalise(a)]

    @property
    def names(self) -> list[str]:
        """Name first, then the aliases."""
        return [self.name, *self.aliases]


class OfficerConfig(_Strict):
    """A person who receives reminders or escalations."""

    username: str
    name: str
    email: str
    role: Role = Role.OFFICER
    units: list[str] = Field(default_factory=list)
    title: str | None = None
    delivery: Delivery = Delivery.IMMEDIATE
    active: bool = True

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise _custom(
                f"tên đăng nhập '{value}' chỉ được gồm chữ thường không dấu, số, '.', '-' hoặc '_' (ví dụ: nguyenvana)"
            )
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not normalise(value):
            raise _custom("họ tên không được để trống")
        return normalise(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise _custom(f"địa chỉ thư '{value}' không hợp lệ")
        local, domain = value.rsplit("@", 1)
        return f"{local}@{domain.lower()}"

    @field_validator("role", mode="before")
    @classmethod
    def _role(cls, value: Any) -> Any:
        if isinstance(value, str):
            key = fold(value).replace("-", "_").replace(" ", "_")
            if key in {r.value for r in Role}:
                return key
            raise _custom(f"vai trò '{value}' không hợp lệ; chọn một trong: {', '.join(r.value for r in Role)}")
        return value

    @field_validator("delivery", mode="before")
    @classmethod
    def _delivery(cls, value: Any) -> Any:
        if isinstance(value, str):
            key = fold(value)
            if key in {d.value for d in Delivery}:
                return key
            raise _custom(
                f"cách nhận thư '{value}' không hợp lệ; chọn một trong: {', '.join(d.value for d in Delivery)}"
            )
        return value

    @field_validator("units", mode="before")
    @classmethod
    def _units(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        return value

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        return normalise(value) or None if value is not None else None


class OrganisationConfig(_Strict):
    """The whole organisation file, validated."""

    organisation: OrganisationInfo
    calendar: CalendarConfig = Field(default_factory=CalendarConfig)
    reporting: ReportingConfig = Field(default_factory=ReportingConfig)
    units: list[UnitConfig] = Field(default_factory=list)
    officers: list[OfficerConfig] = Field(default_factory=list)
    _matcher_cache: Any = PrivateAttr(default=None)

    @field_validator("calendar", mode="before")
    @classmethod
    def _calendar(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("reporting", mode="before")
    @classmethod
    def _reporting(cls, value: Any) -> Any:
        return {} if value is None else value

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> OrganisationConfig:
        problems = _cross_check(self)
        sink = info.context.get("problems") if isinstance(info.context, dict) else None
        if sink is not None:
            # load_organisation wants each problem with its own location.
            sink.extend(problems)
        elif problems:
            raise _custom("; ".join(f"{_format_loc(loc)}: {msg}" for loc, msg in problems))
        return self

    # ----------------------------------------------------------------- look-ups

    def unit(self, code: str) -> UnitConfig | None:
        """The unit with this code, if any."""
        return next((u for u in self.units if u.code == code), None)

    def officer(self, username: str) -> OfficerConfig | None:
        """The officer with this username, if any (case-insensitive)."""
        username = username.strip().lower()
        return next((o for o in self.officers if o.username == username), None)

    def officers_for_unit(self, unit_code: str) -> list[OfficerConfig]:
        """Active officers attached to a unit, in file order."""
        return [o for o in self.officers if o.active and unit_code in o.units]

    @property
    def active_officers(self) -> list[OfficerConfig]:
        return [o for o in self.officers if o.active]

    @property
    def chairman(self) -> OfficerConfig:
        """The (single, active) chairman; validation guarantees there is one."""
        return next(o for o in self.active_officers if o.role == Role.CHAIRMAN)

    @property
    def vice_chairmen(self) -> list[OfficerConfig]:
        return [o for o in self.active_officers if o.role == Role.VICE_CHAIRMAN]

    @property
    def coordinators(self) -> list[OfficerConfig]:
        return [o for o in self.active_officers if o.role == Role.COORDINATOR]

    def work_calendar(self) -> WorkCalendar:
        """The organisation's working days: national holidays plus the file's exceptions."""
        return organisation_calendar(self.calendar.extra_days_off, self.calendar.makeup_working_days)

    def reporting_calendar(self) -> ReportingCalendar:
        """The organisation's reporting periods (report due dates, officers' cut-offs)."""
        return ReportingCalendar(self.reporting.rules(), self.work_calendar())

    def resolve_unit(self, name: str) -> UnitConfig | None:
        """Find the unit a plan means by ``name``, or None.

        Tries, in order: the exact code, name or alias; the same ignoring case and
        diacritics; then (names and aliases only, never codes) a matching key that also ignores dash spacing, a "Công chức" /
        "CC" / "C.C" prefix, "Ủy ban nhân dân" vs "UBND", trailing punctuation and a
        trailing "xã" (the organisation's own level and place). Each stage must point at
        exactly one unit: an ambiguous or partial match is never guessed.
        """
        if not name or not normalise(name):
            return None
        return self._matcher().resolve(name)

    def _matcher(self) -> _UnitMatcher:
        # Built on first use; the units are not expected to change after loading.
        if self._matcher_cache is None:
            self._matcher_cache = _UnitMatcher(self.units, self.organisation)
        return self._matcher_cache


# --------------------------------------------------------------------------- unit matching

_PREFIX = re.compile(r"^(?:cong chuc|c\s?\.\s?c\s?\.?|cc)\s+")
_EDGE_PUNCT = " .,;:!?*•-+\u2022"
_ABBREVIATIONS = (
    (re.compile(r"\buy ban nhan dan\b"), "ubnd"),
    (re.compile(r"\bhoi dong nhan dan\b"), "hdnd"),
)


def _place_of(info: OrganisationInfo) -> str:
    """'UBND xã Vĩnh Lập' → 'vinh lap' (folded)."""
    name = fold(info.name)
    for pattern, abbr in _ABBREVIATIONS:
        name = pattern.sub(abbr, name)
    name = re.sub(r"^ubnd\s+", "", name)
    level = fold(info.level)
    if name.startswith(level + " "):
        name = name[len(level) + 1 :]
    return name.strip()


def unit_key(text: str, level: str = "xã", place: str = "") -> str:
    """The loose matching key of a unit name (see ``resolve_unit``)."""
    key = fold(text).strip(_EDGE_PUNCT)
    # A dash is only a separator: "Văn phòng - Thống kê" = "Văn phòng-Thống kê" = "Văn phòng Thống kê".
    key = re.sub(r"\s*-\s*", " ", key)
    key = _PREFIX.sub("", key)
    for pattern, abbr in _ABBREVIATIONS:
        key = pattern.sub(abbr, key)
    level_key = fold(level)
    # Only the organisation's own level is dropped: in a commune, "UBND huyện" must
    # stay different from "UBND xã".
    suffixes = [f" {level_key} {place}", f" {place}", f" {level_key}"] if place else [f" {level_key}"]
    for suffix in suffixes:
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key[: -len(suffix)].rstrip(_EDGE_PUNCT)
            break
    return re.sub(r"\s+", " ", key).strip()


class _UnitMatcher:
    def __init__(self, units: Iterable[UnitConfig], info: OrganisationInfo) -> None:
        self.level = info.level
        self.place = _place_of(info)
        self.stages: list[dict[str, set[str]]] = [{}, {}, {}]
        for unit in units:
            for text in [unit.code, *unit.names]:
                keys = self._keys(text)
                if text is unit.code:
                    # A code is an identifier: exact (case-insensitive) only, so that
                    # "ubnd-xa" never swallows "UBND xã".
                    keys = keys[:2] + ("",)
                for stage, key in zip(self.stages, keys, strict=False):
                    if key:
                        stage.setdefault(key, set()).add(unit.code)
        self.units = {u.code: u for u in units}

    def _keys(self, text: str) -> tuple[str, str, str]:
        return normalise(text), fold(text), unit_key(text, self.level, self.place)

    def resolve(self, name: str) -> UnitConfig | None:
        for stage, key in zip(self.stages, self._keys(name), strict=False):
            codes = stage.get(key)
            if codes:
                return self.units[next(iter(codes))] if len(codes) == 1 else None
        return None


# --------------------------------------------------------------------------- cross-field checks


def _cross_check(config: OrganisationConfig) -> list[tuple[Loc, str]]:
    return _cross_check_parts(config.organisation, config.calendar, list(config.units), list(config.officers))


def _cross_check_parts(
    info: OrganisationInfo | None,
    cal: CalendarConfig | None,
    units: list[UnitConfig | None],
    officers: list[OfficerConfig | None],
) -> list[tuple[Loc, str]]:
    """Checks across entries; ``None`` stands for an entry that is itself invalid."""
    problems: list[tuple[Loc, str]] = []
    if cal is not None:
        for day in sorted(set(cal.extra_days_off) & set(cal.makeup_working_days)):
            i = cal.makeup_working_days.index(day)
            problems.append(
                (("calendar", "makeup_working_days", i), f"ngày {day:%d/%m/%Y} vừa là ngày nghỉ vừa là ngày làm bù")
            )

    codes: dict[str, int] = {}
    for i, unit in enumerate(units):
        if unit is None:
            continue
        if unit.code in codes:
            problems.append((("units", i, "code"), f"mã đơn vị '{unit.code}' bị trùng (đã dùng ở units[{codes[unit.code] + 1}])"))
        else:
            codes[unit.code] = i
    if not units:
        problems.append((("units",), "chưa khai báo đơn vị nào"))

    # Two units answering to the same name would make resolve_unit refuse both.
    if info is not None:
        owner: dict[str, int] = {}
        level, place = info.level, _place_of(info)
        for i, unit in enumerate(units):
            if unit is None:
                continue
            for j, text in enumerate(unit.names):
                key = unit_key(text, level, place)
                if not key:
                    continue
                first = owner.setdefault(key, i)
                other = units[first]
                if first != i and other is not None and other.code != unit.code:
                    loc: Loc = ("units", i, "name") if j == 0 else ("units", i, "aliases", j - 1)
                    problems.append((loc, f"tên '{text}' trùng với đơn vị '{other.code}' khi so khớp; hãy bỏ bớt một bên"))

    usernames: dict[str, int] = {}
    all_units_valid = all(u is not None for u in units)
    for i, officer in enumerate(officers):
        if officer is None:
            continue
        if officer.username in usernames:
            problems.append(
                (
                    ("officers", i, "username"),
                    f"tên đăng nhập '{officer.username}' bị trùng (đã dùng ở officers[{usernames[officer.username] + 1}])",
                )
            )
        else:
            usernames[officer.username] = i
        for j, code in enumerate(officer.units):
            if code not in codes and all_units_valid:
                problems.append((("officers", i, "units", j), f"đơn vị '{code}' không có trong danh sách units"))

    active = [(i, o) for i, o in enumerate(officers) if o is not None and o.active]
    chairmen = [(i, o) for i, o in active if o.role == Role.CHAIRMAN]
    if not chairmen and all(o is not None for o in officers):
        problems.append((("officers",), "chưa có Chủ tịch (cần đúng một người có role: chairman)"))
    for i, _officer in chairmen[1:]:
        problems.append((("officers", i, "role"), f"chỉ được có một Chủ tịch; '{chairmen[0][1].username}' đã là chairman"))
    return problems


def _partial_cross_check(data: dict[str, Any]) -> list[tuple[Loc, str]]:
    """Cross-checks on the entries that are valid by themselves, to report everything at once."""

    def attempt(model: type[BaseModel], value: Any) -> Any:
        try:
            return model.model_validate(value)
        except ValidationError:
            return None

    def entries(key: str) -> list[Any]:
        value = data.get(key)
        return value if isinstance(value, list) else []

    return _cross_check_parts(
        attempt(OrganisationInfo, data.get("organisation")),
        attempt(CalendarConfig, data.get("calendar") or {}),
        [attempt(UnitConfig, u) for u in entries("units")],
        [attempt(OfficerConfig, o) for o in entries("officers")],
    )


# --------------------------------------------------------------------------- loading


def _format_loc(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _line_map(node: yaml.Node, path: Loc = (), lines: dict[Loc, int] | None = None) -> dict[Loc, int]:
    """Map each path in the document to the 1-based line where it is written."""
    lines = {} if lines is None else lines
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
            lines[path + (key,)] = key_node.start_mark.line + 1
            _line_map(value_node, path + (key,), lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            _line_map(item, path + (i,), lines)
    return lines


def _line_for(lines: dict[Loc, int], loc: Loc) -> int | None:
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


# The organisation file also takes dd/mm/yyyy dates (the shared messages say YYYY-MM-DD).
_DATE_KINDS = ("date_type", "date_from_datetime_parsing", "date_parsing")


def _vietnamese(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "organisation":
        return error["msg"]
    if kind == "enum":
        return f"giá trị '{error.get('input')}' không hợp lệ; chọn một trong: {error.get('ctx', {}).get('expected', '')}"
    if kind in _DATE_KINDS:
        return "phải là một ngày (YYYY-MM-DD hoặc dd/mm/yyyy)"
    from domain.yaml_problems import validation_message  # the one Vietnamese wording of pydantic's errors

    return validation_message(error)


def load_organisation(path: str | Path) -> OrganisationConfig:
    """Read and validate an organisation file.

    Args:
        path: the YAML file (format in docs/organisation-file.md).

    Returns:
        The validated configuration.

    Raises:
        OrganisationError: with every problem found, each naming its line and field.
    """
    from domain.safe_yaml import YamlBoundsError, check_file_size, check_yaml_bounds

    path = Path(path)
    source = str(path)
    try:
        check_file_size(path)
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise OrganisationError(source, [Problem(None, "", "không tìm thấy tệp")]) from None
    except UnicodeDecodeError:
        raise OrganisationError(source, [Problem(None, "", "tệp không phải văn bản UTF-8")]) from None
    except YamlBoundsError as error:
        raise OrganisationError(source, [Problem(error.line, "", error.message)]) from None

    from domain.yaml_problems import duplicate_keys, load_problem

    loader = yaml.SafeLoader(text)
    try:
        # Aliases and deep nesting are refused before the document is built (issue 17).
        check_yaml_bounds(text)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except YamlBoundsError as error:
        raise OrganisationError(source, [Problem(error.line, "", error.message)]) from None
    except (yaml.YAMLError, ValueError) as error:  # ValueError: an impossible date (2026-02-30)
        problem = load_problem(error, text)
        raise OrganisationError(source, [Problem(problem.line, "", problem.text())]) from None
    finally:
        loader.dispose()

    if node is None:
        raise OrganisationError(source, [Problem(None, "", "tệp rỗng")])
    if not isinstance(data, dict):
        raise OrganisationError(source, [Problem(node.start_mark.line + 1, "", "tệp phải là một bảng với các khóa organisation, calendar, units, officers")])

    lines = _line_map(node)
    problems = [Problem(p.line, _format_loc(loc), p.message) for loc, p in duplicate_keys(node)]

    collected: list[tuple[Loc, str]] = []
    try:
        config = OrganisationConfig.model_validate(data, context={"problems": collected})
    except ValidationError as error:
        for err in error.errors():
            loc = tuple(err["loc"])
            problems.append(Problem(_line_for(lines, loc), _format_loc(loc), _vietnamese(dict(err))))
        config = None
        collected = _partial_cross_check(data)
    for loc, message in collected:
        problems.append(Problem(_line_for(lines, loc), _format_loc(loc), message))

    if problems:
        problems.sort(key=lambda p: (p.line or 0))
        raise OrganisationError(source, problems)
    assert config is not None
    return config


# --------------------------------------------------------------------------- database
