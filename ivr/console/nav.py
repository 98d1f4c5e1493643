"""The pages in the console's navigation bar, in order: (path, label, admins only)."""

from __future__ import annotations

NAV: tuple[tuple[str, str, bool], ...] = (
    ("/console/schedules", "予定の取り込み", False),
    ("/console/readings", "読み上げ確認", False),
    ("/console/calls", "通話", False),
    ("/console/dashboard", "ダッシュボード", False),
    ("/console/users", "ユーザー", True),
)
