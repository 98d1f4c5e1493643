"""`ivr users add|list|disable` through the real command line, on both backends."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.cli import main
from ivr.cli_support import with_database
from ivr.console.models import ConsoleSession, ConsoleUser
from ivr.console.sessions import start_session
from ivr.console.users import authenticate


@pytest.fixture
def env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", db_url)
    return db_url


def _piped(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_add_list_disable(env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _piped(monkeypatch, "a long password 1\n")
    assert main(["users", "add", "sato", "--role", "dispatcher"]) == 0
    assert "added dispatcher sato" in capsys.readouterr().out
    _piped(monkeypatch, "another password 2\n")
    assert main(["users", "add", "boss", "--role", "admin"]) == 0

    async def check(sm: async_sessionmaker[AsyncSession]) -> tuple[int | None, str]:
        async with sm() as s:
            stored = await s.scalar(select(ConsoleUser.password_hash).where(ConsoleUser.name == "sato"))
        return await authenticate(sm, "SATO", "a long password 1"), stored or ""

    user_id, stored = with_database(check)
    assert user_id is not None
    assert stored.startswith("$argon2") and "a long password" not in stored

    assert main(["users", "list"]) == 0
    listing = capsys.readouterr().out
    assert "sato" in listing and "dispatcher" in listing and "boss" in listing and "admin" in listing
    assert "a long password" not in listing

    with_database(lambda sm: start_session(sm, user_id))
    assert main(["users", "disable", "sato"]) == 0
    assert "disabled sato" in capsys.readouterr().out

    async def after(sm: async_sessionmaker[AsyncSession]) -> tuple[int | None, list[str]]:
        async with sm() as s:
            sessions = list((await s.scalars(select(ConsoleSession.id))).all())
        return await authenticate(sm, "sato", "a long password 1"), sessions

    assert with_database(after) == (None, [])
    assert main(["users", "list"]) == 0
    assert "disabled" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "stdin", "message"), [
    (["users", "add", "sato", "--role", "dispatcher"], "short\n", "at least 10 characters"),
    (["users", "add", "two words", "--role", "dispatcher"], "a long password 1\n", "no spaces"),
    (["users", "disable", "nobody"], "", "no user named nobody"),
])
def test_refusals_exit_2_with_a_message(env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                        argv: list[str], stdin: str, message: str) -> None:
    _piped(monkeypatch, stdin)
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_a_taken_name_is_refused_whatever_its_case(env: str, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    _piped(monkeypatch, "a long password 1\n")
    assert main(["users", "add", "Sato", "--role", "dispatcher"]) == 0
    _piped(monkeypatch, "a long password 1\n")
    assert main(["users", "add", "sato", "--role", "admin"]) == 2
    assert "already exists" in capsys.readouterr().err


def test_unknown_role_is_a_usage_error(env: str) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["users", "add", "sato", "--role", "boss"])
    assert stop.value.code == 2
