"""Multi-line notes (Alt+Enter in Excel, CR LF, CR, U+2028) never put one driver's note in another's ear.

Issue 13, finding 3: a multi-line note kept its line breaks in the text but not in its reading, so
the destination document's text lines and reading lines went out of step, and driver 1 asking about
parking heard driver 3's 「タナカサマアテ セイミツキキ」. These tests load real schedule files (an
.xlsx written with openpyxl, CSVs with each line break) through the real loader and indexer, on
both databases, and ask through the real conversation.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from guidance_support import DAY
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.config import GuidanceConfig
from ivr.conversation import CallContext
from ivr.guidance.conversation import GuidanceConversation
from ivr.guidance.deps import GuidanceDeps
from ivr.guidance.tools.search_destination_info import relevant_notes
from ivr.prompts.store import PromptStore
from ivr.settings import load_settings
from ivr.sim.azure_search_standin import start_standin
from schedules.loader import load_schedule
from schedules.models import Stop
from schedules.note_lines import LINE_BREAKS, note_lines, note_reading, paired_lines
from schedules.readings import reading
from schedules.search.azure import AzureDestinationSearch
from schedules.search.base import DestinationDoc, DestinationSearch, SearchHit
from schedules.search.documents import documents_for_stops
from schedules.search.embedded import EmbeddedSearch
from schedules.search.indexing import embedded_on_loaded, index_after_commit

HEADER = ["date", "vehicle_number", "plate", "driver_name", "driver_kana", "driver_phone", "stop_seq",
          "destination_name", "destination_address", "window_start", "window_end", "cargo", "notes"]
PLACE = ["有明物流センター", "東京都江東区有明3丁目5番7号"]
SATO = ["2026-12-01", "12-34", "品川 100 あ 12-34", "佐藤 健一", "サトウ ケンイチ", ""]
OTA = ["2026-12-01", "56-78", "品川 100 い 56-78", "太田 裕樹", "オオタ ユウキ", ""]
SUZUKI = ["2026-12-01", "90-12", "練馬 100 え 90-12", "鈴木 一郎", "スズキ イチロウ", ""]
SECRET = "田中様宛 精密機器"
SECRET_KANA = "タナカサマアテ セイミツキキ"


def leak_rows(br: str) -> list[list[str]]:
    """The reported leak: a multi-line note on an earlier stop at the destination, driver 1's
    parking note after it (his next stop), driver 3's private note last."""
    return [
        [*OTA, "1", *PLACE, "09:00", "10:00", "現金集金", f"到着したら電話{br}守衛所で受付"],
        [*SATO, "2", *PLACE, "10:00", "11:00", "パレット2枚", "駐車場は北側です"],
        [*SUZUKI, "3", *PLACE, "11:00", "12:00", "書類", SECRET],
    ]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([HEADER, *rows])
    return path


def write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [HEADER, *rows]:
        sheet.append(row)
    book.save(path)
    return path


async def load(sessionmaker: async_sessionmaker[AsyncSession], path: Path) -> None:
    report = await load_schedule(sessionmaker, path, on_loaded=embedded_on_loaded("default"))
    assert report.ok, [str(e) for e in report.errors]


def deps_for(sessionmaker: async_sessionmaker[AsyncSession], search: DestinationSearch | None = None) -> GuidanceDeps:
    return GuidanceDeps.build(GuidanceConfig.from_settings(load_settings()), sessionmaker, today=lambda: DAY,
                              prompts=PromptStore(), search=search or EmbeddedSearch(sessionmaker))


async def heard(deps: GuidanceDeps, sid: str, vehicle: str, name: str, question: str) -> list[str]:
    conv = await GuidanceConversation.start(CallContext(call_sid=sid), deps)
    args = json.dumps({"vehicle_number": vehicle, "driver_name": name}, ensure_ascii=False)
    assert (await conv.run_tool("lookup_driver", args)).output["status"] == "matched"
    out = (await conv.run_tool("search_destination_info", json.dumps({"question": question},
                                                                      ensure_ascii=False))).output
    await conv.finish()
    return [line for a in out.get("answers", []) for line in a["notes_kana"]]


BREAKS = {"alt_enter": "\n", "crlf": "\r\n", "cr": "\r", "u2028": "\u2028"}


