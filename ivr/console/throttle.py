"""Sign-in throttling: after too many failures for a user name, or from a client address, within
the window, sign-ins are refused until old failures age out.

Failures are rows in the shared database, so the count holds across instances (a guesser spread
over a load balancer's instances still counts once). The name is kept only as a hash: people
type passwords into the name field. The client address comes from `TrustedProxies`, so behind
a proxy it is the client's, not the proxy's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.console.models import ConsoleLoginFailure
from schedules.models import utcnow


def name_key(name: str) -> str:
    return "name:" + hashlib.sha256(name.strip().casefold().encode()).hexdigest()[:40]


def address_key(client: str) -> str:
    return "addr:" + client[:120]


@dataclass(frozen=True)
class SignInLimits:
    per_name: int
    per_address: int
    window: dt.timedelta


class SignInThrottle:
    def __init__(self, sm: async_sessionmaker[AsyncSession], limits: SignInLimits) -> None:
        self.sm, self.limits = sm, limits

    def _keys(self, name: str, client: str | None) -> list[tuple[str, int]]:
        keys = [(name_key(name), self.limits.per_name)]
        if client is not None:
            keys.append((address_key(client), self.limits.per_address))
        return keys

    async def blocked(self, name: str, client: str | None) -> bool:
        since = utcnow() - self.limits.window
        async with self.sm() as session:
            for key, limit in self._keys(name, client):
                count = await session.scalar(
                    select(func.count()).select_from(ConsoleLoginFailure)
                    .where(ConsoleLoginFailure.key == key, ConsoleLoginFailure.at > since)
                )
                if (count or 0) >= limit:
                    return True
        return False

    async def failed(self, name: str, client: str | None) -> None:
        now = utcnow()
        async with self.sm() as session, session.begin():
            # Failures older than the window count for nothing: drop them as new ones come.
            await session.execute(delete(ConsoleLoginFailure).where(ConsoleLoginFailure.at < now - self.limits.window))
            for key, _ in self._keys(name, client):
                session.add(ConsoleLoginFailure(key=key, at=now))

    async def succeeded(self, name: str) -> None:
        """The right password clears the name's count (not the address's: one right guess among many)."""
        async with self.sm() as session, session.begin():
            await session.execute(delete(ConsoleLoginFailure).where(ConsoleLoginFailure.key == name_key(name)))
