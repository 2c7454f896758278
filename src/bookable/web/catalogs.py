"""Translation catalogs: the .po files are the source (kept in git), the .mo files are compiled from
them when the package is built or installed (setup.py runs compile_catalogs), and never committed.

This module imports nothing of bookable's, so that setup.py can load it before bookable is installed.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "messages"


def po_files(locale_dir: Path) -> list[Path]:
    return sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def compiled(po_file: Path) -> bytes:
    """The .mo bytes of one catalog (fuzzy entries left out, as msgfmt does)."""
    with po_file.open("rb") as source:
        catalog = read_po(source)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def compile_catalogs(locale_dir: Path, target_dir: Path) -> list[Path]:
    """Compile every catalog under `locale_dir` into the same layout under `target_dir`."""
    written = []
    for po_file in po_files(locale_dir):
        mo_file = target_dir / po_file.relative_to(locale_dir).with_suffix(".mo")
        mo_file.parent.mkdir(parents=True, exist_ok=True)
        mo_file.write_bytes(compiled(po_file))
        written.append(mo_file)
    return written
