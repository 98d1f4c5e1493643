"""A local server speaking the GA Realtime protocol, driven by a script instead of a model.

It listens on 127.0.0.1 at `/v1/realtime?model=…` (OpenAI) and `/openai/realtime` (Azure), so the
real openai SDK connects to it through `websocket_base_url`. What the "model" says and which
tools it calls comes from a `Script`; what the caller said comes from the script's `caller_says`
list, in the order its server VAD hears speech in the appended μ-law audio (there is no ASR).
Every client event is recorded per session so tests can assert on cancels, truncates, deletes.

    standin = RealtimeStandin(lambda: Script(
        greeting=Say("お電話ありがとうございます", ms=2000),
        replies=[Reply([ScriptedToolCall("lookup_driver", {"vehicle": "1234", "name": "サトウ"})])],
        after_tool={"lookup_driver": Reply([Say("佐藤さんですね", ms=1500)])},
        caller_says=["いちにのさんよん、佐藤です"],
    ))
    await standin.start()            # standin.url -> "ws://127.0.0.1:PORT/v1"
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from ivr.sim import ulaw
from ivr.sim.local_site import start_local_site


@dataclass
class Say:
    """Audio the model speaks: `ms` of a tone (or the given μ-law bytes) with its transcript."""

    text: str
    ms: int = 1000
    audio: bytes | None = None

    def pcm(self) -> bytes:
        return self.audio if self.audio is not None else ulaw.tone(self.ms, freq=800.0, amplitude=0.2)


@dataclass
class ScriptedToolCall:
    """A function call the model makes; its arguments stream for `ms` (a cancel meanwhile still
    reports them, half-written, as the real API does)."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    ms: int = 0


@dataclass
class Reply:
    outputs: list[Say | ScriptedToolCall]


ReplyOrFactory = Reply | Callable[[dict[str, Any]], Reply]


@dataclass
class Script:
    greeting: Say | None = None
    replies: list[Reply] = field(default_factory=list)
    after_tool: dict[str, ReplyOrFactory] = field(default_factory=dict)
    filler: Say = field(default_factory=lambda: Say("少々お待ちください", ms=600))
    caller_says: list[str] = field(default_factory=list)
    vad_silence_ms: int = 300  # the stand-in's own end-of-speech pause (the session's is for real models)
    transcript_delay_ms: int = 150
    chunk_ms: int = 100
    pace: float = 0.0  # seconds between audio deltas; 0 bursts like the real API
    realtime: bool = False  # pace deltas by the clock at exactly their audio length (the benchmark)
    stamp: bool = False  # write a monotonic timestamp into each delta's first bytes (latency probes)
    vad: bool = True
    reject_creates: int = 0  # refuse this many (non-filler) response.create with an `error`, as an overloaded API does
    reject_session_updates: int = 0  # refuse this many valid session.update with an `error` (defaults kept)


