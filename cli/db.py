"""``dondoc db``: database schema migrations (Alembic, see migrations/)."""

from __future__ import annotations

import typer

# This module's commands; cli.main merges them into the root `dondoc` command.
app = typer.Typer()


db_app = typer.Typer(help="Cơ sở dữ liệu: nâng cấp cấu trúc (migration), xem phiên bản.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _engine():
    from persistence.db import make_engine
    from settings import Settings

    return make_engine(Settings().effective_database_url)


def _where(engine) -> str:
    return engine.url.render_as_string(hide_password=True)


@db_app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Phiên bản cần nâng lên (mặc định: mới nhất).")) -> None:
    """Nâng cấu trúc cơ sở dữ liệu lên phiên bản mà bản dondoc này cần (chạy lại nhiều lần vẫn an toàn)."""
    from persistence.db import upgrade_schema

    engine = _engine()
    try:
        before, after = upgrade_schema(engine, revision)
    except Exception as error:  # noqa: BLE001 - shown to the operator, with the database named
        typer.echo(f"Không nâng cấp được cơ sở dữ liệu {_where(engine)}: {error}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    if before == after:
        typer.echo(f"Cơ sở dữ liệu {_where(engine)} đã ở phiên bản {after}, không cần nâng cấp.")
    else:
        typer.echo(f"Đã nâng cấp cơ sở dữ liệu {_where(engine)}: {before or 'trống'} → {after}.")


@db_app.command("status")
def status() -> None:
    """In phiên bản cấu trúc của cơ sở dữ liệu và phiên bản dondoc cần; mã thoát 1 nếu cần nâng cấp."""
    from persistence.db import SchemaNotCurrent, ensure_schema_current

    engine = _engine()
    try:
        current = ensure_schema_current(engine)
    except SchemaNotCurrent as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(f"Cơ sở dữ liệu {_where(engine)} ở phiên bản {current.current} (mới nhất).")


@db_app.command("revision")
def revision(message: str = typer.Option(..., "-m", "--message", help="Mô tả thay đổi (tiếng Anh, ngắn).")) -> None:
    """(Cho lập trình viên) Sinh migration mới từ thay đổi trong persistence/models.py."""
    import tempfile
    from pathlib import Path

    from alembic import command

    from persistence.db import alembic_config, make_engine, upgrade_schema

    # Compare the models with a scratch SQLite database at the current head.
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'head.db'}"
        engine = make_engine(url)
        upgrade_schema(engine)
        engine.dispose()
        command.revision(alembic_config(url), message=message, autogenerate=True)
