"""The one JSON loader for request bodies, at the gateway and in every service.

Python's ``json.loads`` recurses once per nesting level, so a body of a few hundred brackets (660 bytes) is a
``RecursionError`` and a 500 with a 100 KB traceback; it also resolves a duplicate key by keeping the last value
(``"quantity": "1", "quantity": "1000"`` books a thousand), and accepts ``NaN`` and ``Infinity``, which are not
JSON. :func:`loads_strict` closes all of that before any recursion happens:

1. the bytes must be UTF-8;
2. a linear pre-scan (regular expressions and C-level iteration, no recursion, no Python loop per character)
   measures the nesting depth and refuses more than :data:`MAX_DEPTH` levels;
3. ``json.loads`` then runs on a body known to be shallow, with an ``object_pairs_hook`` that refuses a key
   given twice in one object and a ``parse_constant`` that refuses ``NaN``/``Infinity``;
4. one iterative walk over the result refuses text no database can store (NUL, a lone UTF-16 surrogate) and
   normalises every key and string to Unicode NFC, so "é" typed as one code point or as "e" plus a combining
   accent is the same name, the same code, the same key.

Syntax-level problems are ``400`` problems (:class:`MalformedBody`: ``INVALID_JSON``, ``JSON_TOO_DEEP``,
``DUPLICATE_KEY``); text that cannot be stored stays the ``422 INVALID_CHARACTER`` it always was. Schema
validation after that is the ``422 VALIDATION_FAILED`` of the schemas.

It is used by the request hook of :mod:`psi_chassis.web` (every JSON body is checked there, before routing and
the token check), by the Flask JSON provider (``request.get_json``) and by the webargs parser that flask-smorest
uses for ``@blp.arguments`` (:class:`StrictFlaskParser`, installed by :func:`install_strict_parser`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from itertools import accumulate
from typing import Any

import flask
from flask.json.provider import DefaultJSONProvider
from webargs import core
from webargs.flaskparser import FlaskParser

from psi_chassis.errors import InvalidRequest, ProblemError

#: Deeper than any PSI request needs (a document with lines is 3 levels), far below Python's recursion limit.
MAX_DEPTH = 32
# A JSON string, including one left unterminated at the end of the body (so the scan never backtracks and
# never tries the same stretch twice: each string is consumed in one left-to-right pass).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class MalformedBody(ProblemError):
    """The body is not JSON a PSI API accepts: a syntax-level problem, answered before any schema looks at it."""

    status = 400
    title = "Bad Request"
    default_code = "INVALID_JSON"


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text``, brackets inside strings not counted.

    Linear in the length of the text: strings are cut out and everything but brackets dropped by regular
    expressions, and the running depth is a C-level ``accumulate`` over the brackets that are left.
    """
    brackets = _NOT_A_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


def bad_text(value: str) -> bool:
    """NUL, or a lone UTF-16 surrogate (JSON allows "\\ud800"; UTF-8, and so no database, can store it)."""
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _refuse_constant(name: str) -> Any:
    raise MalformedBody(f"The request body is not valid JSON: {name} is not a JSON number.")


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        normal = unicodedata.normalize("NFC", key)
        if normal in result:
            raise MalformedBody(
                f"The request body gives the key {normal!r} twice in one object; give each key once.",
                code="DUPLICATE_KEY",
            )
        result[normal] = value
    return result


def _clean_text(value: str) -> str:
    if bad_text(value):
        raise InvalidRequest("Text may not contain NUL (U+0000) or unpaired surrogates.", code="INVALID_CHARACTER")
    return unicodedata.normalize("NFC", value)


def _clean_strings(document: Any) -> Any:
    """Check and NFC-normalise every key and string, walking the parsed body with a stack (no recursion)."""
    if isinstance(document, str):
        return _clean_text(document)
    pending = [document]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            for key in node:
                _clean_text(key)  # keys are already NFC (the pairs hook); only NUL and surrogates are left
            items: Any = node.items()
        elif isinstance(node, list):
            items = enumerate(node)
        else:
            continue
        for slot, value in list(items):
            if isinstance(value, str):
                node[slot] = _clean_text(value)
            elif isinstance(value, (dict, list)):
                pending.append(value)
    return document


def loads_strict(data: bytes | str) -> Any:
    """Parse a request body; raise :class:`MalformedBody` (400) or ``INVALID_CHARACTER`` (422) instead of
    anything a client could use to crash, slow down or confuse the server."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedBody(f"The request body is not valid JSON: it is not UTF-8 (byte {exc.start}).") from None
    else:
        text = data
    if nesting_depth(text) > MAX_DEPTH:
        raise MalformedBody(
            f"The request body nests arrays and objects more than {MAX_DEPTH} levels deep.", code="JSON_TOO_DEEP"
        )
    try:
        document = json.loads(text, object_pairs_hook=_object_without_duplicates, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise MalformedBody(
            f"The request body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None
    except ValueError:  # an integer of more than 4300 digits (Python's int_max_str_digits)
        raise MalformedBody("The request body is not valid JSON a server can read: a number is too long.") from None
    return _clean_strings(document)


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with :func:`loads_strict` for reading (``request.get_json``); writing unchanged."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads_strict(s)


class StrictFlaskParser(FlaskParser):
    """The webargs parser behind flask-smorest's ``@blp.arguments``, reading JSON bodies with :func:`loads_strict`.

    An empty body is "no JSON" (the schema then names the missing fields), as in webargs itself.
    """

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not req.is_json:
            return core.missing
        data = req.get_data(cache=True)
        if not data:
            return core.missing
        if "json_body" in flask.g:  # parsed already by the request hooks (psi_chassis.web)
            return flask.g.json_body
        return loads_strict(data)


def install_strict_parser() -> None:
    """Make :class:`StrictFlaskParser` the parser of every flask-smorest Blueprint decorated from now on.

    flask-smorest binds ``ARGUMENTS_PARSER`` when ``@blp.arguments`` decorates a view, so this must run before
    the API modules are imported: :mod:`psi_chassis.app` (whose ``create_service_app`` imports them) and
    :mod:`psi_chassis.api_schemas` (which every API module imports for its schemas) call it on import.
    (Bodies are checked by the request hook in any case; this parser adds the NFC normalisation to what the
    schemas load.)
    """
    from flask_smorest.arguments import ArgumentsMixin

    if not isinstance(ArgumentsMixin.ARGUMENTS_PARSER, StrictFlaskParser):
        ArgumentsMixin.ARGUMENTS_PARSER = StrictFlaskParser()
