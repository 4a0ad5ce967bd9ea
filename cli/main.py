"""The ``dondoc`` console command. Sub-commands live in sibling modules."""

from __future__ import annotations

import typer

from cli import i18n

i18n.install()  # Click's and Typer's own words (help, errors) in Vietnamese

app = typer.Typer(
    name="dondoc",
    help="dondoc — đôn đốc thực hiện kế hoạch cải cách hành chính.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """dondoc — đôn đốc thực hiện kế hoạch cải cách hành chính."""


from cli import deadline as _deadline  # noqa: E402,F401  registers `dondoc deadline`
from cli.plan import plan_app as _plan_app  # noqa: E402

app.add_typer(_plan_app, name="plan")
from cli import runtime as _runtime  # noqa: E402,F401  registers `dondoc up/worker/simulate`, `plan activate`
from cli import org as _org  # noqa: E402,F401  registers `dondoc org check/load`
from cli import importing as _importing  # noqa: E402,F401  registers `dondoc import`
from cli import status as _status  # noqa: E402  registers `dondoc status`, `task`, `user`, `export`

app.add_typer(_status.task_app, name="task")
app.add_typer(_status.user_app, name="user")
app.add_typer(_status.export_app, name="export")
from cli import db as _db  # noqa: E402,F401  registers `dondoc db upgrade/status/revision`
from cli import mail as _mail  # noqa: E402,F401  registers `dondoc mail list/show`
from cli import service as _service  # noqa: E402,F401  registers `dondoc web`, `dondoc dispatcher`
from cli import report as _report  # noqa: E402,F401  registers `dondoc report draft/evidence`, `dondoc indicator`
from cli import accounts as _accounts  # noqa: E402,F401  registers `dondoc plan list`
from cli import demo as _demo  # noqa: E402,F401  registers `dondoc demo remove`


def run() -> None:
    """Console entry point: ``app``, showing a schema refusal as its message instead of a traceback."""
    from persistence.db import SchemaNotCurrent

    try:
        app()
    except SchemaNotCurrent as error:
        typer.echo(str(error), err=True)
        raise SystemExit(2) from None
