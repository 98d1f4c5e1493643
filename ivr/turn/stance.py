"""What an utterance does, from its words: the grammar of a backchannel and of a yes/no answer.

Words group into phrases: a head (はい, そう, なるほど, 違う, …) and the particles, copula and
negation attached to it (そう+です+ね, 違い+ます+よ, そう+じゃ+ない). A phrase's stance follows from
its head and what is attached: そう with a copula agrees (そうです), with か or the explanatory
ん it takes news in (そっか, そうなんだ), with a negation denies (そうじゃない); か followed by な
doubts (そうかな). The utterance is the sum of its phrases: any content makes it content, a yes
and a no together are content (はい、いいえ違います), a no outweighs acknowledgements, a yes
outweighs fillers and acknowledgements (あ、はい), and a rising ？ makes anything a question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from ivr.turn.lexemes import BARE_COPULA_PARTICLES, FUNCTION_ROLES, Role
from ivr.turn.reading import Word


class Stance(Enum):
    EMPTY = "empty"  # no words: noise, a cough, a lone 。
    HESITATION = "hesitation"  # only fillers: the caller is thinking
    ACKNOWLEDGE = "acknowledge"  # a 相槌 that answers nothing: なるほど, そっか, 了解, ははは
    YES = "yes"  # はい, そうです, うんうん
    SELF = "self"  # 私です, 本人です: "it's me"
    NO = "no"  # いいえ, 違います, そうじゃないです
    CONTENT = "content"  # a name, a number, a question, a request, or a yes/no with more to it


@dataclass
class _Phrase:
    head: Word | None  # None: an utterance that opens with the copula (ですよね, だな)
    attached: list[Word] = field(default_factory=list)

    def stance(self) -> Stance:
        kanas = [_unstretched(w.kana) for w in self.attached]
        negated = any(w.role is Role.NEGATION for w in self.attached)
        nominal = any(w.role is Role.NOMINAL for w in self.attached)
        asks = [i for i, w in enumerate(self.attached) if w.role is Role.PARTICLE and kanas[i].startswith("か")]
        doubts = any(i + 1 < len(kanas) and kanas[i + 1] == "な" for i in asks)
        if self.head is None:
            agrees = (self.attached[0].lemma in ("だ", "です") and len(kanas) > 1
                      and all(k in BARE_COPULA_PARTICLES for k in kanas[1:]))
            return Stance.ACKNOWLEDGE if agrees else Stance.CONTENT
        role = self.head.role
        if role is Role.SOU:
            if negated:
                return Stance.NO
            if doubts:
                return Stance.CONTENT
            return Stance.ACKNOWLEDGE if asks or nominal else Stance.YES
        if role is Role.SELF:
            return Stance.NO if negated else Stance.CONTENT if asks else Stance.SELF
        if role is Role.NO and self.head.lemma in _NO_DOUBT and negated and not (asks or doubts):
            return Stance.YES  # 間違いないです, 間違いありません: "no mistake"
        if negated or doubts:
            return Stance.CONTENT  # わからない, 違わない, なるほどかな
        if role is Role.HESITATION and kanas and kanas[0] != "です":
            return Stance.CONTENT  # えーとですね holds the floor; えー+す is a loanword read as kana (エース)
        if role is Role.NO:
            return Stance.CONTENT if asks else Stance.NO  # 違いますか asks
        if role is Role.YES and asks:
            return Stance.ACKNOWLEDGE  # んだか: like そうか, news taken in
        return _HEAD_STANCE.get(role, Stance.CONTENT)


# Nouns of error that a negation turns into certainty (間違いない); the verbs stay content when
# negated (違わない, 間違ってない could still be heading for a "but").
_NO_DOUBT = frozenset({"間違い"})

_HEAD_STANCE = {
    Role.YES: Stance.YES,
    Role.ACK: Stance.ACKNOWLEDGE,
    Role.LAUGH: Stance.ACKNOWLEDGE,
    Role.HESITATION: Stance.HESITATION,
}


def _unstretched(kana: str) -> str:
    """A particle without its stretch: なあ, なー and なぁ are な; かあ is か."""
    return kana[0] + kana[1:].lstrip("ーぁあぃぅぇえぉ") if kana else kana


def judge(words: list[Word]) -> Stance:
    phrases: list[_Phrase] = []
    repairs = 0
    for word in words:
        if word.role is Role.QUESTION_MARK:
            return Stance.CONTENT  # はい？, そうなんですか？: a rising tone asks
        if word.role is Role.PUNCT:
            continue
        if word.role in FUNCTION_ROLES:
            if word.attached and phrases:
                phrases[-1].attached.append(word)
            elif word.role is Role.COPULA:
                phrases.append(_Phrase(None, [word]))
            else:
                return Stance.CONTENT  # a particle with nothing to attach to (でも, なんですか)
            continue
        if word.role is Role.REPAIR:
            repairs += 1
            continue
        phrases.append(_Phrase(word))
    stances = {p.stance() for p in phrases}
    if not stances:
        return Stance.CONTENT if repairs else Stance.EMPTY  # え？ without the mark: a repair
    return _combine(stances)


def _combine(stances: set[Stance]) -> Stance:
    if Stance.CONTENT in stances or (Stance.NO in stances and stances & {Stance.YES, Stance.SELF}):
        return Stance.CONTENT
    for stance in (Stance.NO, Stance.SELF, Stance.YES, Stance.ACKNOWLEDGE):
        if stance in stances:
            return stance
    return Stance.HESITATION
