from pathlib import Path

from babel.messages.pofile import read_po

from bookable.web.i18n import LOCALE_DIR, translations


def test_every_message_of_the_web_pages_has_its_swedish_translation():
    with (LOCALE_DIR / "sv" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source)
    untranslated = [message.id for message in catalog if message.id and (
        not message.string or (isinstance(message.string, tuple) and not all(message.string))
        or message.fuzzy)]
    assert untranslated == []


def test_the_installed_package_has_its_catalogs_compiled_from_the_po_files():
    for language in ("sv", "en"):
        compiled = Path(LOCALE_DIR) / language / "LC_MESSAGES" / "messages.mo"
        assert compiled.exists(), f"{compiled}: pip install -e . compiles it (setup.py)"
    assert translations("sv").gettext("Timetable") == "Schema"
