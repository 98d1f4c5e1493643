"""A local stand-in of the OpenAI HTTP API's Chat Completions, for the real openai SDK to talk to.

It serves `POST /v1/chat/completions` (OpenAI: `Authorization: Bearer`) and
`POST /openai/deployments/{deployment}/chat/completions?api-version=…` (Azure OpenAI: `api-key`),
checks the request as the API would (a model, a list of messages with known roles and string
content, a positive `max_completion_tokens`; unknown top-level fields are refused), and answers
with the API's response JSON. It fails on demand, in order, for the retry tests: `fail("429")`
(with `retry-after`), `"500"`, `"400"`, `"401"`, `"timeout"` (answers after `hang_s`), `"empty"` (a
completion with no content). Every accepted request is kept in `requests`. 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from ivr.sim.local_site import start_local_site

DEFAULT_REPLY = "用件: 次の届け先の確認\n案内: 次の届け先と到着時間を案内\n結果: 案内完了\n未解決: なし"
ROLES = {"system", "developer", "user", "assistant"}
KNOWN_FIELDS = {"model", "messages", "max_completion_tokens", "max_tokens", "temperature", "top_p", "n", "stream",
                "stop", "store", "metadata", "user", "response_format", "seed", "reasoning_effort",
                "service_tier", "presence_penalty", "frequency_penalty", "logprobs", "top_logprobs",
                "prompt_cache_key", "safety_identifier", "verbosity"}
_ERRORS = {
    "400": (400, "invalid_request_error", None, "Invalid request."),
    "401": (401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    "404": (404, "invalid_request_error", "model_not_found", "The model does not exist."),
    "429": (429, "requests", "rate_limit_exceeded", "Rate limit reached for requests."),
    "500": (500, "server_error", None, "The server had an error while processing your request."),
    "503": (503, "server_error", None, "The engine is currently overloaded."),
}


@dataclass
class ChatRequest:
    path: str
    model: str
    messages: list[dict[str, Any]]
    body: dict[str, Any]


@dataclass
class OpenAIHttpStandin:
    api_key: str = "sk-sim"
    host: str = "127.0.0.1"
    port: int = 0
    reply: Callable[[ChatRequest], str] | str = DEFAULT_REPLY
    delay_s: float = 0.0  # every answer waits this long (the benchmark's model latency)
    hang_s: float = 60.0  # how long a "timeout" failure keeps the client waiting
    retry_after_s: float = 1.0
    requests: list[ChatRequest] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)  # (status, why) of requests refused as invalid
    _failures: list[str] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        """The OpenAI base URL (`base_url` of AsyncOpenAI)."""
        return f"http://{self.host}:{self.port}/v1"

    @property
    def azure_endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def fail(self, *kinds: str) -> None:
        """The next requests fail, one kind each, in order."""
        self._failures.extend(kinds)

    async def start(self) -> OpenAIHttpStandin:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._openai)
        app.router.add_post("/openai/deployments/{deployment}/chat/completions", self._azure)
        self._runner, self.port = await start_local_site(app, self.host, self.port)
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _openai(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return self._error(*_ERRORS["401"])
        return await self._complete(request, None)

    async def _azure(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("api-key") != self.api_key:
            return web.json_response({"error": {"code": "401", "message": "Access denied due to invalid key."}},
                                     status=401)
        if not request.query.get("api-version"):
            return web.json_response({"error": {"code": "404", "message": "Resource not found"}}, status=404)
        return await self._complete(request, request.match_info["deployment"])

    async def _complete(self, request: web.Request, deployment: str | None) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            return self._refuse(400, "the body is not JSON")
        problem = _check(body, azure=deployment is not None)
        if problem:
            return self._refuse(400, problem)
        if self._failures:
            kind = self._failures.pop(0)
            if kind == "timeout":
                await asyncio.sleep(self.hang_s)
            elif kind in _ERRORS:
                return self._error(*_ERRORS[kind])
            elif kind != "empty":
                raise ValueError(f"unknown failure kind {kind!r}")
            else:
                return web.json_response(self._completion(body, deployment, "", "content_filter"))
        chat = ChatRequest(request.path, str(body.get("model") or deployment), body["messages"], body)
        self.requests.append(chat)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        text = self.reply(chat) if callable(self.reply) else self.reply
        return web.json_response(self._completion(body, deployment, text, "stop"))

    def _completion(self, body: dict[str, Any], deployment: str | None, text: str, finish: str) -> dict[str, Any]:
        prompt_tokens = sum(len(str(m.get("content", ""))) for m in body["messages"])
        return {
            "id": f"chatcmpl-sim{next(self._ids):06d}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model") or deployment,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text or None, "refusal": None,
                                                 "annotations": []},
                         "logprobs": None, "finish_reason": finish}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(text),
                      "total_tokens": prompt_tokens + len(text)},
            "service_tier": "default",
            "system_fingerprint": "fp_sim",
        }

    def _refuse(self, status: int, why: str) -> web.Response:
        self.refused.append((status, why))
        return self._error(status, "invalid_request_error", None, why)

    def _error(self, status: int, kind: str, code: str | None, message: str) -> web.Response:
        headers = {"retry-after": f"{self.retry_after_s:g}"} if status == 429 else None
        return web.json_response({"error": {"message": message, "type": kind, "param": None, "code": code}},
                                 status=status, headers=headers)


def _check(body: Any, *, azure: bool) -> str | None:
    """What the API would refuse in a request body, or None."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    unknown = sorted(set(body) - KNOWN_FIELDS)
    if unknown:
        return f"Unrecognized request argument supplied: {', '.join(unknown)}"
    if not azure and not isinstance(body.get("model"), str):
        return "you must provide a model parameter"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "'messages' must be a non-empty array"
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ROLES or not isinstance(m.get("content"), str):
            return f"messages[{i}] needs a known role and string content"
    limit = body.get("max_completion_tokens", body.get("max_tokens"))
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        return "max_completion_tokens must be a positive integer"
    if "max_tokens" in body and "max_completion_tokens" in body:
        return "max_tokens and max_completion_tokens cannot both be set"
    return None
