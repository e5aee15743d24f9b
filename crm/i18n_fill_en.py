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
        # A fuzzy entry holds msgmerge's guess from a similar message: never right here.
        stale = "fuzzy" in entry.flags
        if stale:
            entry.flags.remove("fuzzy")
        if entry.msgid_plural:
            if stale or not all(entry.msgstr_plural.values()):
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
                changed += 1
        elif stale or not entry.msgstr:
            entry.msgstr = entry.msgid
            changed += 1
        # msgmerge's "#| msgid" notes on a fuzzy guess are moot once the entry is filled.
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
    # The header makemessages writes is marked fuzzy until someone fills it in; this one is
    # complete by construction.
    catalogue.metadata_is_fuzzy = False
    catalogue.metadata["Language"] = "en"
    catalogue.save(str(path))
    return changed


if __name__ == "__main__":
    base = Path(__file__).resolve().parent.parent
    total = fill(base / "locale/en/LC_MESSAGES/django.po")
    print(f"[crm] en catalogue: {total} entries filled", file=sys.stderr)
