"""The dispatch desk's opening hours: a weekly timetable, Japan's public holidays, and closed dates.

Pure logic with an injected clock, apart from reading the closed-desk lines. The transfer path
calls `transfer_decision(desk)` (desk = `DeskHours.from_config(DeskConfig.from_settings(settings))`,
built once per process): dial, or say the closed line (ivr/prompts/opening_hours.md) and flag the
call. See docs/after-call.md.

The modules: `timetable` (DISPATCH_HOURS), `closures` (DISPATCH_CLOSED_DATES), `desk` (open or
closed at a moment), `speech` (the closed line), `transfer` (`transfer_decision`).
"""