@pytest.mark.parametrize("br", list(BREAKS.values()), ids=list(BREAKS))
async def test_driver_1_asking_about_parking_never_hears_driver_3s_note(
        sessionmaker, tmp_path: Path, br: str) -> None:
    await load(sessionmaker, write_csv(tmp_path / "day.csv", leak_rows(br)))
    lines = await heard(deps_for(sessionmaker), "CAleak1", "1234", "佐藤 健一", "駐車場はどこですか")
    assert SECRET_KANA not in lines and reading(SECRET) not in lines
    assert lines == [reading("駐車場は北側です")]  # and the driver's own note is still answered


async def test_the_same_through_azure_ai_search(sessionmaker, tmp_path: Path) -> None:
    """The documents round-trip through the Azure SDK and the REST stand-in with their lines intact."""
    await load(sessionmaker, write_xlsx(tmp_path / "day.xlsx", leak_rows("\n")))
    azure, runner, url = await start_standin()
    try:
        search = AzureDestinationSearch(url, "standin-key", "destinations")
        await index_after_commit(search, sessionmaker, "default", DAY)
        deps = deps_for(sessionmaker, search)
        assert await heard(deps, "CAaz1", "1234", "佐藤 健一", "駐車場はどこですか") == [reading("駐車場は北側です")]
        assert reading(SECRET) in await heard(deps, "CAaz2", "9012", "鈴木 一郎", "精密機器は誰宛ですか")
        assert any(r[1].endswith("/docs/search.post.search") for r in azure.requests)
    finally:
        await runner.cleanup()


async def test_an_excel_note_with_alt_enter_keeps_each_line_with_its_own_reading(
        sessionmaker, tmp_path: Path) -> None:
    await load(sessionmaker, write_xlsx(tmp_path / "day.xlsx", leak_rows("\n")))
    deps = deps_for(sessionmaker)
    assert await heard(deps, "CAxl1", "1234", "佐藤 健一", "駐車場はどこですか") == [reading("駐車場は北側です")]
    # 太田's own two-line note: each line answers with its own reading, never a neighbour's.
    ota = await heard(deps, "CAxl2", "5678", "太田 裕樹", "守衛所で受付ですか")
    assert ota[0] == reading("守衛所で受付") and SECRET_KANA not in ota
    # 鈴木 hears the note written on his own stop.
    assert reading(SECRET) in await heard(deps, "CAxl3", "9012", "鈴木 一郎", "精密機器は誰宛ですか")
    async with sessionmaker() as session:
        stored = (await session.execute(select(Stop.notes, Stop.notes_kana).where(Stop.notes.like("到着%")))).one()
    assert note_lines(stored.notes) == ["到着したら電話", "守衛所で受付"]
    assert stored.notes_kana.split("\n") == [reading("到着したら電話"), reading("守衛所で受付")]


async def test_a_multi_line_note_shared_by_two_drivers_is_heard_line_by_line(sessionmaker, tmp_path: Path) -> None:
    """The allow-filter works on lines: a line written on two drivers' stops is the place's own
    knowledge, whatever other lines shared its cell."""
    rows = [
        [*SATO, "1", *PLACE, "10:00", "11:00", "パレット2枚", "駐車場は北側です\r\n田中様宛 精密機器"],
        [*OTA, "1", *PLACE, "09:00", "10:00", "現金集金", "駐車場は北側です"],
        [*SUZUKI, "1", *PLACE, "11:00", "12:00", "書類", "受付は2階\u2028駐車場は北側です"],
    ]
    await load(sessionmaker, write_csv(tmp_path / "shared.csv", rows))
    deps = deps_for(sessionmaker)
    assert await heard(deps, "CAsh1", "5678", "太田 裕樹", "駐車場はどこですか") == [reading("駐車場は北側です")]
    suzuki = await heard(deps, "CAsh2", "9012", "鈴木 一郎", "精密機器の宛先は")
    assert reading(SECRET) not in suzuki and SECRET_KANA not in suzuki
    sato = await heard(deps, "CAsh3", "1234", "佐藤 健一", "精密機器の宛先は")
    assert reading(SECRET) in sato


# ----- the line rule and the pairing, without a database ---------------------------------------

def stop(seq: int, notes: str, kana: str) -> Stop:
    return Stop(id=seq, stop_seq=seq, destination_name="A", destination_name_kana="エー",
                destination_address="東京都", destination_address_kana="トウキョウト",
                notes=notes, notes_kana=kana, cargo="", cargo_kana="")


def doc_for(*stops: Stop) -> DestinationDoc:
    (doc,) = documents_for_stops("default", dt.date(2026, 12, 1), list(stops))
    return doc


