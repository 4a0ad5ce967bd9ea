"""Bounds for the YAML files people edit and hand to dondoc (review and organisation files).

A file under 1 KB with nested aliases ("billion laughs") expands to gigabytes when
loaded or walked, and a 5,000-deep nesting exhausts the recursion limit. These files
never need anchors or aliases, nor more than a few levels of nesting, so both are
refused before anything is built; the size of the file is bounded as well. Scanning is
event by event (``yaml.parse``): nothing is expanded while checking.
"""

from __future__ import annotations

from pathlib import Path

import yaml

MAX_YAML_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 32


class YamlBoundsError(ValueError):
    """A YAML file beyond the bounds; ``line`` is 1-based or None, the message Vietnamese."""

    def __init__(self, line: int | None, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(message)


def check_file_size(path: str | Path) -> None:
    """Refuse a file larger than ``MAX_YAML_BYTES`` before reading it."""
    size = Path(path).stat().st_size
    if size > MAX_YAML_BYTES:
        raise YamlBoundsError(None, f"tệp quá lớn ({size // 1024:,} KB, tối đa {MAX_YAML_BYTES // 1024:,} KB)".replace(",", "."))


def check_yaml_bounds(text: str) -> None:
    """Refuse anchors, aliases, merge keys and nesting deeper than ``MAX_DEPTH``.

    Raises:
        YamlBoundsError: the first offence, with its line.
        yaml.YAMLError: the text is not YAML (the caller reports it as a syntax error).
    """
    if len(text.encode("utf-8", "ignore")) > MAX_YAML_BYTES:
        raise YamlBoundsError(None, f"tệp quá lớn (tối đa {MAX_YAML_BYTES // 1024:,} KB)".replace(",", "."))
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, yaml.AliasEvent):
            raise YamlBoundsError(line, f"không dùng bí danh YAML (*{event.anchor}): hãy viết đầy đủ giá trị")
        if getattr(event, "anchor", None):
            raise YamlBoundsError(line, f"không dùng neo YAML (&{event.anchor}): hãy viết đầy đủ giá trị")
        if isinstance(event, yaml.ScalarEvent) and event.value == "<<" and event.tag is None and event.style is None:
            raise YamlBoundsError(line, "không dùng khóa gộp YAML (<<)")
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlBoundsError(line, f"lồng quá sâu (quá {MAX_DEPTH} cấp)")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
