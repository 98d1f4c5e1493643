"""The tools the model may call, one small module each."""

from __future__ import annotations

from ivr.guidance.tools import (
    end_call,
    get_next_stop,
    get_schedule,
    lookup_driver,
    search_destination_info,
    transfer_to_dispatcher,
    verify_driver,
)
from ivr.guidance.tools.base import Tool

TOOLS: dict[str, Tool] = {
    t.name: t
    for t in (
        lookup_driver.TOOL,
        verify_driver.TOOL,
        get_next_stop.TOOL,
        get_schedule.TOOL,
        search_destination_info.TOOL,
        transfer_to_dispatcher.TOOL,
        end_call.TOOL,
    )
}
