"""`ivr db upgrade`: alembic migrations to head on DATABASE_URL."""

from __future__ import annotations

import argparse
from typing import Any

from ivr.settings import load_settings
from schedules.migrate import upgrade_sync


def register(sub: Any, qa: Any) -> None:
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    up = db_sub.add_parser("upgrade", help="apply alembic migrations up to head on DATABASE_URL")
    up.add_argument("--revision", default="head", help="target revision (default: head)")
    up.set_defaults(func=_upgrade)


def _upgrade(args: argparse.Namespace) -> int:
    settings = load_settings()
    upgrade_sync(settings.database_url, args.revision)
    print(f"database at revision {args.revision}")
    return 0
