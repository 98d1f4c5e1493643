"""Every driver of both rosters is found the same way however the transcriber wrote the name.

For each driver in tests/cases/lookup_roster.csv and examples/schedule-2026-12-01.csv, the
decision (status and driver) for the full name must not depend on the space (none, between the
names, full width, anywhere between two moras), on the script (katakana, hiragana, half-width), on
how long vowels are spelled (イチロウ/イチロー, オオタ/オータ, and across the names: スズキイチロウ
said without a pause is スズキーチロー), on a polite frame (in a sentence of its own too), on saying
it twice, or on writing it in kanji; the same for
the family name alone; and the same when the file typed every driver's kana without a space. The
reference decisions are checked too: the full name finds the driver unless another driver on the
serial has the same reading, the family name (as a `confirm`, still to be proved) unless another
shares it.

The long vowels are found from the Unicode names of the letters (KATAKANA LETTER SMALL YO ends in
O), not from the vowel table under test.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import jaconv
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lookup.matcher import Candidate, match
from lookup.name_key import name_key
from schedules.file_reader import read_schedule_file
from schedules.validation import validate

ROOT = Path(__file__).resolve().parent.parent
ROSTERS = (ROOT / "tests/cases/lookup_roster.csv", ROOT / "examples/schedule-2026-12-01.csv")
Decision = tuple[str, int | None]


@dataclass(frozen=True)
class Driver:
    roster: str
    candidate: Candidate
    serial_candidates: tuple[Candidate, ...]

    @property
    def kana_parts(self) -> list[str]:
        return self.candidate.driver_kana.split()

    @property
    def kanji_parts(self) -> list[str]:
        return self.candidate.driver_name.split()

    def kana_unspaced(self) -> Driver:
        """The same roster with every driver's kana typed without a space (サトウケンイチ)."""
        def unspaced(c: Candidate) -> Candidate:
            return replace(c, driver_kana=c.driver_kana.replace(" ", ""))

        return Driver(self.roster, unspaced(self.candidate), tuple(map(unspaced, self.serial_candidates)))


def _drivers() -> list[Driver]:
    out: list[Driver] = []
    for path in ROSTERS:
        checked = validate(read_schedule_file(path))
        assert not checked.problems, checked.problems
        driver_ids: dict[tuple[str, str, str], int] = {}
        vehicle_ids: dict[tuple[str, str], int] = {}
        by_serial: dict[str, dict[tuple[int, int], Candidate]] = {}
        for stop in checked.stops:
            d = driver_ids.setdefault(stop.driver_key, len(driver_ids) + 1)
            v = vehicle_ids.setdefault(stop.vehicle_key, len(vehicle_ids) + 1)
            by_serial.setdefault(stop.serial, {})[(v, d)] = Candidate(
                d, stop.driver_name, stop.driver_kana, stop.driver_phone, v, stop.serial, stop.plate
            )
        for cands in by_serial.values():
            seen: set[int] = set()
            for c in cands.values():
                if c.driver_id not in seen:
                    seen.add(c.driver_id)
                    out.append(Driver(path.name, c, tuple(cands.values())))
    return out


DRIVERS = _drivers()


def decide(driver: Driver, said: str) -> Decision:
    r = match(driver.candidate.serial, name_key(said), driver.serial_candidates)
    return r.status, (r.driver.id if r.driver else None)


# --- spellings -------------------------------------------------------------------------------------

_LETTER = {"A": "ア", "I": "イ", "U": "ウ", "E": "エ", "O": "オ"}
# A long vowel may be written with the vowel letter: オ+ウ or オ+オ, エ+イ or エ+エ, else the same vowel.
_HOLDS = {"A": "ア", "I": "イ", "U": "ウ", "E": "イエ", "O": "ウオ"}


def _vowel(ch: str) -> str:
    name = unicodedata.name(ch, "")
    if not name.startswith("KATAKANA LETTER") or name.endswith((" N", "SMALL TU")):
        return ""
    last = name.split()[-1][-1]
    return last if last in _LETTER else ""


@st.composite
def _respelled(draw: st.DrawFn, chunk: str) -> str:
    """`chunk` with each long vowel spelled either way (ー or the vowel letter)."""
    out: list[str] = []
    vowel = ""
    for ch in chunk:
        if vowel and (ch == "ー" or ch in _HOLDS[vowel]):
            out.append(draw(st.sampled_from(["ー", *_HOLDS[vowel]])))
            continue  # the held vowel stays the previous mora's
        out.append(ch)
        vowel = _vowel(ch)
    return "".join(out)


_SCRIPTS: dict[str, Callable[[str], str]] = {
    "katakana": lambda s: s,
    "hiragana": jaconv.kata2hira,
    "half-width": lambda s: jaconv.z2h(s, kana=True, ascii=False, digit=False),
}
_FRAMES = ("{}", "{}です", "{}と申します", "ドライバーの{}です", "えーと、{}です",
           "もしもし。{}です", "お疲れ様です！{}です。", "{0}です。{0}です")


