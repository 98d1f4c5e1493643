"""A local stand-in for the part of Twilio's REST API the bridge uses: updating a live call.

The real twilio SDK talks to it (its API domain's base URL pointed here), so auth, URL building
and form encoding are the SDK's own. Updates are recorded for tests and the demo to read.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field

from aiohttp import web

from ivr.sim.local_site import start_local_site


@dataclass
class CallUpdate:
    account_sid: str
    call_sid: str
    form: dict[str, str]
    auth_user: str
    at: float = field(default_factory=time.monotonic)  # when it arrived (tests compare it with playout)


@dataclass
class TwilioRestStandin:
    auth_token: str
    host: str = "127.0.0.1"
    port: int = 0
    updates: list[CallUpdate] = field(default_factory=list)
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> TwilioRestStandin:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{account}/Calls/{call}.json", self._update_call)
        self._runner, self.port = await start_local_site(app, self.host, self.port)
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _update_call(self, request: web.Request) -> web.Response:
        user = self._basic_auth(request)
        if user is None:
            return web.json_response({"code": 20003, "message": "Authenticate", "status": 401}, status=401)
        form = {k: str(v) for k, v in (await request.post()).items()}
        account, call = request.match_info["account"], request.match_info["call"]
        self.updates.append(CallUpdate(account, call, form, user))
        return web.json_response(
            {
                "sid": call,
                "account_sid": account,
                "status": "in-progress",
                "uri": f"/2010-04-01/Accounts/{account}/Calls/{call}.json",
            }
        )

    def _basic_auth(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user if password == self.auth_token else None
