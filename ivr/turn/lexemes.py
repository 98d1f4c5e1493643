"""The closed classes of Japanese the classifier reads words by: what each word does in a turn.

Interjections, fillers, the few acknowledgement words, sentence-final particles and the copula are
closed classes: a list of their members (with the ways they stretch: はーい, うーーん, なるほどー)
is a description of the language, not a list of whole utterances. Everything outside them (a
noun, a verb, a number, a name, an interrogative) is content. The supervisor's regional words and
exceptions are in `aizuchi.csv` (`lexicon.py`) and take precedence over these.
"""

from __future__ import annotations

import re
from enum import Enum


class Role(Enum):
    """What one word contributes to the turn."""

    YES = "yes"  # はい, ええ, うん: an acknowledgement that also answers a yes/no question
    NO = "no"  # いいえ, いや, ううん, 違う
    ACK = "ack"  # なるほど, へえ, 了解, 分かる, OK: acknowledges, answers nothing
    HESITATION = "hesitation"  # うーん, えーと, あのー: a filler while thinking
    SOU = "sou"  # そう: yes with a copula (そうです), a realization with か (そっか), no with a negation
    SELF = "self"  # 私, 本人: "it's me" answers an identity question, and is content anywhere else
    REPAIR = "repair"  # え, えっ: alone it asks to repeat; before an acknowledgement it is surprise
    LAUGH = "laugh"  # ははは, (笑), www
    COPULA = "copula"  # だ, です, っす, や, じゃ, ます, た: attaches to the word before it
    PARTICLE = "particle"  # ね, よ, な, か, わ, さ, べ, ばい, たい: attaches to the word before it
    NOMINAL = "nominal"  # the ん/の of そうなんだ, そうなの (never the interrogative なん of なんですか)
    NEGATION = "negation"  # ない, ん (ません), へん: attaches to the word before it
    QUESTION_MARK = "question_mark"  # ？: a rising tone, whatever the words
    PUNCT = "punct"
    CONTENT = "content"  # anything that carries meaning: the caller needs an answer


FUNCTION_ROLES = frozenset({Role.COPULA, Role.PARTICLE, Role.NOMINAL, Role.NEGATION})


def _lexeme(*forms: str) -> str:
    """One word's spellings, each of which may be said again and again (はいはい, ほうほうほう)."""
    return "|".join(f"(?:{f})+" for f in forms)


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


# Interjections and other words recognised by their (hiragana-folded) spelling, however Sudachi
# splits them. Each matches whole tokens only.
# ー marks stretch a word; うーん (thinking) and ううん (no) are different words, so are え/ええ/えー.
_SPELLINGS: tuple[tuple[Role, str], ...] = (
    (Role.NO, _lexeme("いいえー*っ?", "いえー*", "いや[ーっ]?", "いいや", "ううん")),
    (Role.HESITATION, _lexeme(
        "うーん(?:と|ー)?", "うーむ", "んー(?:と)?", "えー", "ええー", "えーっ?と(?:ー)?", "えっと", "ええと",
        "あー", "あの[ーう]?", "その[ーう]", "ま[あぁー]",
    )),
    (Role.YES, _lexeme(
        "は[ーぁあ]?い[ーぃ]?っ?", "え[えぇ]っ?", "うんー?っ?", "うむ",
        "あい", "うい?っす",  # a casual はい
        "その(?:とおり|通り)", "あって(?:る|ん)?", "あっとる",  # あってます, あってる, あっとる: "that's right"
    )),
    (Role.REPAIR, _lexeme("えっ?")),  # え alone asks to repeat (ええ is yes, えー a filler)
    (Role.ACK, _lexeme(
        "ああー?", "あっ?", "お[おぉー]ー?", "おっ", "おう", "へ[えぇー]ー?", "ほ[うぉー]", "ふーん", "ふむ",
        "はあ", "はぁ", "な[ー]?るほど[ー]?", "よし", "よっしゃ", "おっ?けー?", "おーけー", "おーらい",
        "りょ[うー]?か[ー]?い(?:っす)?", "あいよ", "ほい", "らじゃー?",
    )),
    (Role.SOU, _lexeme("そう", "そー", "そっ")),
    (Role.COPULA, _lexeme("[まで]ーす")),  # お願いしまーす, 了解でーす: Sudachi splits the stretch off
    (Role.LAUGH, _lexeme("[あわ]?(?:[はへふひ][っー]?){2,}", "w+", "笑い?")),
)
SPELLINGS: tuple[tuple[Role, re.Pattern[str]], ...] = tuple((role, re.compile(p)) for role, p in _SPELLINGS)

# Content words that acknowledge (or answer), by Sudachi's normalized form: any spelling of them
# (了解/りょーかい/リョーカイ, 分かる/わかる/解る).
LEMMAS: dict[str, Role] = {
    **dict.fromkeys(_words("成る程 分かる 了解 承知 畏まる 納得 確か 本当 本真 大丈夫 OK オーケー オーライ "
                           "お疲れ様 御苦労様 ほうほう 左様 然様"), Role.ACK),
    **dict.fromkeys(_words("違う 人違い 間違い 間違う"), Role.NO),
    "合う": Role.YES,  # 合ってます: "that's right"
    "そう": Role.SOU,
    "まあ": Role.HESITATION,
    "笑い": Role.LAUGH,
    **dict.fromkeys(_words("私 僕 俺 自分 本人 儂 あたし"), Role.SELF),
}

# Interjections that call for attention, thank or take leave: the caller wants the floor, or the bot's
# goodbye (thanking closes a call; it is not a listener's 相槌).
ATTENTION = _words("もしもし おい おーい おおい ねえ ねぇ こら さようなら さよなら ばいばい ごめん ほな すまん どれ "
                   "有り難う ありがと ありがとう 大きに おおきに さんきゅー")

# Function words by spelling (stretch removed), whatever part of speech Sudachi guessed for a
# dialect form (the や of そうやな comes out as a 形状詞, the じゃ of ほうじゃ as a conjunction).
COPULA_WORDS = _words("だ です っす す や じゃ で ます まし た だら やろ だろ でしょ でしょう だろう に ござい ござる "
                      "てる て いる る")
PARTICLE_WORDS = _words("ね よ な か わ さ ぞ ぜ べ べい ばい たい と ど け って けど けれど が ら のう ねん やん "
                        "かい かいな っちゃ なす なや はん や い")
NEGATION_LEMMAS = _words("ない 無い ず ぬ へん")
COPULA_LEMMAS = _words("だ です ます た や じゃ う べい てる 御座る 有る 為る 居る いる")
# A bare copula opens an utterance only in agreement (ですよね, だよね, だな, だべさ).
BARE_COPULA_PARTICLES = _words("ね よ な べ べい さ や っちゃ")
# The only function words a katakana run may hold to be read as backchannel words (ソウデスネ,
# ワカリマシタ): a loanword read as kana yields stretched or stray ones (オーダー → おー+だー).
KATAKANA_FUNCTION_WORDS = _words("です だ ね よ な か ます まし た っす の ん や じゃ")
