"""The pure matcher: exact → matched, one close → confirm, several → ambiguous, none → not_found."""

from __future__ import annotations

import pytest

from ivr.guidance.lookup_answer import lookup_answer
from ivr.prompts.store import DEFAULT_PROMPTS
from jtext.written_numbers import plate_region
from lookup.matcher import Candidate, match, region_mentioned
from lookup.name_key import name_key

SATO = Candidate(1, "佐藤 健一", "サトウ ケンイチ", "09011110001", 10, "1234", "品川 100 あ 12-34")
SAITO = Candidate(2, "斎藤 健一", "サイトウ ケンイチ", "09011110002", 11, "1234", "足立 400 か 12-34")
OTA1 = Candidate(3, "太田 裕樹", "オオタ ユウキ", "09022220001", 12, "5678", "練馬 100 た 56-78")
OTA2 = Candidate(4, "大田 優希", "オオタ ユウキ", "09022220002", 13, "5678", "八王子 100 な 56-78")
ONO = Candidate(5, "大野 誠", "オオノ マコト", "09033330003", 14, "4444", "品川 400 ま 44-44")


def run(name: str, cands: list[Candidate], phone: str | None = None, vehicle_text: str = "") -> tuple[str, int | None]:
    r = match(cands[0].serial if cands else "1", name_key(name), cands, caller_phone=phone, vehicle_text=vehicle_text)
    return r.status, (r.driver.id if r.driver else None)


def test_exact_family_name_matches_the_one_driver() -> None:
    assert run("サトウ", [SATO, SAITO]) == ("matched", 1)
    assert run("サイトウ", [SATO, SAITO]) == ("matched", 2)


def test_one_close_name_asks_for_confirmation() -> None:
    assert run("オノ", [ONO]) == ("confirm", 5)


def test_several_exact_names_are_ambiguous() -> None:
    assert run("オオタ", [OTA1, OTA2]) == ("ambiguous", None)
    assert run("太田裕樹", [OTA1, OTA2]) == ("ambiguous", None)


def test_caller_id_breaks_a_tie_between_fitting_names() -> None:
    assert run("オオタ", [OTA1, OTA2], phone="09022220002") == ("matched", 4)


def test_caller_id_never_makes_a_name_fit() -> None:
    assert run("タナカ", [SATO, SAITO], phone="09011110001") == ("not_found", None)
    assert run("サトウ", [SATO, SAITO], phone="09011110002") == ("matched", 1)


def test_spoken_region_narrows_the_candidates() -> None:
    assert run("オオタ", [OTA1, OTA2], vehicle_text="八王子 56-78") == ("matched", 4)
    assert run("オオタ", [OTA1, OTA2], vehicle_text="ねりま ごーろくななはち") == ("matched", 3)


def test_no_candidates_or_no_fitting_name_is_not_found() -> None:
    assert run("サトウ", []) == ("not_found", None)
    assert run("ヤマダ", [SATO, SAITO]) == ("not_found", None)


def test_missing_digits_is_invalid() -> None:
    assert match(None, name_key("サトウ"), [SATO]).status == "invalid"


@pytest.mark.parametrize("name", ["", "えーと", "はい", "1234"])
def test_a_number_without_a_name_asks_for_the_name_and_names_nobody(name: str) -> None:
    r = match("1234", name_key(name), [SATO, SAITO])
    assert (r.status, r.reason, r.driver, r.candidates) == ("ambiguous", "name_missing", None, ())
    out = lookup_answer(r, PROMPTS)
    assert out["instruction"] == PROMPTS.step("ask_name")  # ask for the name, not the number
    assert not {"driver_name_kana", "candidates"} & out.keys()
    assert "サトウ" not in str(r.to_staff_json()) and "佐藤" not in str(r.to_staff_json())


def test_tool_output_never_carries_other_drivers() -> None:
    r = match("5678", name_key("オオタ"), [OTA1, OTA2])
    out = r.to_tool_output()
    assert set(out) == {"status", "heard_vehicle_number_kana"}
    assert "太田" not in str(out) and "大田" not in str(out) and "0902222" not in str(out)
    assert "オオタ" not in str(out) and "5678" not in str(out)
    assert len(r.to_staff_json()["candidates"]) == 2
    confirmed = match("4444", name_key("オノ"), [ONO]).to_tool_output()
    assert confirmed["driver_name_kana"] == "オオノ マコト"
    assert "大野" not in str(confirmed) and "heard_vehicle_number_kana" not in confirmed


def test_heard_number_is_read_back_digit_by_digit_in_kana() -> None:
    def heard(digits: str | None) -> str | None:
        return match(digits, name_key("サトウ"), []).to_tool_output().get("heard_vehicle_number_kana")

    assert heard("1235") == "イチ ニー サン ゴー"
    assert heard("0987") == "ゼロ キュウ ハチ ナナ"
    assert heard(None) is None


def test_plate_region_and_mentions() -> None:
    assert plate_region("品川 100 あ 12-34") == "品川"
    assert region_mentioned("品川", "しながわ 1234")
    assert not region_mentioned("品川", "1234")


PROMPTS = DEFAULT_PROMPTS.snapshot()
