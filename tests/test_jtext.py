"""The bottom package's rules: each fold keeps what its user needs, plates and numbers in one place,
pyopenjtalk quiet, and the layers pointing one way."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from jtext.folds import (
    name_kana_key,
    number_slot_text,
    numbers_text,
    phrase_key,
    place_name_key,
    reading_key,
    search_text,
    utterance_text,
)
from jtext.openjtalk import dictionary_kana, spoken_kana
from jtext.scripts import has_kanji, hiragana, katakana
from jtext.written_numbers import (
    canonical_phone,
    canonical_serial,
    normalize_plate,
    plate_region,
    plate_serial,
    plate_shape,
    written_serial,
)

ROOT = Path(__file__).resolve().parent.parent


def test_scripts_fold_width_and_script() -> None:
    assert katakana("さとう") == katakana("ｻﾄｳ") == "サトウ"
    assert hiragana("ハイ") == hiragana("ﾊｲ") == "はい"
    assert has_kanji("佐々木") and has_kanji("﨑") and not has_kanji("ササキ")


def test_utterance_text_keeps_the_long_mark_that_tells_hesitation_from_yes() -> None:
    assert utterance_text("ﾊｲ！ＯＫ") == "ハイ!ok"
    assert utterance_text("う〜〜ん") == "うーん" != utterance_text("うん")
    assert utterance_text("ソウデスネ", as_hiragana=True) == "そうですね"
    assert utterance_text("ｳｰﾝ", as_hiragana=True) == "うーん"


def test_phrase_key_keeps_sentence_marks_and_small_kana() -> None:
    assert phrase_key("オペレーター と 話したい。") == "おぺれたと話したい。"
    assert "っ" in phrase_key("待って")
    assert phrase_key("OK") == "ok"


def test_number_slot_text_drops_nothing() -> None:
    assert number_slot_text("ｲﾁﾆｰ-ｻﾝ ﾖﾝ") == "いちにー-さん よん"
    assert number_slot_text("") == ""


@pytest.mark.parametrize(
    ("a", "b"),
    [("サトー", "サトウ"), ("オーノ", "オオノ"), ("ミヅキ", "ミズキ"), ("サトーー", "サトウ"),
     ("スズキイチロウ", "スズキーチロー")],
)
def test_name_kana_key_folds_long_vowels_to_one_mark(a: str, b: str) -> None:
    assert name_kana_key(a) == name_kana_key(b)


def test_name_kana_key_keeps_people_apart_and_only_katakana() -> None:
    assert name_kana_key("オノ") != name_kana_key("オオノ")
    assert name_kana_key("サトウ ケンイチです") == "サトーケンイチ"


def test_reading_key_spells_long_vowels_with_the_vowel_and_keeps_every_letter() -> None:
    assert reading_key("トーキョート") == reading_key("トウキョウト") == reading_key("トオキョオト") == "トオキョオト"
    assert reading_key("クジ、カラ ジュウジ・マデ") == "クジカラジュウジマデ"
    assert reading_key("ミヅキ") == reading_key("ミズキ")
    assert reading_key("オノ") != reading_key("オオノ")


def test_search_and_numbers_text_keep_the_text_readable() -> None:
    assert search_text("ﾊﾞｰｽ ＡＢＣ") == "バース abc"
    assert numbers_text("１，２００円 ３－５ 9:00ー10:00") == "1200円 3-5 9:00-10:00"


def test_place_name_key_spells_the_ke_of_place_names_one_way_and_keeps_lengths() -> None:
    assert place_name_key("霞ヶ関") == place_name_key("霞ケ関") == place_name_key("霞が関") == "霞ケ関"
    assert place_name_key("ケーキがすき") == "ケーキがすき"  # only between kanji
    assert len(place_name_key("関ヶ原町1-2")) == len("関ヶ原町1-2")


def test_written_numbers() -> None:
    assert [canonical_serial(s) for s in ("12-34", "１２－３４", "・123", "・・12", "0123", "12345")] == [
        "1234", "1234", "123", "12", None, None
    ]
    assert canonical_phone("+81 90-1111-0001") == canonical_phone("090（1111）0001") == "09011110001"
    assert [written_serial(s) for s in ("1234", "123", "1")] == ["12-34", "・123", "・・・1"]


def test_one_plate_shape_for_files_and_transcripts() -> None:
    assert normalize_plate("品川100あ1234") == normalize_plate("品川 100 あ 12−34") == "品川 100 あ 12-34"
    assert normalize_plate("練馬130た・123") == "練馬 130 た ・123"
    assert plate_serial("品川 100 あ 12-34") == "1234" and plate_region("品川 100 あ 12-34") == "品川"
    shape = plate_shape("品川 100 あ 12-34")
    assert shape is not None and (shape.region, shape.class_number, shape.kana, shape.serial) == (
        "品川", "100", "あ", "12-34"
    )
    # Plates do use の; in speech しながわ12の34 is 12 の 34, never plate kana の with serial 34.
    assert plate_shape("品川 12 の 34") is not None
    assert plate_shape("しながわ12の34", no_is_particle=True) is None


def test_pyopenjtalk_views() -> None:
    assert spoken_kana("東京") == "トウキョウ"  # long vowels as the dictionary spells them
    assert dictionary_kana("東京") == "トーキョー"  # pyopenjtalk's own pronunciation
    assert spoken_kana("") == ""


def test_importing_pyopenjtalk_prints_nothing() -> None:
    done = subprocess.run([sys.executable, "-c", "import jtext.openjtalk"], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    assert (done.stdout, done.stderr) == ("", "")


def _imports(package: str) -> set[str]:
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
    return found


def test_layers_point_one_way() -> None:
    assert not _imports("jtext") & {"schedules", "lookup", "ivr"}
    assert "lookup" not in _imports("schedules")
