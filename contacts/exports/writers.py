"""The three file formats, written chunk by chunk onto a binary file.

Columns come from the API serializer's field list (contacts.api.serializers), so the file,
the JSON Lines and the API can never disagree on what a contact is:

- JSON Lines: one API representation per line, keys and values exactly as the API sends
  them, raw (no formula guard: a program reads it, not a spreadsheet).
- CSV and .xlsx: the same fields flattened to one text cell each, headed by the API field
  names; `company` becomes the company's name plus `company_id`, `owner` the owner's user
  id plus `owner_name`, and `custom_fields` one column per definition headed by its key,
  after the built-in fields.
  The import's header matcher maps these names back (export → import round-trips).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from typing import IO, Any, Protocol

from rest_framework.utils.encoders import JSONEncoder

from crm.core.models import CustomFieldDefinition

# Leading characters a spreadsheet reads as the start of a formula (or that hide one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Characters Unicode has in two places, where CP932 (Windows' Shift_JIS) has the other one:
# text typed on a Mac or pasted from the web would otherwise come out as '?'.
CP932_FIXES = str.maketrans(
    {
        "\u301c": "\uff5e",  # 〜 WAVE DASH -> ～ FULLWIDTH TILDE
        "\u2016": "\u2225",  # ‖ DOUBLE VERTICAL LINE -> ∥ PARALLEL TO
        "\u2212": "\uff0d",  # − MINUS SIGN -> － FULLWIDTH HYPHEN-MINUS
        "\u00a2": "\uffe0",  # ¢
        "\u00a3": "\uffe1",  # £
        "\u00ac": "\uffe2",  # ¬
        "\u2014": "\u2015",  # — EM DASH -> ― HORIZONTAL BAR
        "\u00a0": " ",  # no-break space
    }
)
# Control characters other than tab, newline and carriage return are not allowed in a sheet
# cell (XlsxWriter would write them as _xHHHH_ escapes Excel shows literally): dropped.
XLSX_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")


def guard(text: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell_text(value: Any) -> str:
    """One API value as the text of a cell (before the guard)."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, list):
        return ", ".join(cell_text(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def header(api_fields: Sequence[str], definitions: Sequence[CustomFieldDefinition]) -> list[str]:
    names: list[str] = []
    for name in api_fields:
        if name == "company":
            names += ["company", "company_id"]
        elif name == "owner":
            names += ["owner", "owner_name"]
        elif name != "custom_fields":
            names.append(name)
    # One column per custom field, after the built-in fields, in the definitions' order.
    if "custom_fields" in api_fields:
        names += [d.key for d in definitions]
    return names


def flat_row(
    api_fields: Sequence[str],
    definitions: Sequence[CustomFieldDefinition],
    data: dict[str, Any],
    owner_name: str,
) -> list[str]:
    cells: list[str] = []
    for name in api_fields:
        value = data.get(name)
        if name == "company":
            cells += [cell_text(value["name"]), cell_text(value["id"])] if value else ["", ""]
        elif name == "owner":
            cells += [cell_text(value), owner_name]
        elif name != "custom_fields":
            cells.append(cell_text(value))
    if "custom_fields" in api_fields:
        values = data.get("custom_fields") or {}
        cells += [cell_text(values.get(d.key)) for d in definitions]
    return [guard(cell) for cell in cells]


class Writer(Protocol):
    replaced_cells: int

    def write_header(self, names: list[str]) -> None: ...

    def write_rows(self, rows: Iterable[list[str]]) -> None: ...

    def write_records(self, records: Iterable[dict[str, Any]]) -> None: ...

    def close(self) -> None: ...


class CsvWriter:
    """RFC 4180 CSV, CRLF line ends. UTF-8 starts with a BOM (so Excel reads it as UTF-8);
    CP932 replaces what Shift_JIS cannot hold with '?' and counts the cells that had any."""

    def __init__(self, out: IO[bytes], encoding: str) -> None:
        self.out = out
        self.encoding = encoding
        self.replaced_cells = 0
        self.buffer = io.StringIO()
        self.csv = csv.writer(self.buffer)
        if encoding == "utf-8":
            out.write(b"\xef\xbb\xbf")

    def _flush(self, rows: list[list[str]]) -> None:
        self.buffer.seek(0)
        self.buffer.truncate()
        if self.encoding == "utf-8":
            self.csv.writerows(rows)
            self.out.write(self.buffer.getvalue().encode("utf-8"))
            return
        self.csv.writerows(rows)
        text = self.buffer.getvalue().translate(CP932_FIXES)
        try:
            data = text.encode("cp932")
        except UnicodeEncodeError:
            # Rare: go cell by cell to count (and replace) only the cells that need it.
            self.buffer.seek(0)
            self.buffer.truncate()
            self.csv.writerows([self._cp932_cells(row) for row in rows])
            data = self.buffer.getvalue().encode("cp932")
        self.out.write(data)

    def _cp932_cells(self, row: list[str]) -> list[str]:
        cells = []
        for cell in row:
            fixed = cell.translate(CP932_FIXES)
            try:
                fixed.encode("cp932")
            except UnicodeEncodeError:
                self.replaced_cells += 1
                fixed = fixed.encode("cp932", "replace").decode("cp932")
            cells.append(fixed)
        return cells

    def write_header(self, names: list[str]) -> None:
        self._flush([names])

    def write_rows(self, rows: Iterable[list[str]]) -> None:
        self._flush(list(rows))

    def write_records(self, records: Iterable[dict[str, Any]]) -> None:  # pragma: no cover
        raise TypeError("CSV takes rows")

    def close(self) -> None:
        self.out.flush()


class XlsxWriter:
    """XlsxWriter in constant-memory mode: each row goes to a temporary file as it comes and
    the workbook is zipped on close, so memory stays flat however many rows there are.
    (XlsxWriter, not openpyxl's write-only mode: it writes the sheet's XML as text instead of
    through an element tree, about twice as fast per cell; every cell is written as text,
    so nothing typed is turned into a number, a formula or a link.)"""

    def __init__(self, out: IO[bytes], sheet_title: str) -> None:
        import xlsxwriter

        self.out = out
        self.book = xlsxwriter.Workbook(
            out,
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        self.sheet = self.book.add_worksheet(sheet_title[:31] or "contacts")
        self.row = 0
        self.replaced_cells = 0

    def write_header(self, names: list[str]) -> None:
        self.write_rows([names])

    def write_rows(self, rows: Iterable[list[str]]) -> None:
        write = self.sheet.write_string
        for row in rows:
            for col, cell in enumerate(row):
                if cell:
                    write(self.row, col, XLSX_ILLEGAL.sub("", cell))
            self.row += 1

    def write_records(self, records: Iterable[dict[str, Any]]) -> None:  # pragma: no cover
        raise TypeError("xlsx takes rows")

    def close(self) -> None:
        self.book.close()


class JsonLinesWriter:
    """One JSON object per line, UTF-8 without BOM, `\\n` line ends."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.replaced_cells = 0

    def write_header(self, names: list[str]) -> None:
        pass  # the keys are in every line

    def write_rows(self, rows: Iterable[list[str]]) -> None:  # pragma: no cover
        raise TypeError("JSON Lines takes records")

    def write_records(self, records: Iterable[dict[str, Any]]) -> None:
        # DRF's encoder: decimals, dates and the like come out exactly as the API renders
        # them.
        lines = "".join(
            json.dumps(record, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":")) + "\n"
            for record in records
        )
        self.out.write(lines.encode("utf-8"))

    def close(self) -> None:
        self.out.flush()
