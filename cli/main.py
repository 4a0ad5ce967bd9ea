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


# The commands of each module, composed here explicitly (no registration by import side effects).
from cli import (  # noqa: E402
    db,
    deadline,
    demo,
    importing,
    mail,
    org,
    plan,
    report,
    runtime,
    service,
    status,
)

for module in (deadline, importing, runtime, org, status, db, mail, service, report, demo):
    app.add_typer(module.app)
app.add_typer(plan.plan_app, name="plan")
app.add_typer(status.task_app, name="task")
app.add_typer(status.user_app, name="user")
app.add_typer(status.export_app, name="export")


def run() -> None:
    """Console entry point: ``app``, showing a schema refusal as its message instead of a traceback."""
    from persistence.db import SchemaNotCurrent

    try:
        app()
    except SchemaNotCurrent as error:
        typer.echo(str(error), err=True)
        raise SystemExit(2) from None
