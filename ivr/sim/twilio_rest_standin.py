"""A local stand-in for the parts of Twilio's REST API the service uses: updating a live call, and
sending an SMS (Messages).

The real twilio SDK talks to it (its API domain's base URL pointed here), so auth, URL building
and form encoding are the SDK's own. Updates and messages are recorded for tests and the demo to
read. A message is checked as Twilio checks it (an E.164 `To`, a body of at most 1,600 characters,
`From` or `MessagingServiceSid`); `fail_messages` makes the next sends fail with a given HTTP status
and Twilio error code; `report` posts a signed status callback to the message's StatusCallback, sent
to `callback_host` when the public URL does not resolve here (as a proxy would).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

from ivr.sim.local_site import start_local_site


@dataclass
class CallUpdate:
    account_sid: str
    call_sid: str
    form: dict[str, str]
    auth_user: str
    at: float = field(default_factory=time.monotonic)  # when it arrived (tests compare it with playout)
    wall: float = field(default_factory=time.time)  # the same, on the wall clock (to compare with records)


@dataclass
class SentMessage:
    sid: str
    account_sid: str
    form: dict[str, str]
    status: str = "queued"
    callbacks: list[int] = field(default_factory=list)  # HTTP statuses the status callbacks got


_E164 = re.compile(r"\+[1-9]\d{6,14}")


@dataclass
class TwilioRestStandin:
    auth_token: str
    host: str = "127.0.0.1"
    port: int = 0
    updates: list[CallUpdate] = field(default_factory=list)
    messages: list[SentMessage] = field(default_factory=list)
    callback_host: str | None = None  # "127.0.0.1:PORT": where status callbacks really go
    _message_failures: list[tuple[int, int]] = field(default_factory=list)
    _update_failures: list[int] = field(default_factory=list)
    failed_updates: list[CallUpdate] = field(default_factory=list)  # call updates answered with an error
    _closing: asyncio.Event = field(default_factory=asyncio.Event)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> TwilioRestStandin:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{account}/Calls/{call}.json", self._update_call)
        app.router.add_post("/2010-04-01/Accounts/{account}/Messages.json", self._send_message)
        self._runner, self.port = await start_local_site(app, self.host, self.port)
        return self

    async def close(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _update_call(self, request: web.Request) -> web.Response:
        user = self._basic_auth(request)
        if user is None:
            return web.json_response({"code": 20003, "message": "Authenticate", "status": 401}, status=401)
        form = {k: str(v) for k, v in (await request.post()).items()}
        account, call = request.match_info["account"], request.match_info["call"]
        if self._update_failures:
            status = self._update_failures.pop(0)
            self.failed_updates.append(CallUpdate(account, call, form, user))
            if status == 0:  # an API that never answers
                await self._closing.wait()
            return _twilio_error(status or 503, 20500, "Simulated failure")
        self.updates.append(CallUpdate(account, call, form, user))
        return web.json_response(
            {
                "sid": call,
                "account_sid": account,
                "status": "in-progress",
                "uri": f"/2010-04-01/Accounts/{account}/Calls/{call}.json",
            }
        )

    def fail_updates(self, *statuses: int) -> None:
        """The next call updates fail with these HTTP statuses, in order (0: no answer at all)."""
        self._update_failures.extend(statuses)

    def fail_messages(self, *failures: tuple[int, int]) -> None:
        """The next sends fail with (HTTP status, Twilio error code), in order: (429, 20429), (500, 20500)."""
        self._message_failures.extend(failures)

    async def _send_message(self, request: web.Request) -> web.Response:
        user = self._basic_auth(request)
        if user is None:
            return _twilio_error(401, 20003, "Authenticate")
        form = {k: str(v) for k, v in (await request.post()).items()}
        if not _E164.fullmatch(form.get("To", "")):
            return _twilio_error(400, 21211, f"The 'To' number {form.get('To', '')} is not a valid phone number.")
        if not form.get("Body"):
            return _twilio_error(400, 21602, "Message body is required.")
        if len(form["Body"]) > 1600:
            return _twilio_error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return _twilio_error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required.")
        if self._message_failures:
            status, code = self._message_failures.pop(0)
            return _twilio_error(status, code, f"Simulated failure for {form['To']}")
        account = request.match_info["account"]
        sid = f"SM{next(self._ids):032x}"
        self.messages.append(SentMessage(sid, account, form))
        segments = -(-len(form["Body"]) // (67 if len(form["Body"]) > 70 else 70))  # UCS-2: 70, or 67 per part
        return web.json_response({
            "sid": sid, "account_sid": account, "to": form["To"], "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"), "body": form["Body"], "status": "queued",
            "num_segments": str(segments), "num_media": "0", "direction": "outbound-api", "api_version": "2010-04-01",
            "price": None, "price_unit": "USD", "error_code": None, "error_message": None,
            "date_created": time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
            "date_updated": None, "date_sent": None,
            "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json", "subresource_uris": {},
        }, status=201)

    async def report(self, sid: str, status: str, *, error_code: str = "") -> int:
        """Post Twilio's signed status callback for message `sid`; returns the HTTP status it got."""
        message = next(m for m in self.messages if m.sid == sid)
        url = message.form.get("StatusCallback")
        if not url:
            raise ValueError(f"message {sid} asked for no status callback")
        form = {"MessageSid": sid, "SmsSid": sid, "AccountSid": message.account_sid, "MessageStatus": status,
                "SmsStatus": status, "To": message.form["To"], "From": message.form.get("From", ""),
                "ApiVersion": "2010-04-01"}
        if error_code:
            form["ErrorCode"] = error_code
        signature = RequestValidator(self.auth_token).compute_signature(url, form)
        target = url
        if self.callback_host:
            parts = urlsplit(url)
            target = urlunsplit(("http", self.callback_host, parts.path, parts.query, ""))
        async with aiohttp.ClientSession() as session, session.post(
                target, data=form, headers={"X-Twilio-Signature": signature}) as response:
            message.callbacks.append(response.status)
            if response.status < 300:
                message.status = status
            return response.status

    def _basic_auth(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user if password == self.auth_token else None


def _twilio_error(status: int, code: int, message: str) -> web.Response:
    return web.json_response({"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                              "status": status}, status=status)
