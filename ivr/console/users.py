"""The people who may sign in: added, listed and disabled from the command line or the admin page.

A user is never deleted (the load log and overrides name them); disabling ends their sessions at
once. Names are kept as typed but compared without regard to case or surrounding spaces.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.console.models import ConsoleUser
from ivr.console.passwords import MIN_LENGTH, check_password, hash_password, weak_password_reason
from ivr.console.sessions import end_user_sessions

ROLES = ("dispatcher", "admin")
_NAME = re.compile(r"[\w.\-@]{1,64}")


class UserProblem(ValueError):
    """A refused change, in words the admin can act on: English for the command line, Japanese for the page."""

    def __init__(self, english: str, japanese: str) -> None:
        super().__init__(english)
        self.japanese = japanese


@dataclass(frozen=True)
class UserRow:
    id: int
    name: str
    role: str
    disabled: bool
    created_at: str
    last_sign_in_at: str


def clean_name(name: str) -> str:
    name = name.strip()
    if not _NAME.fullmatch(name):
        raise UserProblem("a user name is 1 to 64 letters, digits or . _ - @ (no spaces)",
                          "ユーザー名は64文字以内の英数字と . _ - @ で、空白は使えません。")
    return name


async def _by_name(session: AsyncSession, name: str) -> ConsoleUser | None:
    return await session.scalar(select(ConsoleUser).where(func.lower(ConsoleUser.name) == name.strip().lower()))


async def add_user(sm: async_sessionmaker[AsyncSession], name: str, role: str, password: str) -> int:
    name = clean_name(name)
    if role not in ROLES:
        raise UserProblem(f"role must be one of {', '.join(ROLES)}", "役割を選んでください。")
    if reason := weak_password_reason(password):
        raise UserProblem(f"the password must be {reason}",
                          f"パスワードは{MIN_LENGTH}文字以上（1024文字以内）にしてください。")
    hashed = await hash_password(password)
    async with sm() as session, session.begin():
        if await _by_name(session, name) is not None:
            raise UserProblem(f"a user named {name} already exists", f"{name} というユーザーはすでにいます。")
        user = ConsoleUser(name=name, role=role, password_hash=hashed, disabled=False)
        session.add(user)
        await session.flush()
        return user.id


async def list_users(sm: async_sessionmaker[AsyncSession]) -> list[UserRow]:
    async with sm() as session:
        users = (await session.scalars(select(ConsoleUser).order_by(ConsoleUser.name))).all()
    return [
        UserRow(u.id, u.name, u.role, u.disabled, u.created_at.strftime("%Y-%m-%d %H:%M"),
                u.last_sign_in_at.strftime("%Y-%m-%d %H:%M") if u.last_sign_in_at else "")
        for u in users
    ]


async def disable_user(sm: async_sessionmaker[AsyncSession], name: str) -> int:
    """Disables the user and ends every session of theirs; returns their id."""
    async with sm() as session, session.begin():
        user = await _by_name(session, name)
        if user is None:
            raise UserProblem(f"no user named {name.strip()[:64]}", "そのユーザーは見つかりません。")
        user.disabled = True
        await end_user_sessions(session, user.id)
        return user.id


async def authenticate(sm: async_sessionmaker[AsyncSession], name: str, password: str) -> int | None:
    """The user's id when the name and password match an enabled user; None otherwise (same work either way)."""
    async with sm() as session:
        user = await _by_name(session, name) if name.strip() else None
        stored = user.password_hash if user is not None and not user.disabled else None
        user_id = user.id if user is not None else None
    matches, rehash = await check_password(stored, password)
    if not matches or user_id is None:
        return None
    if rehash:
        new_hash = await hash_password(password)
        async with sm() as session, session.begin():
            found = await session.get(ConsoleUser, user_id)
            if found is not None:
                found.password_hash = new_hash
    return user_id


DEMO_USER = "demo"


async def reset_demo_user(sm: async_sessionmaker[AsyncSession]) -> str:
    """The demo's sign-in (`ivr demo --serve` only): the `demo` admin with a new random password,
    returned to be printed once; any earlier demo password and session stop working."""
    password = secrets.token_urlsafe(12)
    hashed = await hash_password(password)
    async with sm() as session, session.begin():
        user = await _by_name(session, DEMO_USER)
        if user is None:
            session.add(ConsoleUser(name=DEMO_USER, role="admin", password_hash=hashed, disabled=False))
        else:
            user.password_hash, user.disabled, user.role = hashed, False, "admin"
            await end_user_sessions(session, user.id)
    return password