@pytest.mark.parametrize("br", ["\n", "\r\n", "\r", "\u2028", "\u2029", "\x0b", "\x0c", "\x85", "\x1c"])
def test_every_line_break_splits_a_note_the_same_way(br: str) -> None:
    assert note_lines(f" 到着したら電話 {br}{br} 守衛所で受付{br}") == ["到着したら電話", "守衛所で受付"]
    assert set(br) <= LINE_BREAKS


def test_a_note_reading_has_one_line_per_text_line() -> None:
    kana = note_reading("到着したら電話\r\n守衛所で受付", lambda line: reading(line))
    assert kana.split("\n") == [reading("到着したら電話"), reading("守衛所で受付")]
    assert paired_lines("到着したら電話\r\n守衛所で受付", kana) == [
        ("到着したら電話", reading("到着したら電話")), ("守衛所で受付", reading("守衛所で受付"))]


def test_a_note_whose_reading_lost_its_lines_gives_nothing() -> None:
    """A reading stored before the fix (one line for a two-line note) can't be paired: the note
    is left out of the document, and the notes after it keep their own readings."""
    doc = doc_for(stop(1, "到着したら電話\n守衛所で受付", "トウチャクシタラデンワ シュエイジョデウケツケ"),
                  stop(2, "駐車場は北側です", "チュウシャジョウワキタガワデス"),
                  stop(3, SECRET, SECRET_KANA))
    assert doc.notes.split("\n") == ["駐車場は北側です", SECRET]
    assert doc.notes_kana.split("\n") == ["チュウシャジョウワキタガワデス", SECRET_KANA]
    assert paired_lines("到着したら電話\n守衛所で受付", "トウチャクシタラデンワ シュエイジョデウケツケ") is None


def test_a_document_whose_lines_do_not_pair_answers_nothing() -> None:
    """A document indexed before the fix (Azure keeps it until the next load): text and reading
    lines that don't pair give no answer at all, never a shifted one."""
    doc = DestinationDoc(
        depot_id="default", date=DAY, destination_key="k", name="有明", name_kana="アリアケ", address="",
        address_kana="", notes="到着したら電話\n守衛所で受付\n駐車場は北側です\n" + SECRET,
        notes_kana="トウチャクシタラデンワ シュエイジョデウケツケ\nチュウシャジョウワキタガワデス\n" + SECRET_KANA,
        cargo_notes="", cargo_kana="")
    assert relevant_notes("駐車場はどこですか", SearchHit(doc, 1.0), {"駐車場は北側です"}) == []
    assert relevant_notes("駐車場はどこですか", SearchHit(doc, 1.0)) == []


_CHARS = "駐車場北側受付守衛所田中様宛精密機器はでにをアイウ 　"
_LINE = st.text(alphabet=st.sampled_from(_CHARS), min_size=0, max_size=8)


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(st.tuples(_LINE, st.sampled_from(sorted(LINE_BREAKS))), min_size=1, max_size=5))
def test_any_note_pairs_each_of_its_lines_with_that_lines_reading(lines: list[tuple[str, str]]) -> None:
    text = "".join(line + br for line, br in lines)
    kana = note_reading(text, lambda line: f"<{line}>")
    pairs = paired_lines(text, kana)
    assert pairs is not None
    assert [k for _, k in pairs] == [" ".join(f"<{t}>".split()) for t, _ in pairs]
    assert [t for t, _ in pairs] == note_lines(text)


def _allowed_lines_of(doc: DestinationDoc, question: str, allowed: set[str]) -> list[Any]:
    return relevant_notes(question, SearchHit(doc, 1.0), allowed)


@settings(max_examples=100, deadline=None)
@given(before=st.lists(st.sampled_from(sorted(LINE_BREAKS)), min_size=0, max_size=3))
def test_whatever_multi_line_notes_come_first_the_allowed_line_reads_its_own_reading(before: list[str]) -> None:
    """Notes of other stops with any line breaks before driver 1's: the parking line still reads
    as itself, and the private line is never what driver 1 hears."""
    stops = [stop(i + 1, f"到着したら電話{br}守衛所{i}で受付", note_reading(f"到着したら電話{br}守衛所{i}で受付",
                                                                   lambda s: f"<{s}>"))
             for i, br in enumerate(before)]
    n = len(stops)
    stops += [stop(n + 1, "駐車場は北側です", "<駐車場は北側です>"), stop(n + 2, SECRET, SECRET_KANA)]
    doc = doc_for(*stops)
    assert _allowed_lines_of(doc, "駐車場はどこですか", {"駐車場は北側です"}) == ["<駐車場は北側です>"]
