"""The lookup's answer, and the two views of it: what the model may hear and what staff may see.

The model's view carries only the one driver the caller proved to be (name as kana, for the
read-back) - never candidates, ids, phones or someone else's name - so nobody learns who else
drives a number by trying names. Staff tools (`ivr lookup --json`, QA reports) see everything.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["matched", "confirm", "ambiguous", "not_found", "invalid"]
STATUSES: tuple[str, ...] = ("matched", "confirm", "ambiguous", "not_found", "invalid")

INSTRUCTIONS: dict[str, str] = {
    "matched": "本人を確認しました。この方の予定を案内してください。",
    "confirm": (
        "「{kana}さんでよろしいですか」とお名前を読み上げて確認してください。"
        "違う場合は車番とお名前を聞き直してください。"
    ),
    "ambiguous": "該当する方が一人に絞れません。フルネームか、ナンバーの地名(例: 品川)を聞いてください。",
    "not_found": "該当する予定が見つかりません。車番とお名前をもう一度、ゆっくり言ってもらってください。",
    "invalid_number": "車番が聞き取れませんでした。ナンバーの4桁までの数字を一つずつ言ってもらってください。",
    "invalid_name": "お名前が聞き取れませんでした。もう一度お名前を聞いてください。",
    "handoff": "確認できませんでした。配車担当者におつなぎすると伝えて、通話を転送してください。",
}


@dataclass(frozen=True)
class DriverInfo:
    """The one driver a lookup settled on."""

    id: int
    name: str
    name_kana: str
    vehicle_id: int
    serial: str
    plate: str


@dataclass(frozen=True)
class CandidateView:
    """A driver on the spoken serial, as staff see it: how well the name fitted."""

    driver_id: int
    driver_name: str
    driver_kana: str
    vehicle_id: int
    plate: str
    exact: bool
    score: float
    phone_matches: bool


@dataclass(frozen=True)
class LookupResult:
    """One lookup's outcome. `driver` is set only for matched/confirm; `candidates` is for staff only."""

    status: Status
    digits: str | None
    name_key: str | None
    instruction: str
    driver: DriverInfo | None = None
    candidates: tuple[CandidateView, ...] = field(default_factory=tuple)
    handoff: bool = False
    reason: str = ""

    def to_tool_output(self) -> dict[str, Any]:
        """What the model is told: status, the normalized input, the next step, and at most the
        caller's own name in kana."""
        out: dict[str, Any] = {
            "status": self.status,
            "digits": self.digits,
            "name_key": self.name_key,
            "instruction": self.instruction,
        }
        if self.handoff:
            out["handoff"] = True
        if self.driver is not None and self.status in ("matched", "confirm"):
            out["driver"] = {"name_kana": self.driver.name_kana}
        return out

    def to_staff_json(self) -> dict[str, Any]:
        """Everything, for `ivr lookup --json` and QA reports."""
        return {
            "status": self.status,
            "digits": self.digits,
            "name_key": self.name_key,
            "instruction": self.instruction,
            "handoff": self.handoff,
            "reason": self.reason,
            "driver": asdict(self.driver) if self.driver else None,
            "candidates": [asdict(c) for c in self.candidates],
        }
