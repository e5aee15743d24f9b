"""English is the source language: its catalogue maps each message to itself, so `en` is a
complete catalogue and a missing English translation can be told apart from a bug."""

from __future__ import annotations

import sys
from pathlib import Path

import polib


def fill(path: Path) -> int:
    catalogue = polib.pofile(str(path))
    changed = 0
    for entry in catalogue:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            if not all(entry.msgstr_plural.values()):
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
                changed += 1
        elif not entry.msgstr:
            entry.msgstr = entry.msgid
            changed += 1
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.msgstr = entry.msgid
            changed += 1
    catalogue.save(str(path))
    return changed


if __name__ == "__main__":
    base = Path(__file__).resolve().parent.parent
    total = fill(base / "locale/en/LC_MESSAGES/django.po")
    print(f"[crm] en catalogue: {total} entries filled", file=sys.stderr)
