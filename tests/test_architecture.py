"""The package boundaries docs/architecture.md promises, checked on the import statements.

- ``domain`` is pure: no database, web, workflow or I/O package.
- ``web`` and ``cli`` are adapters: no shipped module outside them imports them.
- No ``importlib`` (loading by name) in ``web``, ``cli`` or ``worker.py``.
- Workflow code imports the activities and the contracts, never the database.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("domain", "contracts", "persistence", "workflows", "activities", "actions", "notifications", "ingest",
           "reports", "exports", "runtime", "simulation", "demo", "cli", "web")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _top(name: str) -> str:
    return name.split(".")[0]


def test_the_packages_exist() -> None:
    for package in SHIPPED:
        assert _modules(package), package


@pytest.mark.parametrize("path", _modules("domain"), ids=lambda p: p.name)
def test_domain_is_pure(path: Path) -> None:
    forbidden = {"sqlmodel", "sqlalchemy", "persistence", "web", "cli", "fastapi", "temporalio", "activities",
                 "workflows", "notifications", "runtime", "aiosmtplib", "jinja2", "httpx"}
    used = {_top(n) for n in _imports(path)} & forbidden
    assert not used, f"{path.relative_to(ROOT)} imports {sorted(used)}"


def test_nothing_outside_the_adapters_imports_them() -> None:
    offenders = []
    for package in SHIPPED:
        for path in _modules(package):
            tops = {_top(n) for n in _imports(path)}
            for adapter in ("web", "cli"):
                if adapter in tops and package != adapter:
                    offenders.append(f"{path.relative_to(ROOT)} imports {adapter}")
    for path in (ROOT / "worker.py", ROOT / "settings.py"):
        tops = {_top(n) for n in _imports(path)}
        offenders += [f"{path.name} imports {a}" for a in ("web", "cli") if a in tops]
    assert not offenders, offenders


def test_no_loading_by_name_in_the_adapters_and_the_worker() -> None:
    paths = [*_modules("web"), *_modules("cli"), ROOT / "worker.py"]
    offenders = [str(p.relative_to(ROOT)) for p in paths
                 if "importlib" in {_top(n) for n in _imports(p)} or "__import__(" in p.read_text(encoding="utf-8")]
    assert not offenders, offenders


@pytest.mark.parametrize("path", _modules("workflows"), ids=lambda p: p.name)
def test_workflow_code_never_touches_the_database(path: Path) -> None:
    if path.name == "client.py":  # the callers' side of the boundary
        return
    used = {_top(n) for n in _imports(path)} & {"sqlmodel", "sqlalchemy", "persistence", "aiosmtplib", "jinja2"}
    assert not used, f"{path.name} imports {sorted(used)}"
