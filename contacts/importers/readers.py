"""Reading import files as a stream of text rows, never the whole file in memory.

CSV/TSV: the encoding is decided on the first chunk (strict UTF-8, with or without BOM,
else CP932, the superset of Shift_JIS that Excel and Japanese business systems write), then
every physical line is decoded strictly, so a broken byte anywhere is reported with its line
number instead of turning into mojibake. Splitting on b"\\n" is safe for both encodings: in
CP932 a trail byte is never 0x0A.

.xlsx: it is a zip archive, so before openpyxl sees it we check the archive itself: total
uncompressed size and the compression ratio of each member (a zip bomb is a small file that
inflates to gigabytes). openpyxl then reads the first sheet in read_only mode (streaming).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# How much of the file decides the encoding and the delimiter.
SNIFF_BYTES = 64 * 1024
XLSX_MAGIC = b"PK\x03\x04"


class ImportFileError(ValueError):
    """A file we refuse, with a message that says what to do about it."""


@dataclass
class SourceInfo:
    format: str  # "csv" | "tsv" | "xlsx"
    encoding: str = ""  # "utf-8", "utf-8-sig", "cp932"; "" for xlsx
    delimiter: str = ","
    size: int = 0
    notes: list[str] = field(default_factory=list)


def check_size(size: int) -> None:
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if size > limit:
        raise ImportFileError(
            _(
                "The file is %(size)s; the largest file you can import is %(limit)s. "
                "Split it into smaller files and import them one after another."
            )
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    if size == 0:
        raise ImportFileError(_("The file is empty. Choose the CSV or Excel file to import."))


def _file_size(fh: IO[bytes]) -> int:
    position = fh.tell()
    fh.seek(0, 2)
    size = fh.tell()
    fh.seek(position)
    return size


def detect_encoding(head: bytes) -> str:
    """utf-8-sig (BOM), utf-8, or cp932; raises when the start of the file is neither."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        decoder.decode(head, final=False)  # a character cut at the chunk's end is fine
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("cp932")("strict").decode(head, final=False)
        return "cp932"
    except UnicodeDecodeError as exc:
        line = head[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            _(
                "The file is neither UTF-8 nor Shift_JIS (CP932) text: line %(line)s has bytes "
                "that are not characters. If it is an Excel file, upload the .xlsx itself or "
                "save it as “CSV UTF-8”."
            )
            % {"line": line}
        ) from None


def detect_delimiter(header_line: str, file_name: str) -> str:
    if file_name.lower().endswith((".tsv", ".tab")):
        return "\t"
    counts = {d: header_line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def inspect(fh: IO[bytes], file_name: str) -> SourceInfo:
    """Format, encoding and delimiter, from the first bytes. Refuses what we cannot read."""
    size = _file_size(fh)
    check_size(size)
    fh.seek(0)
    head = fh.read(SNIFF_BYTES)
    fh.seek(0)
    lowered = file_name.lower()
    if head.startswith(XLSX_MAGIC) or lowered.endswith((".xlsx", ".xlsm")):
        check_zip(fh)
        return SourceInfo(format="xlsx", size=size)
    if lowered.endswith(".xls") or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _("Old Excel files (.xls) cannot be read. Open the file in Excel and save it as .xlsx.")
        )
    if b"\x00" in head:
        raise ImportFileError(
            _(
                "This is not a CSV or Excel file (it contains binary data). Upload a .csv, "
                ".tsv or .xlsx file."
            )
        )
    encoding = detect_encoding(head)
    first_line = head.split(b"\n", 1)[0]
    try:
        header_text = first_line.decode(encoding, errors="ignore")
    except LookupError:  # pragma: no cover - encodings above always exist
        header_text = ""
    delimiter = detect_delimiter(header_text, file_name)
    return SourceInfo(
        format="tsv" if delimiter == "\t" else "csv",
        encoding=encoding,
        delimiter=delimiter,
        size=size,
    )


