"""Interface text in English and Spanish: i18n/<lang>.json, the same keys in each.

The language is the ``lang`` query parameter (which the switch also keeps in a cookie), else the
cookie, else the browser's Accept-Language, else English. Text is looked up by key and formatted
with named fields (``"{count} open"``); a key missing from a language falls back to English.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("en", "es")
DEFAULT = "en"
COOKIE = "lang"
FOLDER = Path(__file__).resolve().parent / "i18n"


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict:
    return json.loads((FOLDER / f"{lang}.json").read_text(encoding="utf-8"))


def choose(query: str | None, cookie: str | None, accept_language) -> str:
    for value in (query, cookie):
        if value in LANGUAGES:
            return value
    # By the browser's preference order, on the primary subtag: "es-MX, en;q=0.5" is Spanish.
    for value, _quality in accept_language or ():
        primary = value.split("-")[0].split("_")[0].lower()
        if primary in LANGUAGES:
            return primary
    return DEFAULT


class Translator:
    def __init__(self, lang: str):
        self.lang = lang if lang in LANGUAGES else DEFAULT
        self._text = catalog(self.lang)
        self._fallback = catalog(DEFAULT)

    def has(self, key: str) -> bool:
        return key in self._fallback

    def __call__(self, key: str, **fields) -> str:
        text = self._text.get(key) or self._fallback.get(key) or key
        return text.format(**fields) if fields else text
