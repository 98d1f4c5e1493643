"""The turn classifier on its own: words, not sockets. The corpus is run by test_turn_corpus.py;
these name the rules the corpus leans on, one by one."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.turn.classifier import TurnClass, TurnClassifier, TurnContext, default_classifier
from ivr.turn.lexicon import Lexicon
from ivr.turn.morphology import default_analyser
from ivr.turn.stance import Stance
from jtext.folds import utterance_text

BOT = TurnContext.BOT_SPEAKING
YES_NO = TurnContext.AFTER_YES_NO_QUESTION


@pytest.fixture(scope="module")
def clf() -> TurnClassifier:
    return default_classifier()


def test_one_analyser_and_one_classifier_per_process() -> None:
    assert default_classifier() is default_classifier()
    assert default_analyser() is default_analyser()


def test_fold_keeps_the_long_vowel_mark_that_tells_words_apart() -> None:
    assert utterance_text("ﾊｲ！ＯＫ") == "ハイ!ok"


@pytest.mark.parametrize("text", ["はいええ", "はい、ええ", "ええ、はい", "はいはい、ええ"])
def test_a_word_is_never_found_inside_another(clf: TurnClassifier, text: str) -> None:
    """いえ (no) sits inside はいええ; only whole words count, so two 相槌 in a row stay a 相槌."""
    assert clf.classify(text, BOT) is TurnClass.BACKCHANNEL
    assert clf.classify(text, YES_NO) is TurnClass.YES


@pytest.mark.parametrize("text", ["そうなんですね", "そうなんだ", "そうなんや", "ほうなん"])
def test_the_explanatory_nan_is_not_the_question_word(clf: TurnClassifier, text: str) -> None:
    assert clf.classify(text, BOT) is TurnClass.BACKCHANNEL


@pytest.mark.parametrize("text", ["なんですか", "なんで？", "なに", "何時", "どこ", "誰ですか"])
def test_interrogatives_as_whole_words_are_questions(clf: TurnClassifier, text: str) -> None:
    assert clf.classify(text, BOT) is TurnClass.INTERRUPT


@pytest.mark.parametrize(("text", "stance"), [
    ("うん", Stance.YES), ("うーん", Stance.HESITATION), ("ううん", Stance.NO),
    ("ええ", Stance.YES), ("えー", Stance.HESITATION), ("え", Stance.CONTENT),
    ("はーい", Stance.YES), ("う〜ん", Stance.HESITATION), ("ウーン", Stance.HESITATION),
])
def test_stretched_words_are_the_words_the_language_has(clf: TurnClassifier, text: str, stance: Stance) -> None:
    """うーん is not うん stretched: folding one onto the other made hesitation pass as a yes."""
    assert clf.stance(text) is stance


@pytest.mark.parametrize("text", ["うーん", "えーと", "あー", "えー", "あのー", "んー"])
def test_hesitation_is_a_backchannel_over_the_bot_and_no_answer_after_a_question(clf: TurnClassifier,
                                                                                 text: str) -> None:
    assert clf.classify(text, BOT) is TurnClass.BACKCHANNEL
    assert clf.classify(text, YES_NO) is TurnClass.OTHER


@pytest.mark.parametrize(("text", "stance"), [
    ("そうです", Stance.YES), ("そうだよ", Stance.YES), ("そっか", Stance.ACKNOWLEDGE),
    ("そうですか", Stance.ACKNOWLEDGE), ("そうなんですね", Stance.ACKNOWLEDGE), ("そうじゃないです", Stance.NO),
    ("そうかな", Stance.CONTENT), ("そうですか？", Stance.CONTENT),
])
def test_sou_reads_by_what_is_attached_to_it(clf: TurnClassifier, text: str, stance: Stance) -> None:
    assert clf.stance(text) is stance


@pytest.mark.parametrize("text", ["はい、でも時間が違います", "はい、スズキです", "いいえ、鈴木です",
                                  "はい、いいえ違います",
                                  "はい、そうです、1234の", "そっか、じゃあ住所は"])
def test_a_yes_or_no_with_more_to_it_is_not_a_plain_answer(clf: TurnClassifier, text: str) -> None:
    assert clf.classify(text, YES_NO) is TurnClass.INTERRUPT
    assert clf.classify(text, BOT) is TurnClass.INTERRUPT


@pytest.mark.parametrize(("text", "expected"), [
    ("はい", TurnClass.YES), ("はい、そうです", TurnClass.YES), ("うんうん", TurnClass.YES),
    ("はい、本人です", TurnClass.YES), ("いいえ", TurnClass.NO), ("違います", TurnClass.NO),
    ("私じゃないです", TurnClass.NO), ("なるほど", TurnClass.OTHER), ("", TurnClass.OTHER),
])
def test_after_a_yes_no_question_only_a_clear_answer_is_one(clf: TurnClassifier, text: str,
                                                           expected: TurnClass) -> None:
    assert clf.classify(text, YES_NO) is expected


def test_its_me_answers_an_identity_question_but_is_content_over_the_bot(clf: TurnClassifier) -> None:
    assert clf.classify("私です", YES_NO) is TurnClass.YES
    assert clf.classify("私です", BOT) is TurnClass.INTERRUPT


@pytest.mark.parametrize("text", ["はい？", "ええ？", "うん？", "はい！？", "なるほど?"])
def test_a_rising_mark_makes_any_backchannel_a_question(clf: TurnClassifier, text: str) -> None:
    assert clf.classify(text, BOT) is TurnClass.INTERRUPT


@pytest.mark.parametrize("text", ["ソウデスネ", "ワカリマシタ", "ﾅﾙﾎﾄﾞ", "ハイハイ", "ｿｯｶ"])
def test_backchannels_written_in_katakana_are_backchannels(clf: TurnClassifier, text: str) -> None:
    assert clf.classify(text, BOT) is TurnClass.BACKCHANNEL


@pytest.mark.parametrize("text", ["ハイエース", "オーダー", "ホーム", "ハイヤー", "アーム", "スズキ", "オーナー"])
def test_katakana_loanwords_and_names_stay_content(clf: TurnClassifier, text: str) -> None:
    """Read as hiragana, ハイエース would be はい+えー+す: only a run that then says nothing but
    known backchannel words with plain particles is taken as a transcriber's spelling."""
    assert clf.classify(text, BOT) is TurnClass.INTERRUPT


