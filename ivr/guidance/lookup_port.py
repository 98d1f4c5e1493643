"""The one place that talks to the strict lookup (lookup/service.py), reduced to what the flow needs.

The model gets only the status, the one driver's name in kana when there is exactly one, and
what was heard read back in kana. Candidate lists and written names never reach the model.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class LookupView:
    status: str  # matched | confirm | ambiguous | not_found | invalid
    driver_id: int | None
    driver_name_kana: str
    digits: str  # the normalized vehicle digits that were tried ("" when none)


def _driver_fields(result: Any) -> tuple[int | None, str]:
    driver = getattr(result, "driver", None)
    if driver is None:
        return None, ""
    driver_id = getattr(driver, "driver_id", None) or getattr(driver, "id", None)
    kana = getattr(driver, "name_kana", None) or getattr(driver, "driver_kana", None) or ""
    return (int(driver_id) if driver_id is not None else None), str(kana)


async def lookup(session: AsyncSession, *, date: dt.date, vehicle_text: str, name_text: str,
                 caller_phone: str | None) -> LookupView:
    from lookup.service import lookup_driver

    result = await lookup_driver(session, date=date, vehicle_text=vehicle_text, name_text=name_text,
                                 caller_phone=caller_phone)
    status = str(getattr(result, "status", "not_found"))
    driver_id, kana = _driver_fields(result) if status in ("matched", "confirm") else (None, "")
    if status in ("matched", "confirm") and driver_id is None:
        status = "not_found"  # a result without its driver can't identify anyone
    digits = str(getattr(result, "digits", None) or getattr(result, "normalized_digits", None) or "")
    return LookupView(status=status, driver_id=driver_id, driver_name_kana=kana, digits=digits)
