from __future__ import annotations

import datetime as dt

import pytest

from crm.core.normalize import (
    NormalizationError,
    email_match_key,
    format_phone,
    lookup_postal_code,
    normalize_email,
    normalize_kana,
    normalize_phone,
    normalize_postal_code,
    parse_date,
    phone_search_key,
    split_name,
)


@pytest.mark.parametrize(
    "typed",
    [
        "03-1234-5678",
        "0312345678",
        "０３－１２３４－５６７８",
        "03（1234）5678",
        "03(1234)5678",
        "+81 3 1234 5678",
        "+81-3-1234-5678",
        "03‐1234‐5678",
        "03−1234−5678",
        "03ー1234ー5678",
        "03―1234―5678",
        " 03 1234 5678 ",
    ],
)
def test_phone_numbers_in_any_spelling_become_e164(typed) -> None:
    assert normalize_phone(typed) == "+81312345678"


def test_mobile_numbers_and_display_format() -> None:
    assert normalize_phone("090ー5600ー5864") == "+819056005864"
    assert format_phone("+819056005864") == "090-5600-5864"
    assert format_phone("+81312345678") == "03-1234-5678"
    assert format_phone("+14155552671").startswith("+1 415")


@pytest.mark.parametrize("bad", ["12345", "phone", "03-1234-567"])
def test_impossible_phone_numbers_are_refused_with_advice(bad) -> None:
    with pytest.raises(NormalizationError, match=bad.split("-")[0][:2]):
        normalize_phone(bad)


def test_phone_search_key_matches_all_spellings() -> None:
    assert (
        phone_search_key("+81 3-1234-5678")
        == phone_search_key("０３１２３４５６７８")
        == "0312345678"
    )


@pytest.mark.parametrize(
    "typed",
    ["1000001", "100-0001", "〒100-0001", "〒１００－０００１", "１００ー０００１", " 100‐0001 "],
)
def test_postal_codes_become_nnn_nnnn(typed) -> None:
    assert normalize_postal_code(typed) == "100-0001"


@pytest.mark.parametrize("bad", ["100-001", "abcdefg", "12345678"])
def test_bad_postal_codes_are_refused(bad) -> None:
    with pytest.raises(NormalizationError):
        normalize_postal_code(bad)


def test_postal_code_gives_prefecture_and_city_from_japan_post_data() -> None:
    found = lookup_postal_code("〒600-8216")
    assert found is not None
    assert (found.prefecture, found.city) == ("京都府", "京都市下京区")
    assert lookup_postal_code("999-9999") is None
    assert lookup_postal_code("nonsense") is None


@pytest.mark.parametrize(
    ("typed", "kana"),
    [
        ("なかむら　たろう", "ナカムラ タロウ"),
        ("ﾜﾀﾅﾍﾞ　ケンイチ", "ワタナベ ケンイチ"),
        ("ｷﾑﾗ ショウタ", "キムラ ショウタ"),
        ("まつもと  ゆみ", "マツモト ユミ"),
        ("ガッコウ", "ガッコウ"),
    ],
)
def test_kana_becomes_full_width_katakana(typed, kana) -> None:
    assert normalize_kana(typed) == kana


@pytest.mark.parametrize(
    ("typed", "parts"),
    [
        ("中村　太郎", ("中村", "太郎")),
        ("渡辺 健一", ("渡辺", "健一")),
        ("松本由美", ("松本由美", "")),
        ("  佐藤   花子 ", ("佐藤", "花子")),
    ],
)
def test_a_full_name_splits_at_the_first_space(typed, parts) -> None:
    assert split_name(typed) == parts


def test_email_is_trimmed_half_width_and_domain_lowercased() -> None:
    assert normalize_email("  ＵＳＥＲ＠ＥＸＡＭＰＬＥ．ＣＯ．ＪＰ ") == "USER@example.co.jp"
    assert normalize_email("Taro.Yamada@Example.CO.JP") == "Taro.Yamada@example.co.jp"
    assert email_match_key("USER00183@EXAMPLE2.CO.JP") == "user00183@example2.co.jp"
    assert normalize_email("") == ""


@pytest.mark.parametrize("bad", ["no-at-sign", "a@", "a@b@c"])
def test_bad_email_is_refused(bad) -> None:
    with pytest.raises(NormalizationError):
        normalize_email(bad)


@pytest.mark.parametrize(
    "typed",
    [
        "2024/1/2",
        "2024-01-02",
        "2024年1月2日",
        "20240102",
        "令和6年1月2日",
        "R6.1.2",
        "r6/1/2",
        "２０２４／０１／０２",
        "令和６年１月２日",
        "2024.1.2",
    ],
)
def test_dates_in_western_and_japanese_calendars(typed) -> None:
    assert parse_date(typed) == dt.date(2024, 1, 2)


def test_other_eras_and_the_first_year() -> None:
    assert parse_date("平成元年1月8日") == dt.date(1989, 1, 8)
    assert parse_date("H30.4.1") == dt.date(2018, 4, 1)
    assert parse_date("昭和64年1月7日") == dt.date(1989, 1, 7)
    assert parse_date("S50.12.1") == dt.date(1975, 12, 1)
    assert parse_date("R10.4.5") == dt.date(2028, 4, 5)
    assert parse_date("") is None


@pytest.mark.parametrize("bad", ["2024/2/30", "令和元年4月1日", "tomorrow", "2024/13/01"])
def test_dates_that_do_not_exist_are_refused(bad) -> None:
    with pytest.raises(NormalizationError):
        parse_date(bad)


@pytest.mark.parametrize(
    ("typed", "official"),
    [
        ("東京都", "東京都"),
        ("東京", "東京都"),
        ("京都", "京都府"),
        ("京都府", "京都府"),
        ("大阪", "大阪府"),
        ("北海道", "北海道"),
        ("神奈川", "神奈川県"),
        (" 沖縄県 ", "沖縄県"),
        ("京", ""),
        ("Tokyo", ""),
    ],
)
def test_prefectures_are_named_officially_with_or_without_suffix(typed, official) -> None:
    from crm.core.normalize import PREFECTURES, prefecture_name

    assert len(PREFECTURES) == 47
    assert prefecture_name(typed) == official
