"""`ivr users add|list|disable`: the people who may sign in to the console.

The password is never an argument (it would sit in the shell history and in `ps`): it is read
from a prompt, twice, or from standard input when that is not a terminal (scripts pipe it in).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from ivr.cli_support import with_database
from ivr.console.users import ROLES, UserProblem, add_user, disable_user, list_users
from ivr.errors import UserError


def register(sub: Any, qa: Any) -> None:
    parser = sub.add_parser("users", help="manage who may sign in to the dispatchers' console",
                            description="Add, list and disable the console's users.")
    actions = parser.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add", help="add a user (the password is read from a prompt, or from standard input when piped)",
        description="Add a console user. The password (at least 10 characters) is asked for twice on a terminal; "
        "piped in, the first line of standard input is the password.",
    )
    add.add_argument("name", help="user name: letters, digits or . _ - @ (no spaces), at most 64")
    add.add_argument("--role", required=True, choices=ROLES, help="dispatcher, or admin (also manages users)")
    add.set_defaults(func=_add)
    listing = actions.add_parser("list", help="list the users, their roles and last sign-in",
                                 description="Every console user with role, state and last sign-in (UTC).")
    listing.set_defaults(func=_list)
    disable = actions.add_parser("disable", help="disable a user and end their sessions",
                                 description="Disable a user: they can no longer sign in, and their open "
                                 "sessions end at once. Users are never deleted (the load log names them).")
    disable.add_argument("name", help="the user's name")
    disable.set_defaults(func=_disable)


def read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise UserError("the two passwords differ; nothing was changed")
    return first


def _add(args: argparse.Namespace) -> int:
    password = read_password()
    try:
        user_id = with_database(lambda sm: add_user(sm, args.name, args.role, password))
    except UserProblem as exc:
        raise UserError(str(exc)) from None
    print(f"added {args.role} {args.name.strip()} (id {user_id})")
    return 0


def _list(args: argparse.Namespace) -> int:
    users = with_database(list_users)
    if not users:
        print("no users yet: add one with `ivr users add NAME --role admin`")
        return 0
    print(f"{'id':>4}  {'name':<24} {'role':<10} {'state':<8} {'last sign-in':<16} created")
    for u in users:
        state = "disabled" if u.disabled else "active"
        print(f"{u.id:>4}  {u.name:<24} {u.role:<10} {state:<8} {u.last_sign_in_at or '-':<16} {u.created_at}")
    return 0


def _disable(args: argparse.Namespace) -> int:
    try:
        with_database(lambda sm: disable_user(sm, args.name))
    except UserProblem as exc:
        raise UserError(str(exc)) from None
    print(f"disabled {args.name.strip()}; their sessions have ended")
    return 0
