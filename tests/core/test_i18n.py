"""The ja and en catalogues are complete for every string the code and templates mark, and
the compiled catalogues match their sources."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    "crm",
    "contacts",
    "sales",
    "marketing",
    "support",
    "analytics",
    "integrations",
    "templates",
    "manage.py",
]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Runs makemessages on a copy of the sources: the msgids the code marks today."""
    work = tmp_path_factory.mktemp("i18n")
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, work / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, work / name)
    (work / "locale").mkdir()
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "ja",
            "--no-location",
            "--ignore=node_modules",
            "-v",
            "0",
        ],
        cwd=work,
        check=True,
        env={**__import__("os").environ, "CRM_TESTING": "1"},
    )
    catalogue = polib.pofile(str(work / "locale/ja/LC_MESSAGES/django.po"))
    return {entry.msgid for entry in catalogue if entry.msgid}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_marked_string_is_translated(extracted: set[str], language: str) -> None:
    catalogue = polib.pofile(str(ROOT / f"locale/{language}/LC_MESSAGES/django.po"))
    translated = {
        e.msgid
        for e in catalogue
        if not e.obsolete
        and "fuzzy" not in e.flags
        and (e.msgstr or (e.msgid_plural and all(e.msgstr_plural.values())))
    }
    missing = sorted(extracted - translated)
    assert missing == [], f"run `make messages` and translate these in {language}"


@pytest.mark.parametrize("language", ["ja", "en"])
def test_compiled_catalogue_matches_its_source(language: str, tmp_path: Path) -> None:
    po = ROOT / f"locale/{language}/LC_MESSAGES/django.po"
    mo = ROOT / f"locale/{language}/LC_MESSAGES/django.mo"
    fresh = tmp_path / "fresh.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(po)], check=True)
    assert fresh.read_bytes() == mo.read_bytes(), "run `make messages` to recompile"


def test_the_product_speaks_japanese_by_default() -> None:
    import importlib

    shipped = importlib.import_module("crm.settings")
    assert shipped.LANGUAGE_CODE == "ja"
    assert shipped.TIME_ZONE == "Asia/Tokyo"


@pytest.mark.django_db
def test_pages_speak_japanese_by_default_and_english_on_request(member_client, settings) -> None:
    settings.LANGUAGE_CODE = "ja"  # the shipped default (the suite's own default is English)
    ja = member_client.get("/").content.decode()
    assert "ホーム" in ja
    member_client.cookies["django_language"] = "en"
    en = member_client.get("/").content.decode()
    assert ">Home<" in en and "ホーム" not in en