def _moras(kana: str) -> list[int]:
    """Offsets where a mora starts (not before a small kana, ッ or ー)."""
    return [i for i in range(1, len(kana)) if kana[i] not in "ァィゥェォャュョヮッー"]


@st.composite
def spelled(draw: st.DrawFn, parts: list[str]) -> str:
    """One way a transcriber may write the kana name `parts`."""
    whole = "".join(parts)
    spacing = draw(st.sampled_from(["none", "names", "full-width", "double", "anywhere"]))
    if spacing == "none" or (len(parts) == 1 and spacing != "anywhere"):
        chunks = [whole]
    elif spacing == "anywhere":
        cut = draw(st.sampled_from(_moras(whole) or [0]))
        chunks = [whole[:cut], whole[cut:]] if cut else [whole]
        assume(all(name_key(c) is not None for c in chunks))  # a lone filler (ア, エ) is dropped by design
    else:
        chunks = parts
    sep = {"full-width": "\u3000", "double": "  "}.get(spacing, " ")
    text = sep.join(draw(_respelled(c)) for c in chunks)
    text = _SCRIPTS[draw(st.sampled_from(sorted(_SCRIPTS)))](text)
    return draw(st.sampled_from(_FRAMES)).format(text)


@st.composite
def kanji(draw: st.DrawFn, parts: list[str]) -> str:
    sep = draw(st.sampled_from(["", " ", "\u3000"]))
    return draw(st.sampled_from(_FRAMES)).format(sep.join(parts))


# --- the property ----------------------------------------------------------------------------------


def _key(text: str) -> str:
    k = name_key(text)
    assert k is not None, text
    return k.full


def _expected(driver: Driver, own: str, others: list[str], *, full_name: bool = True) -> Decision:
    """The full name finds its driver; the family name alone is a `confirm` that still needs the
    second factor (issue 13): a plate and a surname are not enough to hear a route."""
    if own in others:
        return ("ambiguous", None)
    return ("matched" if full_name else "confirm", driver.candidate.driver_id)


@pytest.mark.parametrize(
    "driver", DRIVERS, ids=[f"{d.roster}:{d.candidate.serial}:{d.candidate.driver_kana}" for d in DRIVERS]
)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_spelling_of_a_name_gives_the_same_decision(driver: Driver, data: st.DataObject) -> None:
    me = driver.candidate
    others = [c for c in driver.serial_candidates if c.driver_id != me.driver_id]

    full_ref = decide(driver, me.driver_kana)
    assert full_ref == _expected(driver, _key(me.driver_kana), [_key(c.driver_kana) for c in others])
    family_ref = decide(driver, driver.kana_parts[0])
    other_families = [_key(c.driver_kana.split()[0]) for c in others] + [_key(c.driver_kana) for c in others]
    assert family_ref == _expected(driver, _key(driver.kana_parts[0]), other_families,
                                   full_name=len(driver.kana_parts) == 1)

    full = data.draw(spelled(driver.kana_parts), label="full name")
    family = data.draw(spelled(driver.kana_parts[:1]), label="family name")
    full_kanji = data.draw(kanji(driver.kanji_parts), label="kanji")
    family_kanji = data.draw(kanji(driver.kanji_parts[:1]), label="kanji family name")
    for roster in (driver, driver.kana_unspaced()):
        assert decide(roster, full) == full_ref
        assert decide(roster, family) == family_ref
        assert decide(roster, full_kanji) == full_ref
        assert decide(roster, family_kanji) == family_ref


def test_the_rosters_hold_the_traps_this_property_is_for() -> None:
    names = {d.candidate.driver_kana for d in DRIVERS}
    # A family name ending in the vowel the given name starts with (シ|イ: タカハシ イチロウ), and a
    # reading shared by two drivers on one serial (オオタ ユウキ).
    assert "タカハシ イチロウ" in names
    assert any(
        sum(c.driver_kana == d.candidate.driver_kana for c in d.serial_candidates) > 1 for d in DRIVERS
    )
    assert len(DRIVERS) > 60


@pytest.mark.parametrize("said", ["スズキイチロウ", "スズキイチロー", "すずきいちろう", "スズキ イチロウ", "ｽｽﾞｷｲﾁﾛｰ"])
def test_a_full_name_said_without_a_pause_finds_its_driver(said: str) -> None:
    suzuki = Candidate(1, "鈴木 一郎", "スズキ イチロウ", "", 1, "22", "品川 100 あ ・・22")
    other = Candidate(2, "鈴木 次郎", "スズキ ジロウ", "", 2, "22", "足立 100 い ・・22")
    r = match("22", name_key(said), [suzuki, other])
    assert (r.status, r.driver.id if r.driver else None) == ("matched", 1)
