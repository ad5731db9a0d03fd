"""What a message body must be before a consumer reads it: UTF-8, JSON, nested no deeper than PSI's envelopes.

Anything else is refused with :class:`Rejected` (the consumer dead-letters it at once), and the refusal can never
itself fail: the nesting is checked by a linear scan before ``json.loads`` could recurse.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: The deepest nesting a message may have. A PSI envelope is four levels deep (envelope, data, lines, a line);
#: anything far deeper is not ours, and Python's json raises RecursionError somewhere past 900 levels.
MAX_JSON_NESTING = 32


class Rejected(Exception):
    """A delivery that must go to the DLQ without touching the database."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


# An escape pair (so an escaped quote is never taken for the end of a string), a quote, or a bracket: one regex
# step each, never backtracking, so the scan is linear in the size of the body whatever it holds.
_JSON_STRUCTURE = re.compile(r'\\.|["\[\]{}]', re.DOTALL)


def check_nesting(text: str, limit: int = MAX_JSON_NESTING) -> None:
    """Refuse a JSON text whose arrays and objects nest deeper than ``limit``, without parsing it.

    ``json.loads`` recurses once per level and raises ``RecursionError`` on a body nested 100,000 deep; this
    linear scan stops at the first bracket past the limit. Brackets inside strings do not count. A text that
    is not JSON at all may pass; ``json.loads`` refuses it next.
    """
    if text.count("[") + text.count("{") <= limit:
        return
    depth = 0
    in_string = False
    for match in _JSON_STRUCTURE.finditer(text):
        token = match.group()
        if token == '"':
            in_string = not in_string
        elif in_string or len(token) == 2:
            continue
        elif token in "[{":
            depth += 1
            if depth > limit:
                raise Rejected("undecodable", f"body is nested deeper than {limit} levels")
        else:
            depth -= 1


def load_body(body: bytes | str) -> Any:
    """The JSON value of a message body: UTF-8, nested at most ``MAX_JSON_NESTING`` levels, then parsed."""
    try:
        text = body if isinstance(body, str) else bytes(body).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected("undecodable", f"body is not UTF-8: {exc}") from exc
    check_nesting(text)
    try:
        return json.loads(text)
    except Exception as exc:  # noqa: BLE001 - whatever the parser raises, the body is undecodable
        raise Rejected("undecodable", f"body is not JSON: {type(exc).__name__}: {exc}") from exc
