"""The strict match: given the spoken serial's vehicles and drivers, decide who (if anyone) called.

Pure: no I/O, so every trap is tested without a database. The vehicle digits have already
matched exactly (the candidates are the rows for that serial on that date); the name decides,
best tier first:
  - the full name, exactly, of exactly one driver → matched;
  - the family name alone, exactly, or failing that a close name (`is_near`: moras dropped or
    added, not replaced) of exactly one driver → confirm: a plate number and part of a surname
    are not enough to hear a route, so the caller must still prove it (`second_factor`: the last
    four digits of the phone on file, or the full name for a driver without one) - unless the
    caller ID is that driver's phone, which is enough: matched;
  - several at the best tier → ambiguous, unless caller ID or a spoken plate region leaves one;
  - none → not_found: never a near neighbour.
Caller ID only breaks ties among drivers whose name already fits, and only makes a surname-only
or close name enough; it never makes a name fit. A spoken region (品川, しながわ) only narrows the
candidates; it never makes a name fit either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, Levenshtein

from jtext.folds import name_kana_key
from jtext.scripts import has_kanji, katakana, width
from jtext.written_numbers import plate_region
from lookup.name_key import NameKey, fold_surface, kanji_reading, schedule_name_key
from lookup.result import (
    CALLER_ID_CONFIRMED,
    CALLER_ID_TIE,
    FAMILY_NAME_ONLY,
    NAME_MISSING,
    NAME_NOT_ON_VEHICLE,
    NEAR_NAME,
    NO_NUMBER,
    NO_VEHICLE,
    SEVERAL_FIT,
    CandidateView,
    DriverInfo,
    LookupResult,
    SecondFactor,
    Status,
)
from lookup.second_factor import phone_tail

# fuzz.ratio on katakana keys. One mora inserted or dropped in a 3-mora family name scores 80-86
# (オノ/オオノ 80, サトウ/サイトウ 86): close enough to read back. One mora replaced in a 3-4 mora
# name scores 67-75 (サトウ/カトウ 67, タカハシ/タカハタ 75): another person, not_found. Tuned on
# tests/cases/lookup.csv.
CONFIRM_THRESHOLD = 80.0


def is_near(heard: str, target: str) -> bool:
    """Close enough to read back: only moras dropped or added (サトウ/サイトウ, キムラ/キタムラ, サトウケン/
    サトウケンイチ), never one replaced, and the same first mora. In a long key a replaced mora still
    scores above the threshold (サトウミサキ/カトウミサキ 83) though the family names are different people,
    and a key that lost its head (イトウ for サイトウ, ショウタ for オノ ショウタ) reads back someone else's
    name to whoever said it."""
    return (
        heard[:1] == target[:1]
        and fuzz.ratio(heard, target) >= CONFIRM_THRESHOLD
        and Levenshtein.distance(heard, target) == Indel.distance(heard, target)
    )


@dataclass(frozen=True)
class Candidate:
    """One (vehicle, driver) pair on the spoken serial in the current schedule of the day."""

    driver_id: int
    driver_name: str
    driver_kana: str
    driver_phone: str
    vehicle_id: int
    serial: str
    plate: str


@dataclass(frozen=True)
class _Scored:
    cand: Candidate
    exact: bool  # the full name or the family name
    score: float
    phone_matches: bool
    near: bool = False
    full: bool = False  # the full name


@lru_cache(maxsize=4096)
def _region_kana(region: str) -> str:
    if has_kanji(region):
        return name_kana_key(kanji_reading(region))
    return name_kana_key(katakana(region))


def region_mentioned(region: str, vehicle_text: str) -> bool:
    """Did the caller name this plate region, written (品川) or spoken (しながわ)?"""
    if not region or not vehicle_text:
        return False
    text = width(vehicle_text)
    if region in text:
        return True
    kana = _region_kana(region)
    return len(kana) >= 2 and kana in name_kana_key(katakana(text))


def heard_readings(spoken: NameKey, candidates: Sequence[Candidate]) -> frozenset[str]:
    """The name keys the caller may have said: the spoken key itself (and the one it also reads as:
    はいばら is ハイバラ or バラ after はい) and, where the transcript's (or its `also`'s)
    kanji are a candidate's written name (or family name), the schedule's reading of those kanji
    (not the dictionary's guess). The kanji are the transcriber's guess from the sound (太田 or 大田
    for オオタ), so the reading they add is heard for every candidate alike: kanji never tell two
    drivers apart that their readings don't."""
    heard = {spoken.full, *spoken.also}
    for surface in {spoken.surface, *spoken.also_surfaces} - {""}:
        for cand in candidates:
            own = schedule_name_key(cand.driver_kana, cand.driver_name)
            if own is None:
                continue
            parts = cand.driver_name.split()
            if surface == fold_surface(cand.driver_name):
                heard.add(own.full)
            elif own.family and parts and surface == fold_surface(parts[0]):
                heard.add(own.family)
    return frozenset(heard)


def _score(heard: frozenset[str], cand: Candidate, caller_phone: str | None) -> _Scored:
    own = schedule_name_key(cand.driver_kana, cand.driver_name)
    phone_ok = bool(caller_phone) and cand.driver_phone == caller_phone
    if own is None:
        return _Scored(cand, False, 0.0, phone_ok)
    targets = [k for k in (own.full, own.family) if k]
    exact = any(h == t for h in heard for t in targets)
    score = max(fuzz.ratio(h, t) for h in heard for t in targets)
    near = not exact and any(is_near(h, t) for h in heard for t in targets)
    return _Scored(cand, exact, 100.0 if exact else score, phone_ok, near, full=own.full in heard)


def _driver(c: Candidate) -> DriverInfo:
    return DriverInfo(c.driver_id, c.driver_name, c.driver_kana, c.vehicle_id, c.serial, c.plate)


def invalid(spoken: NameKey | None, reason: str) -> LookupResult:
    """The vehicle slot held no usable number: ask again, without touching the schedule."""
    return LookupResult(status="invalid", digits=None, name_key=spoken.full if spoken else None, reason=reason)


def name_missing(digits: str) -> LookupResult:
    """A usable number but no name (nothing said, or only えーと/はい): `ambiguous` with the reason
    `name_missing`, so the next step is to ask for the name. Decided without touching the schedule:
    the answer is the same whether or not anyone drives that number, and names nobody."""
    return LookupResult(status="ambiguous", digits=digits, name_key=None, reason=NAME_MISSING)


def match(
    digits: str | None,
    spoken: NameKey | None,
    candidates: Sequence[Candidate],
    *,
    caller_phone: str | None = None,
    vehicle_text: str = "",
) -> LookupResult:
    """Decide the status for `candidates` (every vehicle+driver on serial `digits` that day)."""
    if digits is None:
        return invalid(spoken, NO_NUMBER)
    if spoken is None:
        return name_missing(digits)
    heard = heard_readings(spoken, candidates)
    scored = [_score(heard, c, caller_phone) for c in candidates]
    views = tuple(
        CandidateView(
            s.cand.driver_id, s.cand.driver_name, s.cand.driver_kana, s.cand.vehicle_id,
            s.cand.plate, s.exact, round(s.score, 1), s.phone_matches, s.full,
        )
        for s in scored
    )
    pool = scored
    named = [s for s in scored if region_mentioned(plate_region(s.cand.plate), vehicle_text)]
    if named:
        pool = named

    def result(status: Status, chosen: _Scored | None = None, reason: str = "",
               factor: SecondFactor | None = None) -> LookupResult:
        return LookupResult(
            status=status,
            digits=digits,
            name_key=spoken.full if spoken else None,
            driver=_driver(chosen.cand) if chosen is not None else None,
            candidates=views,
            reason=reason,
            second_factor=factor,
        )

    if not candidates:
        return result("not_found", reason=NO_VEHICLE)
    full = [s for s in pool if s.full]
    family = [s for s in pool if s.exact and not s.full]
    close = [s for s in pool if s.near]
    tiers: tuple[tuple[list[_Scored], str], ...] = ((full, ""), (family, FAMILY_NAME_ONLY), (close, NEAR_NAME))
    for tier, weak_reason in tiers:
        # One driver may drive two vehicles on this serial (plates of two regions): still one driver.
        drivers = {s.cand.driver_id for s in tier}
        if not drivers:
            continue
        chosen, reason = tier[0], ""
        if len(drivers) > 1:
            by_phone = [s for s in tier if s.phone_matches]
            if len({s.cand.driver_id for s in by_phone}) != 1:
                return result("ambiguous", reason=SEVERAL_FIT)
            chosen, reason = by_phone[0], CALLER_ID_TIE
        if not weak_reason:
            return result("matched", chosen, reason)
        if chosen.phone_matches:  # a surname-only or close name, from the driver's own phone
            return result("matched", chosen, reason or CALLER_ID_CONFIRMED)
        factor: SecondFactor = "phone_last4" if phone_tail(chosen.cand.driver_phone) else "full_name"
        return result("confirm", chosen, weak_reason, factor)
    return result("not_found", reason=NAME_NOT_ON_VEHICLE)
