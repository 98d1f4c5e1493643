"""ユーザー (admins only): the same as `ivr users add|list|disable`, in the browser."""

from __future__ import annotations

import logging

import aiohttp_jinja2
from aiohttp import web

from ivr.console.guard import admin_only, signed_in
from ivr.console.state import db
from ivr.console.users import ROLES, UserProblem, add_user, disable_user, list_users

log = logging.getLogger("ivr.console")

DONE = {"added": "ユーザーを追加しました。", "disabled": "ユーザーを無効にしました。サインイン中の画面も閉じられます。"}
ROLE_LABELS = {"dispatcher": "配車係", "admin": "管理者"}


def register(app: web.Application) -> None:
    app.router.add_get("/users", users_page, name="users")
    app.router.add_post("/users/add", add)
    app.router.add_post("/users/disable", disable)


async def _page(request: web.Request, *, error: str = "", status: int = 200, form: dict[str, str] | None = None
                ) -> web.Response:
    return aiohttp_jinja2.render_template("users.html", request, {
        "users": await list_users(db(request)),
        "roles": [(r, ROLE_LABELS[r]) for r in ROLES],
        "role_labels": ROLE_LABELS,
        "done": DONE.get(request.query.get("done", ""), ""),
        "error": error,
        "form": form or {"name": "", "role": "dispatcher"},
    }, status=status)


@admin_only
async def users_page(request: web.Request) -> web.StreamResponse:
    return await _page(request)


@admin_only
async def add(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    name, role, password = (str(form.get(k, "")) for k in ("name", "role", "password"))
    try:
        user_id = await add_user(db(request), name, role, password)
    except UserProblem as exc:
        return await _page(request, error=exc.japanese, status=400, form={"name": name, "role": role})
    log.info("console: user %d added user %d", signed_in(request).user_id, user_id)
    raise web.HTTPSeeOther("/console/users?done=added")


@admin_only
async def disable(request: web.Request) -> web.StreamResponse:
    name = str((await request.post()).get("name", ""))
    me = signed_in(request)
    if name.strip().lower() == me.name.lower():
        return await _page(request, error="自分自身は無効にできません。別の管理者に頼んでください。", status=400)
    try:
        user_id = await disable_user(db(request), name)
    except UserProblem as exc:
        return await _page(request, error=exc.japanese, status=400)
    log.info("console: user %d disabled user %d", me.user_id, user_id)
    raise web.HTTPSeeOther("/console/users?done=disabled")
