"""The console's interface text: the same keys in every language, and how a language is chosen."""
import re
from pathlib import Path

from werkzeug.datastructures import LanguageAccept

from services.console import i18n

TEMPLATES = Path(i18n.__file__).resolve().parent / "templates"


def test_every_language_has_the_same_keys_and_fields():
    english = i18n.catalog("en")
    for lang in i18n.LANGUAGES:
        text = i18n.catalog(lang)
        assert text.keys() == english.keys(), lang
        for key, value in text.items():
            assert value.strip(), (lang, key)
            assert set(re.findall(r"{(\w+)}", value)) == set(re.findall(r"{(\w+)}", english[key])), (lang, key)


def test_every_literal_key_the_templates_use_is_in_the_catalogue():
    used = {key for path in TEMPLATES.glob("*.html")
            for key in re.findall(r"""\bt\(\s*["']([a-z0-9_]+)["']\s*[,)]""", path.read_text())}
    assert used and used <= i18n.catalog("en").keys(), used - i18n.catalog("en").keys()


def test_the_switch_then_the_cookie_then_the_browser_then_english():
    spanish_browser = LanguageAccept([("es-MX", 1), ("en", 0.5)])
    assert i18n.choose("en", "es", spanish_browser) == "en"
    assert i18n.choose(None, "es", None) == "es"
    assert i18n.choose("fr", None, spanish_browser) == "es"
    assert i18n.choose(None, None, LanguageAccept([("de", 1)])) == "en"
    assert i18n.Translator("es")("today_title", site="Riverside") == "Hoy en Riverside"


def test_every_value_a_page_names_by_key_has_its_text():
    from shared import enums

    english = i18n.catalog("en")
    named = {"kind": enums.SESSION_KINDS, "modality": enums.MODALITIES, "track": enums.TRACKS,
             "attendance": enums.ATTENDANCE_STATUSES, "reason": enums.ALERT_REASONS,
             "level": enums.RISK_LEVELS, "status": ("scheduled", "cancelled"),
             "note_status": ("draft", "signed"),
             "done": ("attendance", "walk_in", "draft", "signed", "amended", "acknowledged"),
             "nav": ("today", "refer", "alerts", "outcomes")}
    missing = [f"{prefix}_{value}" for prefix, values in named.items() for value in values
               if f"{prefix}_{value}" not in english]
    assert missing == []
