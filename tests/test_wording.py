"""No sentence the bot may say is a string in ivr/'s Python code: all wording is in ivr/prompts/.

A string constant holding kana, outside a docstring, is taken for wording unless it is listed
below with the reason it is never said by the service.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

IVR = Path(__file__).resolve().parent.parent / "ivr"
KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30fa]")

ALLOWED_FILES = {
    "sim/": "the stand-ins play the remote model and the caller: their lines are the simulated model's "
            "and driver's, never the service's",
    "commands/demo.py": "the demo's simulated driver, and the labels of its printed transcript",
    "turn/": "the caller's words turn control classifies (相槌, yes and no): matched, never said",
    "guidance/person_request.py": "how a caller asks for a person: matched, never said",
    "console/": "the dispatchers' console: text on their screen (labels, messages), never said to a caller",
}
ALLOWED_KEYWORDS = {
    "description": "a tool's or argument's schema: what the model reads about a tool, never says",
    "help": "command-line help",
}
ALLOWED_CALLS = {
    "re.compile": "patterns that match the caller's words",
}


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return f"{func.value.id}.{func.attr}"
    return func.id if isinstance(func, ast.Name) else ""


def wording_in(source: str) -> list[tuple[int, str]]:
    """(line, text) of every kana string in `source` that is neither a docstring nor allowed."""
    tree = ast.parse(source)
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip.add(id(first.value))
        elif isinstance(node, ast.keyword) and node.arg in ALLOWED_KEYWORDS:
            skip.update(id(n) for n in ast.walk(node.value))
        elif isinstance(node, ast.Call) and _call_name(node) in ALLOWED_CALLS:
            skip.update(id(n) for arg in node.args for n in ast.walk(arg))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
        and KANA.search(node.value)
    ]


def test_no_sentence_the_bot_may_say_is_in_ivr_python_code() -> None:
    found = []
    for path in sorted(IVR.rglob("*.py")):
        rel = path.relative_to(IVR).as_posix()
        if any(rel.startswith(prefix) for prefix in ALLOWED_FILES):
            continue
        found += [f"ivr/{rel}:{line}: {text[:40]!r}" for line, text in wording_in(path.read_text(encoding="utf-8"))]
    assert found == [], "wording belongs in ivr/prompts/*.md:\n" + "\n".join(found)


def test_the_scan_finds_wording_and_only_lets_the_listed_kinds_through() -> None:
    source = '''
"""モジュールの説明は読まれない。"""
import re
SAY = "少々お待ちください。"
PATTERN = re.compile(r"(?:はい|ええ)")


def f(x: str = "配車係におつなぎします") -> str:
    """関数の説明も読まれない。"""
    tool = Tool(description="車番を確認します。")
    return f"{x}さんですね"
'''
    assert [text for _, text in wording_in(source)] == ["少々お待ちください。", "配車係におつなぎします", "さんですね"]
