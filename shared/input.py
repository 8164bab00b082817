"""The input gate: what every request body must be before a schema looks at it.

JSON only (``application/json`` or ``+json``), at most ``HTTP.max_body_bytes``, nested at most
``HTTP.max_json_depth`` deep, no duplicate keys, and every string (keys included) free of NUL,
other control characters and unpaired surrogates. Each refusal is a problem naming the field, so
a careless client learns what to fix and nothing reaches the rules or the database.
"""
from __future__ import annotations

import json
import re

from shared.problems import (BadRequest, PayloadTooLarge, UnsupportedMediaType,
                             validation_problem)

# C0 controls except tab, line feed and carriage return; DEL; C1 controls; lone surrogates.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = str.maketrans("", "", "".join(chr(c) for c in range(128) if chr(c) not in "[]{}"))


def is_json(mimetype: str | None) -> bool:
    mimetype = (mimetype or "").lower()
    return mimetype == "application/json" or (mimetype.startswith("application/")
                                               and mimetype.endswith("+json"))


def read_json_body(request, *, max_bytes: int, max_depth: int):
    """The request's JSON body, or the problem that refuses it."""
    if not is_json(request.mimetype):
        raise UnsupportedMediaType(
            f"Send the body as application/json, not {request.mimetype or 'without a content type'}.")
    if request.content_length is not None and request.content_length > max_bytes:
        raise PayloadTooLarge(f"The body is larger than {max_bytes} bytes.", max_bytes=max_bytes)
    request.max_content_length = max_bytes  # also bounds a chunked body with no length
    raw = request.get_data()
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"The body is larger than {max_bytes} bytes.", max_bytes=max_bytes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("The body is not valid UTF-8.") from None
    depth = nesting_depth(text)
    if depth > max_depth:
        raise BadRequest(f"The body nests {depth} levels deep; at most {max_depth} are accepted.")
    try:
        body = json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except DuplicateKey as exc:
        raise validation_problem({exc.key: ["Appears more than once in the same object."]},
                                 "The body repeats a key.") from None
    except ValueError as exc:
        raise BadRequest(f"The body is not valid JSON: {exc}.") from None
    errors = string_errors(body)
    if errors:
        raise validation_problem(errors, "The body holds characters that are not text.")
    return body


def nesting_depth(text: str) -> int:
    """How deep arrays and objects nest, counted without parsing (strings are skipped)."""
    depth = deepest = 0
    for char in _STRINGS.sub("", text).translate(_BRACKETS):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _refuse_duplicate_keys(pairs):
    body = {}
    for key, value in pairs:
        if key in body:
            raise DuplicateKey(key)
        body[key] = value
    return body


def string_errors(value, path: str = "") -> dict[str, list[str]]:
    """Each string (or key) holding a control character or an unpaired surrogate, by its path."""
    errors: dict[str, list[str]] = {}
    if isinstance(value, str):
        if _FORBIDDEN.search(value):
            errors[path or "_schema"] = [
                "Must not contain control characters, NUL or unpaired surrogates."]
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if _FORBIDDEN.search(key):
                errors[where] = ["A key must not contain control characters."]
            errors.update(string_errors(item, where))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            errors.update(string_errors(item, f"{path}.{index}" if path else str(index)))
    return errors
