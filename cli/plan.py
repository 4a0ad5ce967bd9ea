"""``dondoc plan``: commands on plans (the importer adds its own; runtime adds ``activate``)."""

from __future__ import annotations

import typer

plan_app = typer.Typer(help="Kế hoạch: nhập, rà soát, kích hoạt.", no_args_is_help=True)