def check_zip(fh: IO[bytes]) -> None:
    """Refuse archives that inflate beyond the limits, before anything decompresses them."""
    fh.seek(0)
    try:
        archive = zipfile.ZipFile(fh)
    except zipfile.BadZipFile:
        raise ImportFileError(
            _(
                "The Excel file is damaged (it is not a valid .xlsx). Open it in Excel and "
                "save it again."
            )
        ) from None
    total = 0
    max_total = settings.IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES
    max_ratio = settings.IMPORT_XLSX_MAX_RATIO
    with archive:
        for info in archive.infolist():
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > 1024 * 1024 and ratio > max_ratio:
                raise ImportFileError(
                    _(
                        "The Excel file was refused: part of it expands %(ratio)d times its "
                        "stored size, which is what a “zip bomb” does. Save the sheet as CSV "
                        "and import that instead."
                    )
                    % {"ratio": ratio}
                )
        if total > max_total:
            raise ImportFileError(
                _(
                    "The Excel file expands to %(size)s, more than the %(limit)s we read. "
                    "Split it into smaller files or save it as CSV."
                )
                % {"size": filesizeformat(total), "limit": filesizeformat(max_total)}
            )
    fh.seek(0)


class Progress:
    """Fraction of the source read so far (bytes for text, rows for sheets)."""

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self.done = 0

    @property
    def fraction(self) -> float:
        return min(self.done / self.total, 1.0)


def _decoded_lines(fh: IO[bytes], encoding: str, progress: Progress) -> Iterator[str]:
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    first = True
    for number, raw in enumerate(fh, start=1):
        progress.done += len(raw)
        if first and encoding == "utf-8-sig":
            raw = raw.removeprefix(codecs.BOM_UTF8)
        first = False
        try:
            yield raw.decode(codec)
        except UnicodeDecodeError:
            name = "UTF-8" if codec == "utf-8" else "Shift_JIS (CP932)"
            raise ImportFileError(
                _(
                    "Line %(line)s of the file cannot be read as %(encoding)s text (the rest of "
                    "the file is %(encoding)s). Fix or remove that line, or save the whole file "
                    "again as “CSV UTF-8”, and upload it again."
                )
                % {"line": number, "encoding": name}
            ) from None


def _cell_text(value: Any) -> str:
    """An Excel cell as the text a person sees (numbers without a trailing .0, dates ISO)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value)


def iter_rows(
    fh: IO[bytes], info: SourceInfo, progress: Progress | None = None
) -> Iterator[list[str]]:
    """Every row of the file (the header first) as a list of strings."""
    progress = progress or Progress(info.size)
    fh.seek(0)
    if info.format == "xlsx":
        yield from _iter_xlsx(fh, progress)
        return
    progress.total = max(info.size, 1)
    lines = _decoded_lines(fh, info.encoding, progress)
    reader = csv.reader(lines, delimiter=info.delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        raise ImportFileError(
            _("Line %(line)s of the file is not valid CSV (%(error)s). Check its quotes.")
            % {"line": reader.line_num, "error": exc}
        ) from None


def _iter_xlsx(fh: IO[bytes], progress: Progress) -> Iterator[list[str]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise ImportFileError(
            _("The Excel file could not be opened (%(error)s). Open it in Excel and save it again.")
            % {"error": type(exc).__name__}
        ) from None
    try:
        sheet = book.worksheets[0]
        progress.total = max(sheet.max_row or 1, 1)
        for values in sheet.iter_rows(values_only=True):
            progress.done += 1
            cells = [_cell_text(v) for v in values]
            while cells and cells[-1] == "":
                cells.pop()
            yield cells
    finally:
        book.close()


def read_header_and_sample(
    fh: IO[bytes], info: SourceInfo, sample_rows: int
) -> tuple[list[str], list[list[str]]]:
    """The header row and the first `sample_rows` data rows (for mapping and preview)."""
    rows = iter_rows(fh, info)
    header: list[str] | None = None
    sample: list[list[str]] = []
    for row in rows:
        if header is None:
            if not any(cell.strip() for cell in row):
                continue  # blank lines above the header
            header = [cell.strip() for cell in row]
            continue
        if not any(cell.strip() for cell in row):
            continue
        sample.append(row)
        if len(sample) >= sample_rows:
            break
    if isinstance(rows, Iterator):
        close = getattr(rows, "close", None)
        if close:
            close()
    if header is None:
        raise ImportFileError(_("The file has no rows. The first row must name the columns."))
    return header, sample
