"""Secrets out of anything that may be printed: a URL's password, key-like query values.

A settings error, a connection failure or a startup line may quote a value that carries a
credential (`postgresql+asyncpg://ivr:PASSWORD@db/ivr`, an Azure endpoint with `?sig=`); what
reaches a terminal or the journal must show where the problem is without the secret itself.
"""

from __future__ import annotations

import re

MASK = "***"
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.\-]*://[^:/?#@\s]*:)[^@\s/]*(?=@)")
_SECRET_QUERY = re.compile(
    r"(?P<head>[?&;](?:password|passwd|pwd|pass|secret|token|key|api[-_]?key|sig|signature|code|access_token)=)"
    r"[^&;#\s'\"]*",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """`text` with the password of every URL in it and every key-like query value replaced by ***."""
    text = _URL_PASSWORD.sub(lambda m: m.group("head") + MASK, text)
    return _SECRET_QUERY.sub(lambda m: m.group("head") + MASK, text)
