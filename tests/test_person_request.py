"""The in-code check that a caller asks for a person: the dictionary file, width/kana folding, negations."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.guidance.person_request import PersonRequestRules, asks_for_person, default_rules

REQUESTS = [
    "オペレーターお願いします",
    "オペレータ",
    "ｵﾍﾟﾚｰﾀｰ",  # half-width katakana
    "おぺれーたーにかわって",  # hiragana from the recognizer
    "ＯＰＥＲＡＴＯＲ please",  # full-width latin
    "人と話したいです",
    "あの、人と話をしたいんですけど",
    "担当者に代わってください",
    "配車係につないでもらえますか",
    "人間と話させて",
    "係の人いますか",
    "誰か人いませんか",
    "オペレーターに代わってもらえませんか",  # a polite request made with a negative verb
    "担当者と話せないですか",
    "オペレーターはいらない。やっぱり人と話したい",  # the second sentence asks
]
NOT_REQUESTS = [
    "人と話したいわけじゃない",
    "人と話したいんじゃないです",
    "オペレーターはいらないです",
    "オペレーター、いらないです",
    "オペレーターじゃなくて大丈夫",
    "オペレーターは結構です",
    "オペレーターと話したくない",
    "担当者に代わらなくていいです",
    "配車係から連絡がありました",  # a topic, not a request
    "いちにのさんよん、佐藤です",
    "はい",
    "",
]


@pytest.mark.parametrize("text", REQUESTS)
def test_requests_for_a_person_are_recognized(text: str) -> None:
    assert asks_for_person(text)


@pytest.mark.parametrize("text", NOT_REQUESTS)
def test_negated_or_unrelated_speech_is_not_a_request(text: str) -> None:
    assert not asks_for_person(text)


def test_spellings_fold_onto_one_phrase() -> None:
    rules = default_rules()
    found = {rules.match(t) for t in ("オペレーター", "オペレータ", "ｵﾍﾟﾚｰﾀ", "おぺれーた", "オペレーター。")}
    assert len(found) == 1 and None not in found


def test_a_supervisor_can_add_a_phrase_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.csv"
    path.write_text("phrase,kind,note\n# comment\n所長,person,\nいない,refuse_next,\n", encoding="utf-8")
    rules = PersonRequestRules.from_csv(path)
    assert asks_for_person("所長を出して", rules)
    assert not asks_for_person("所長いないよね", rules)
    assert not asks_for_person("オペレーター", rules)  # only the file's phrases count


def test_a_bad_dictionary_is_refused_with_the_row(tmp_path: Path) -> None:
    path = tmp_path / "rules.csv"
    path.write_text("phrase,kind,note\nオペレーター,persn,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="persn"):
        PersonRequestRules.from_csv(path)
    path.write_text("phrase,kind,note\nない,refuse_next,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no person phrases"):
        PersonRequestRules.from_csv(path)