@pytest.mark.parametrize("text", ["ありがとうございます", "はい、どうも", "おおきに", "ありがとね"])
def test_thanking_is_a_closing_move_that_the_bot_answers(clf: TurnClassifier, text: str) -> None:
    """Not a listener's 相槌: a caller who thanks the bot wants its goodbye."""
    assert clf.classify(text, BOT) is TurnClass.INTERRUPT


@pytest.mark.parametrize("text", ["ははは", "(笑)", "ｗｗｗ", "はい（笑）", "へへ、そうっすね"])
def test_laughter_is_a_backchannel(clf: TurnClassifier, text: str) -> None:
    assert clf.classify(text, BOT) is TurnClass.BACKCHANNEL


def test_the_supervisors_lexicon_overrides_on_whole_words(tmp_path: Path) -> None:
    csv = tmp_path / "aizuchi.csv"
    csv.write_text("phrase,kind,note\n# a depot's own words\nほいさ,backchannel,\nはい,interrupt,test only\n"
                   "おっしゃ,yes,\n", encoding="utf-8")
    clf = TurnClassifier(lexicon=Lexicon.from_csv(csv))
    assert clf.classify("ほいさ", BOT) is TurnClass.BACKCHANNEL
    assert clf.classify("ほいさほいさ", BOT) is TurnClass.BACKCHANNEL  # repeated
    assert clf.classify("おっしゃー", YES_NO) is TurnClass.YES  # stretched at the end
    assert clf.classify("はい", BOT) is TurnClass.INTERRUPT  # the override wins over the language
    assert clf.classify("はいええ", BOT) is TurnClass.INTERRUPT
    assert clf.classify("ええ", BOT) is TurnClass.BACKCHANNEL  # a phrase never matches inside a word


def test_the_shipped_lexicon_holds_regional_words(clf: TurnClassifier) -> None:
    for text in ("せやな", "んだんだ", "じゃっど", "ほうじゃね"):
        assert clf.classify(text, BOT) is TurnClass.BACKCHANNEL, text
    assert clf.classify("せやけど", BOT) is TurnClass.INTERRUPT


@pytest.mark.parametrize(("content", "error"), [
    ("phrase,kind\nはい,maybe\n", "unknown kind 'maybe'"),
    ("word,class\nはい,yes\n", "expected the columns kind,phrase"),
    ("phrase,kind\nはい,yes\nはい,no\n", "listed under two kinds"),
])
def test_a_broken_lexicon_file_is_refused_with_its_reason(tmp_path: Path, content: str, error: str) -> None:
    csv = tmp_path / "aizuchi.csv"
    csv.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=error):
        Lexicon.from_csv(csv)
