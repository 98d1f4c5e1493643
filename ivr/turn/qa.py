"""`ivr qa turns`: score a turn case file (columns context,text,expected) against the classifier.

Besides the share that passes, the figures that matter on a phone line: false interrupts (a 相槌
that would cut the bot off), missed interrupts (content the bot would talk over) and false yeses
(anything but a clear yes taken as one after a yes/no question, the false-accept path of a name
read-back).
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr.turn.classifier import TurnClass, TurnClassifier, TurnContext
from lookup.qa import Case, CaseFileError, Outcome

COLUMNS = ("context", "text", "expected")
CONTEXTS = tuple(c.value for c in TurnContext)
CLASSES = {
    TurnContext.BOT_SPEAKING: (TurnClass.BACKCHANNEL, TurnClass.INTERRUPT, TurnClass.OTHER),
    TurnContext.AFTER_YES_NO_QUESTION: (TurnClass.YES, TurnClass.NO, TurnClass.OTHER, TurnClass.INTERRUPT),
}


def check_cases(path: object, cases: list[Case]) -> None:
    """Refuse the whole file (exit 2) on the first unknown context or class, naming its line."""
    for c in cases:
        context = c.row["context"]
        if context not in CONTEXTS:
            raise CaseFileError(f"{path}:{c.line}: context must be one of {', '.join(CONTEXTS)}, not {context!r}")
        allowed = [k.value for k in CLASSES[TurnContext(context)]]
        if c.row["expected"] not in allowed:
            raise CaseFileError(f"{path}:{c.line}: expected must be one of {', '.join(allowed)} in {context}, "
                            f"not {c.row['expected']!r}")


def run_cases(classifier: TurnClassifier, cases: list[Case]) -> list[Outcome]:
    out = []
    for c in cases:
        got = classifier.classify(c.row["text"], TurnContext(c.row["context"]))
        out.append(Outcome(c, {"got": got.value}, got.value == c.row["expected"]))
    return out


@dataclass(frozen=True)
class Rate:
    hits: int
    of: int

    def __str__(self) -> str:
        share = f"{100 * self.hits / self.of:.1f}%" if self.of else "-"
        return f"{self.hits}/{self.of} ({share})"


@dataclass(frozen=True)
class TurnFigures:
    false_interrupts: Rate  # backchannels over the bot that would cut it off
    missed_interrupts: Rate  # content over the bot taken for a backchannel (or for no words)
    false_yes: Rate  # after a yes/no question, anything but a yes taken as yes

    def __str__(self) -> str:
        return (f"false interrupts {self.false_interrupts}, missed interrupts {self.missed_interrupts}, "
                f"false yes {self.false_yes}")


def figures(outcomes: list[Outcome]) -> TurnFigures:
    def rate(context: TurnContext, expected: set[str], wrong: set[str]) -> Rate:
        cases = [o for o in outcomes if o.case.row["context"] == context.value and o.case.row["expected"] in expected]
        return Rate(sum(o.got["got"] in wrong for o in cases), len(cases))

    bot, after = TurnContext.BOT_SPEAKING, TurnContext.AFTER_YES_NO_QUESTION
    return TurnFigures(
        false_interrupts=rate(bot, {"backchannel"}, {"interrupt"}),
        missed_interrupts=rate(bot, {"interrupt"}, {"backchannel", "other"}),
        false_yes=rate(after, {"no", "other", "interrupt"}, {"yes"}),
    )