class StandinSession:
    """One Realtime connection: its script, conversation items and everything the client sent."""

    def __init__(self, standin: RealtimeStandin, ws: web.WebSocketResponse, request: web.Request) -> None:
        self.standin = standin
        self.ws = ws
        self.path = request.path
        self.query = dict(request.query)
        self.headers = dict(request.headers)
        self.script = standin.script_factory()
        self.received: list[dict[str, Any]] = []
        self.errors_sent: list[dict[str, Any]] = []  # every `error` this session sent: protocol mistakes show here
        self.session: dict[str, Any] = {}
        self.items: dict[str, dict[str, Any]] = {}
        self.closed = asyncio.Event()
        self.audio_in_bytes = 0
        self._ids = itertools.count(1)
        self._replies = list(self.script.replies)
        self._caller = list(self.script.caller_says)
        self._response_task: asyncio.Task[None] | None = None
        self._response_id: str | None = None
        self._cancel = False
        self._last_tool: tuple[str, dict[str, Any]] | None = None
        self._notice: str | None = None  # a system message the client added: the next answer follows it
        self._speaking_item: str | None = None
        self._quiet_ms = 0
        self._speech_start_ms = 0
        self._on_append: Callable[[str], None] | None = None

    def types(self) -> list[str]:
        return [e.get("type", "") for e in self.received]

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.received if e.get("type") == kind]

    def _id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):04d}"

    async def send(self, event: dict[str, Any]) -> None:
        event.setdefault("event_id", self._id("event"))
        if not self.ws.closed:
            await self.ws.send_str(json.dumps(event, ensure_ascii=False))

    async def error(self, code: str, message: str, event_id: str | None = None,
                    kind: str = "invalid_request_error") -> None:
        err = {"type": kind, "code": code, "message": message, "param": None, "event_id": event_id}
        self.errors_sent.append(err)
        await self.send({"type": "error", "error": err})

    # ----- client events -------------------------------------------------------------------------
    async def handle(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "input_audio_buffer.append":
            audio = event.get("audio", "")
            if self._on_append is not None:
                self._on_append(audio)
            else:
                self.received.append({"type": kind, "bytes": len(audio)})
            await self._hear(audio)
            return
        self.received.append(event)
        if kind == "session.update":
            problem = session_problem(event.get("session"))
            if problem is not None:
                await self.error("invalid_value", problem, event.get("event_id"))
                return
            if self.script.reject_session_updates > 0:
                self.script.reject_session_updates -= 1
                await self.error("server_error", "the server had an error; retry your request", event.get("event_id"),
                                 kind="server_error")
                return
            self.session.update(event.get("session") or {})
            await self.send({"type": "session.updated", "session": {"object": "realtime.session", **self.session}})
        elif kind == "response.create":
            await self._create_response(event)
        elif kind == "response.cancel":
            await self._cancel_response(event)
        elif kind == "conversation.item.create":
            await self._create_item(event)
        elif kind == "conversation.item.truncate":
            await self._truncate(event)
        elif kind == "conversation.item.delete":
            await self._delete(event)
        elif kind not in ("input_audio_buffer.clear", "input_audio_buffer.commit", "output_audio_buffer.clear"):
            await self.error("unknown_event", f"unknown event type {kind!r}", event.get("event_id"))

    async def _hear(self, audio_b64: str) -> None:
        """Server VAD on the audio timeline (not wall time), so tests are deterministic."""
        if not self.script.vad:
            return
        try:
            audio = base64.b64decode(audio_b64)
        except ValueError:
            await self.error("invalid_audio", "audio is not base64")
            return
        self.audio_in_bytes += len(audio)
        ms = len(audio) // 8
        if ulaw.is_voiced(audio):
            self._quiet_ms = 0
            if self._speaking_item is None:
                self._speaking_item = self._id("item")
                self._speech_start_ms = self.audio_in_bytes // 8 - ms
                await self.send(
                    {
                        "type": "input_audio_buffer.speech_started",
                        "audio_start_ms": self._speech_start_ms,
                        "item_id": self._speaking_item,
                    }
                )
        elif self._speaking_item is not None:
            self._quiet_ms += ms
            if self._quiet_ms >= self.script.vad_silence_ms:
                await self._end_of_speech()

    async def _end_of_speech(self) -> None:
        item_id, self._speaking_item = self._speaking_item, None
        assert item_id is not None
        end_ms = self.audio_in_bytes // 8 - self._quiet_ms
        await self.send({"type": "input_audio_buffer.speech_stopped", "audio_end_ms": end_ms, "item_id": item_id})
        previous = list(self.items)[-1] if self.items else None
        self.items[item_id] = {"id": item_id, "type": "message", "role": "user"}
        await self.send({"type": "input_audio_buffer.committed", "previous_item_id": previous, "item_id": item_id})
        await self.send({"type": "conversation.item.added", "previous_item_id": previous, "item": self.items[item_id]})
        text = self._caller.pop(0) if self._caller else ""
        asyncio.get_running_loop().create_task(self._transcribe(item_id, text))

    async def _transcribe(self, item_id: str, text: str) -> None:
        await asyncio.sleep(self.script.transcript_delay_ms / 1000)
        if item_id in self.items:
            self.items[item_id]["transcript"] = text
        await self.send(
            {
                "type": "conversation.item.input_audio_transcription.completed",
                "item_id": item_id,
                "content_index": 0,
                "transcript": text,
            }
        )

    async def _create_item(self, event: dict[str, Any]) -> None:
        item = dict(event.get("item") or {})
        item.setdefault("id", self._id("item"))
        if item.get("type") == "function_call_output" and (
            not isinstance(item.get("call_id"), str) or not isinstance(item.get("output"), str)
        ):
            await self.error("invalid_value", "function_call_output needs call_id and output strings",
                             event.get("event_id"))
            return
        if item.get("type") == "function_call" and not all(
                isinstance(item.get(k), str) for k in ("call_id", "name", "arguments")):
            await self.error("invalid_value", "function_call needs call_id, name and arguments strings",
                             event.get("event_id"))
            return
        if item.get("type") == "function_call_output":
            call = next((i for i in self.items.values() if i.get("call_id") == item.get("call_id")), None)
            if call is None:
                await self.error("invalid_call_id", "no function call with that call_id", event.get("event_id"))
                return
            try:
                output = json.loads(item.get("output") or "{}")
            except ValueError:
                output = {}
            self._last_tool = (call["name"], output if isinstance(output, dict) else {})
        if item.get("type") == "message" and item.get("role") == "system":
            content = item.get("content") or [{}]
            self._notice = str(content[0].get("text", "")) if isinstance(content[0], dict) else ""
        self.items[item["id"]] = item
        await self.send({"type": "conversation.item.added", "item": item})
        await self.send({"type": "conversation.item.done", "item": item})

    async def _truncate(self, event: dict[str, Any]) -> None:
        item = self.items.get(str(event.get("item_id")))
        end = event.get("audio_end_ms")
        if item is None or item.get("role") != "assistant":
            await self.error("item_not_found", "no assistant item with that id", event.get("event_id"))
            return
        if not isinstance(event.get("content_index"), int):
            await self.error("missing_required_parameter", "content_index is required", event.get("event_id"))
            return
        if not isinstance(end, int) or end <= 0 or end > item.get("audio_ms", 0):
            await self.error("invalid_audio_end_ms", "audio_end_ms out of range", event.get("event_id"))
            return
        item["audio_ms"] = end
        item["truncated"] = True
        await self.send(
            {"type": "conversation.item.truncated", "item_id": item["id"], "content_index": 0, "audio_end_ms": end}
        )

    async def _delete(self, event: dict[str, Any]) -> None:
        item_id = str(event.get("item_id"))
        if self.items.pop(item_id, None) is None:
            await self.error("item_not_found", "no item with that id", event.get("event_id"))
            return
        await self.send({"type": "conversation.item.deleted", "item_id": item_id})

    # ----- responses ---------------------------------------------------------------------------
    async def _create_response(self, event: dict[str, Any]) -> None:
        if self._response_task is not None and not self._response_task.done():
            await self.error(
                "conversation_already_has_active_response", "a response is in progress", event.get("event_id")
            )
            return
        params = event.get("response") or {}
        filler = (params.get("metadata") or {}).get("purpose") == "filler" or params.get("conversation") == "none"
        if not filler and self.script.reject_creates > 0:
            self.script.reject_creates -= 1
            await self.error("server_error", "the server had an error; retry your request", event.get("event_id"),
                             kind="server_error")
            return
        reply = self._pick_reply(filler)
        self._response_id = self._id("resp")
        self._cancel = False
        self._response_task = asyncio.get_running_loop().create_task(
            self._run_response(self._response_id, reply, params, in_band=not filler)
        )

    def _pick_reply(self, filler: bool) -> Reply:
        if filler:
            return Reply([self.script.filler])
        if self._last_tool is not None:
            name, output = self._last_tool
            self._last_tool = None
            found = self.script.after_tool.get(name)
            if found is not None:
                return found(output) if callable(found) else found
        greeting, self.script.greeting = self.script.greeting, None
        if greeting is not None:
            return Reply([greeting])
        reply = self._replies.pop(0) if self._replies else Reply([])
        notice, self._notice = self._notice, None
        if notice:  # as a model would: first the line the instruction quotes (「…」), then its own answer
            start, end = notice.find("「"), notice.rfind("」")
            line = notice[start + 1:end] if 0 <= start < end else notice
            return Reply([Say(line, ms=max(400, min(3000, 45 * len(line)))), *reply.outputs])
        return reply

    async def _run_response(self, response_id: str, reply: Reply, params: dict[str, Any], in_band: bool) -> None:
        metadata = params.get("metadata")
        await self.send(
            {
                "type": "response.created",
                "response": {
                    "id": response_id,
                    "object": "realtime.response",
                    "status": "in_progress",
                    "metadata": metadata,
                    "conversation_id": "conv_1" if in_band else None,
                    "output": [],
                },
            }
        )
        output: list[dict[str, Any]] = []
        for index, part in enumerate(reply.outputs):
            if self._cancel:
                break
            if isinstance(part, Say):
                output.append(await self._say(response_id, index, part, in_band))
            else:
                output.append(await self._call(response_id, index, part))
        status = "cancelled" if self._cancel else "completed"
        await self.send(
            {
                "type": "response.done",
                "response": {"id": response_id, "status": status, "metadata": metadata, "output": output},
            }
        )

    async def _say(self, response_id: str, index: int, say: Say, in_band: bool) -> dict[str, Any]:
        item_id = self._id("item")
        item: dict[str, Any] = {"id": item_id, "type": "message", "role": "assistant", "audio_ms": 0}
        if in_band:
            self.items[item_id] = item
        ids = {"response_id": response_id, "item_id": item_id, "output_index": index, "content_index": 0}
        await self.send({"type": "response.output_item.added", "response_id": response_id, "item": item})
        audio = say.pcm()
        step = self.script.chunk_ms * 8
        t0 = time.monotonic()
        for n, start in enumerate(range(0, len(audio), step)):
            if self._cancel:
                break
            chunk = audio[start : start + step]
            if self.script.stamp:
                chunk = struct.pack("<qI", time.monotonic_ns(), n) + chunk[12:]
            item["audio_ms"] += len(chunk) // 8
            await self.send(
                {"type": "response.output_audio.delta", **ids, "delta": base64.b64encode(chunk).decode()}
            )
            if self.script.realtime:
                await asyncio.sleep(max(0.0, t0 + (n + 1) * self.script.chunk_ms / 1000 - time.monotonic()))
            else:
                await asyncio.sleep(self.script.pace)
        await self.send({"type": "response.output_audio.done", **ids})
        await self.send({"type": "response.output_audio_transcript.done", **ids, "transcript": say.text})
        await self.send({"type": "response.output_item.done", "response_id": response_id, "item": item})
        return item

    async def _call(self, response_id: str, index: int, call: ScriptedToolCall) -> dict[str, Any]:
        item_id, call_id = self._id("item"), self._id("call")
        arguments = json.dumps(call.arguments, ensure_ascii=False)
        item = {"id": item_id, "type": "function_call", "call_id": call_id, "name": call.name, "arguments": ""}
        self.items[item_id] = item
        await self.send({"type": "response.output_item.added", "response_id": response_id, "output_index": index,
                         "item": dict(item, status="in_progress")})
        ids = {"response_id": response_id, "item_id": item_id, "output_index": index, "call_id": call_id}
        steps = max(1, call.ms // 100)
        for n in range(steps):
            if self._cancel:
                break
            piece = arguments[len(arguments) * n // steps: len(arguments) * (n + 1) // steps]
            item["arguments"] += piece
            await self.send({"type": "response.function_call_arguments.delta", **ids, "delta": piece})
            if call.ms:
                await asyncio.sleep(call.ms / 1000 / steps)
        if not self._cancel:
            item["arguments"] = arguments
        arguments = str(item["arguments"])
        item["status"] = "incomplete" if self._cancel else "completed"
        await self.send(
            {
                "type": "response.function_call_arguments.done",
                "response_id": response_id,
                "item_id": item_id,
                "output_index": index,
                "call_id": call_id,
                "name": call.name,
                "arguments": arguments,
            }
        )
        await self.send({"type": "response.output_item.done", "response_id": response_id, "output_index": index,
                         "item": item})
        return item

    async def _cancel_response(self, event: dict[str, Any]) -> None:
        wanted = event.get("response_id")
        active = self._response_task is not None and not self._response_task.done()
        if not active or (wanted and wanted != self._response_id):
            await self.error("response_cancel_not_active", "no active response to cancel", event.get("event_id"))
            return
        self._cancel = True

    async def stop(self) -> None:
        if self._response_task is not None:
            self._response_task.cancel()


class RealtimeStandin:
    def __init__(self, script_factory: Callable[[], Script] = Script, *, host: str = "127.0.0.1") -> None:
        self.script_factory = script_factory
        self.host = host
        self.port = 0
        self.sessions: list[StandinSession] = []
        self.connections_attempted = 0
        self.refuse_new = False
        self.stall_new = False  # accept the TCP connection, never answer the upgrade (a hung server)
        self._closing = asyncio.Event()
        self.on_session: Callable[[StandinSession], None] | None = None
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """For `OPENAI_REALTIME_URL` / `AsyncOpenAI(websocket_base_url=…)`."""
        return f"ws://{self.host}:{self.port}/v1"

    @property
    def azure_endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> RealtimeStandin:
        app = web.Application()
        app.router.add_get("/v1/realtime", self._socket)
        app.router.add_get("/openai/realtime", self._socket)
        app.router.add_get("/openai/deployments/{deployment}/realtime", self._socket)
        self._runner, self.port = await start_local_site(app, self.host, self.port)
        return self

    async def close(self) -> None:
        self._closing.set()
        for session in self.sessions:
            await session.stop()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> RealtimeStandin:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def drop_all(self, code: int = 1011) -> None:
        """Close every live session abnormally, as a failing upstream would."""
        for session in self.sessions:
            if not session.ws.closed:
                await session.ws.close(code=code, message=b"stand-in dropped the connection")

    async def wait_sessions(self, n: int, within_s: float = 5.0) -> list[StandinSession]:
        deadline = time.monotonic() + within_s
        while len(self.sessions) < n:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.sessions)} of {n} Realtime sessions opened")
            await asyncio.sleep(0.01)
        return self.sessions

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        self.connections_attempted += 1
        if self.refuse_new:
            return web.Response(status=503, text="stand-in refusing connections")
        if self.stall_new:
            await self._closing.wait()  # the client gives up long before; the stand-in's close ends it
            return web.Response(status=503, text="stand-in closing")
        if "/openai/" in request.path:
            if "api-version" not in request.query or "api-key" not in request.headers:
                return web.Response(status=401, text="azure: api-version and api-key required")
        elif not request.headers.get("Authorization", "").startswith("Bearer "):
            return web.Response(status=401, text="missing bearer token")
        ws = web.WebSocketResponse(max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        session = StandinSession(self, ws, request)
        self.sessions.append(session)
        if self.on_session is not None:
            self.on_session(session)
        await session.send(
            {"type": "session.created", "session": {"object": "realtime.session", "type": "realtime", "id": "sess_1"}}
        )
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    event = json.loads(msg.data)
                except ValueError:
                    await session.error("invalid_json", "message is not JSON")
                    continue
                if isinstance(event, dict):
                    await session.handle(event)
        finally:
            await session.stop()
            session.closed.set()
        return ws


_FORMATS = ("audio/pcm", "audio/pcmu", "audio/pcma")
_SERVER_VAD = {"type", "threshold", "prefix_padding_ms", "silence_duration_ms", "create_response",
               "interrupt_response", "idle_timeout_ms"}
_SEMANTIC_VAD = {"type", "eagerness", "create_response", "interrupt_response"}
_TRANSCRIPTION = {"model", "language", "languages", "prompt", "delay", "keywords"}
_SESSION = {"type", "instructions", "output_modalities", "max_output_tokens", "audio", "tools", "tool_choice",
            "model", "include", "prompt", "tracing", "truncation", "parallel_tool_calls", "reasoning"}


def session_problem(session: Any) -> str | None:
    """Why the real GA API would refuse this `session.update`, or None.

    The real service rejects beta-era shapes (top-level `input_audio_format`, `modalities`,
    `turn_detection`, `voice`) and unknown keys; so does the stand-in, or the tests would pass on
    a session the real model never accepts."""
    if not isinstance(session, dict):
        return "session must be an object"
    if session.get("type") != "realtime":
        return "session.type must be 'realtime'"
    unknown = sorted(set(session) - _SESSION)
    if unknown:
        return f"unknown session parameter(s): {', '.join(unknown)}"
    modalities = session.get("output_modalities")
    if modalities is not None and modalities not in (["audio"], ["text"]):
        return "output_modalities must be ['audio'] or ['text']"
    tokens = session.get("max_output_tokens")
    if tokens is not None and tokens != "inf" and not (isinstance(tokens, int) and 1 <= tokens <= 4096):
        return "max_output_tokens must be 1-4096 or 'inf'"
    audio = session.get("audio") or {}
    if not isinstance(audio, dict) or set(audio) - {"input", "output"}:
        return "audio takes only input and output"
    inp, out = audio.get("input") or {}, audio.get("output") or {}
    if set(inp) - {"format", "turn_detection", "transcription", "noise_reduction"}:
        return "unknown audio.input parameter"
    if set(out) - {"format", "voice", "speed"}:
        return "unknown audio.output parameter"
    for side in (inp, out):
        fmt = side.get("format")
        if fmt is not None and (not isinstance(fmt, dict) or fmt.get("type") not in _FORMATS):
            return f"audio format must be one of {_FORMATS}"
    td = inp.get("turn_detection")
    if td is not None:
        allowed = {"server_vad": _SERVER_VAD, "semantic_vad": _SEMANTIC_VAD}.get(td.get("type"))
        if allowed is None or set(td) - allowed:
            return "turn_detection must be server_vad or semantic_vad with their own parameters"
        threshold = td.get("threshold", 0.5)
        if not isinstance(threshold, int | float) or not 0 <= threshold <= 1:
            return "turn_detection.threshold must be within 0-1"
    tr = inp.get("transcription")
    if tr is not None and (not isinstance(tr, dict) or set(tr) - _TRANSCRIPTION):
        return "unknown transcription parameter"
    for tool in session.get("tools") or []:
        if not isinstance(tool, dict) or tool.get("type") != "function" or not tool.get("name"):
            return "tools must be function tools with a name"
        if set(tool) - {"type", "name", "description", "parameters"}:
            return "unknown function tool parameter"
    return None
