"""From the analyser's morphemes to words with a role in the turn (`lexemes.Role`).

At each position the longest run of whole tokens that the supervisor's lexicon, then a known
spelling (はーい, うーーん, なるほどー, however Sudachi split it) names, becomes one word; a
token no spelling names gets its role from its normalized form and part of speech. A run never
starts or ends inside a token, so no word is ever found inside another (いえ in はいええ, なん in
そうなんですね).
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr.turn.lexemes import (
    ATTENTION,
    COPULA_LEMMAS,
    COPULA_WORDS,
    FUNCTION_ROLES,
    LEMMAS,
    NEGATION_LEMMAS,
    PARTICLE_WORDS,
    SPELLINGS,
    Role,
)
from ivr.turn.lexicon import Lexicon
from ivr.turn.morphology import Morpheme

MAX_RUN = 6  # tokens in one word: Sudachi splits a stretched or dialect word into a few at most


@dataclass(frozen=True)
class Word:
    role: Role
    kana: str
    attached: bool  # follows the previous word with no pause mark: a particle can belong to it
    lemma: str = ""
    surface: str = ""  # as the analyser saw it (katakana kept)
    known: bool = True  # named by the lexicon, a spelling or a lemma, not guessed from a part of speech


def read_words(morphemes: list[Morpheme], lexicon: Lexicon) -> list[Word]:
    words: list[Word] = []
    i, n = 0, len(morphemes)
    attached = False
    while i < n:
        m = morphemes[i]
        if m.kana == "ー" and m.pos == "補助記号":
            i += 1  # a stretch Sudachi split off a word (おぉ|ー): no pause, nothing said
            continue
        if _is_mark(m):
            words.append(Word(Role.QUESTION_MARK if "?" in m.kana else Role.PUNCT, m.kana, False, surface=m.surface))
            attached = False
            i += 1
            continue
        end, role = _longest_run(morphemes, i, lexicon, attached)
        kana = "".join(x.kana for x in morphemes[i:end])
        known = role is not None or m.lemma in LEMMAS
        if role is None:
            role = _token_role(m, attached, words[-1] if words else None)
        surface = "".join(x.surface for x in morphemes[i:end])
        words.append(Word(role, kana, attached, m.lemma if end == i + 1 else kana, surface, known))
        attached = True
        i = end
    return words


def _longest_run(morphemes: list[Morpheme], start: int, lexicon: Lexicon, attached: bool) -> tuple[int, Role | None]:
    """The end of the longest run of whole tokens from `start` that names a word, and its role.

    A run that opens with a particle or an auxiliary right after another word is that word's ending,
    not a word of its own: the ん+だ of そうなんだ is the explanatory のだ, not Tohoku's んだ (yes)."""
    ending = attached and morphemes[start].pos in ("助詞", "助動詞")
    stop = start
    while stop < len(morphemes) and stop - start < MAX_RUN and not _is_mark(morphemes[stop]):
        stop += 1
    for end in range(stop, start, -1):
        kana = "".join(m.kana for m in morphemes[start:end])
        role = lexicon.match(kana)
        if role is None:
            role = _spelled(kana)
        if role is not None and not (ending and role not in FUNCTION_ROLES):
            return end, role
    return start + 1, None


def _is_mark(m: Morpheme) -> bool:
    """Punctuation or a space: a pause between words (the long-vowel mark ー stretches a word instead)."""
    return m.pos in ("補助記号", "空白") and m.kana != "ー"


def _spelled(kana: str) -> Role | None:
    for role, pattern in SPELLINGS:
        if pattern.fullmatch(kana):
            return role
    return None


def _token_role(m: Morpheme, attached: bool, previous: Word | None) -> Role:
    """A token no spelling names: by its normalized form, then its part of speech."""
    bare = m.kana.rstrip("ーっ") or m.kana  # わかりましたっ: a stretched or clipped ending is the same word
    if m.pos in ("助詞", "助動詞") or (attached and bare in COPULA_WORDS | PARTICLE_WORDS):
        return _function_role(m, bare, previous)
    if m.pos == "形容詞" and m.lemma in NEGATION_LEMMAS and attached:
        return Role.NEGATION  # そうじゃない
    if m.pos == "動詞" and m.lemma in COPULA_LEMMAS and attached:
        return Role.COPULA  # the light verbs of 了解しました, ありがとうございます, そうではありません
    lemma_role = LEMMAS.get(m.lemma)
    if lemma_role is not None and m.pos != "感動詞":
        return lemma_role
    if m.pos == "代名詞" and m.kana == "なん" and attached and previous is not None:
        return Role.NOMINAL  # そうなんや: the explanatory な+ん, not the interrogative 何
    if m.pos == "感動詞":
        if m.kana in ATTENTION or m.lemma in ATTENTION:
            return Role.CONTENT
        return Role.HESITATION if m.pos_detail == "フィラー" else Role.ACK
    if m.pos == "連体詞" and m.kana in ("あの", "その"):
        return Role.HESITATION  # said alone, あの… is a filler; before a noun the noun is content anyway
    return Role.CONTENT


def _function_role(m: Morpheme, bare: str, previous: Word | None) -> Role:
    if m.lemma in NEGATION_LEMMAS and m.pos == "助動詞":
        return Role.NEGATION
    if m.pos_detail == "準体助詞" or bare == "の":
        return Role.NOMINAL
    if bare == "は" and previous is not None and previous.kana == "で":
        return Role.COPULA  # ではありません
    if m.pos_detail == "終助詞" or bare in PARTICLE_WORDS:
        return Role.PARTICLE
    if m.lemma in COPULA_LEMMAS or bare in COPULA_WORDS:
        return Role.COPULA
    return Role.CONTENT
