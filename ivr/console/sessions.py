"""Signed-in browsers: a random token in an HttpOnly cookie, its SHA-256 as the row's key.

The row lives in the shared database so every instance knows every session, and a copy of the
table hands out nothing (only hashes of tokens). A session ends when its user signs out (the row
is deleted), is disabled (every row of theirs is deleted), or after `idle` without a request.
`last_seen_at` is written at most once a minute, not on every page view.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.console.models import ConsoleSession, ConsoleUser
from schedules.models import utcnow

COOKIE = "ivr_console"
TOUCH_EVERY = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class SignedIn:
    """The request's user, as pages and templates see them."""

    user_id: int
    name: str
    role: str
    session_id: str
    csrf_token: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands datetimes back naive; they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def is_idle(last_seen: dt.datetime, now: dt.datetime, idle: dt.timedelta) -> bool:
    return now - aware(last_seen) > idle


async def start_session(sm: async_sessionmaker[AsyncSession], user_id: int) -> str:
    """A new session for the user; returns the cookie's token (shown once, stored only hashed)."""
    token = secrets.token_urlsafe(32)
    async with sm() as session, session.begin():
        session.add(ConsoleSession(id=token_key(token), user_id=user_id, csrf_token=secrets.token_urlsafe(32)))
        await session.execute(
            update(ConsoleUser).where(ConsoleUser.id == user_id).values(last_sign_in_at=utcnow())
        )
    return token


async def find_session(sm: async_sessionmaker[AsyncSession], token: str, idle: dt.timedelta) -> SignedIn | None:
    """The live session behind a cookie's token; an idle or disabled one is deleted and None returned."""
    if not token or len(token) > 128:
        return None
    key = token_key(token)
    now = utcnow()
    async with sm() as session, session.begin():
        row = (await session.execute(
            select(ConsoleSession, ConsoleUser).join(ConsoleUser, ConsoleUser.id == ConsoleSession.user_id)
            .where(ConsoleSession.id == key)
        )).first()
        if row is None:
            return None
        found, user = row
        if user.disabled or is_idle(found.last_seen_at, now, idle):
            await session.execute(delete(ConsoleSession).where(ConsoleSession.id == key))
            return None
        if now - aware(found.last_seen_at) > TOUCH_EVERY:
            found.last_seen_at = now
        return SignedIn(user.id, user.name, user.role, key, found.csrf_token)


async def end_session(sm: async_sessionmaker[AsyncSession], session_id: str) -> None:
    async with sm() as session, session.begin():
        await session.execute(delete(ConsoleSession).where(ConsoleSession.id == session_id))


async def end_user_sessions(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user_id))
