"""Reading spreadsheets row by row, never the whole file in memory.

CSV (UTF-8 with or without BOM, else CP949 as Korean Excel writes it; delimiter sniffed),
XLSX (openpyxl in read-only mode streams the sheet XML) and legacy XLS (calamine; the format
itself caps a sheet at 65,536 rows). Fully empty rows are skipped everywhere; row numbers are the
1-based rows of the sheet, as a user sees them in Excel.
"""

import codecs
import csv
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from crmcore.kernel.errors import ValidationError

Cell = str | int | float | bool | datetime | date | time | None
EXTENSIONS = (".csv", ".xlsx", ".xls")
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SNIFF_BYTES = 64 * 1024
# csv refuses fields above 128 KiB by default; a record value is far below this.
csv.field_size_limit(1024 * 1024)


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    cells: Sequence[Cell]


def _is_empty(cells: Sequence[Cell]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _is_empty_text(cells: list[str]) -> bool:
    return not "".join(cells).strip()


class Workbook:
    """One uploaded file; ``rows(sheet)`` can be called again (a resumed job reads it anew)."""

    sheets: list[str]

    def rows(self, sheet: str) -> Iterator[Row]:
        raise NotImplementedError

    def row_count(self, sheet: str) -> int:
        """Non-empty rows (header included)."""
        return sum(1 for _ in self.rows(sheet))

    def close(self) -> None:
        return None

    def sheet(self, name: str | None) -> str:
        if name is None or name == "":
            if not self.sheets:
                raise ValidationError("file: the workbook has no sheet")
            return self.sheets[0]
        if name not in self.sheets:
            listed = ", ".join(f"'{sheet}'" for sheet in self.sheets[:20])
            raise ValidationError(f"sheetName: no sheet '{name[:100]}' (sheets: {listed})")
        return name


class CsvWorkbook(Workbook):
    def __init__(self, path: Path, sheet_name: str) -> None:
        self._path = path
        self.sheets = [sheet_name]
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
        self._encoding = _encoding(head)
        self._dialect = _dialect(head.decode(self._encoding, errors="ignore"))

    def _open(self) -> IO[str]:
        return self._path.open(encoding=self._encoding, newline="", errors="strict")

    def rows(self, sheet: str) -> Iterator[Row]:
        with self._open() as handle:
            reader = csv.reader(handle, self._dialect)
            try:
                for cells in reader:
                    if cells and not _is_empty_text(cells):
                        yield Row(reader.line_num, cells)
            except (csv.Error, UnicodeDecodeError) as error:
                raise ValidationError(
                    f"file: unreadable CSV near line {reader.line_num}"
                ) from error

    def row_count(self, sheet: str) -> int:
        count = 0
        with self._open() as handle:
            try:
                for cells in csv.reader(handle, self._dialect):
                    if cells and not _is_empty_text(cells):
                        count += 1
            except (csv.Error, UnicodeDecodeError) as error:
                raise ValidationError("file: unreadable CSV") from error
        return count


def _encoding(head: bytes) -> str:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp949"
    return "utf-8-sig"


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    first_lines = "\n".join(sample.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(first_lines, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


_PLAIN = {str, int, float, bool, datetime, date, time, type(None)}


def _plain(cell: object) -> Cell:
    """Decimals become floats; anything else exotic (durations, rich text) its text."""
    if isinstance(cell, Decimal):
        return float(cell)
    return str(cell)


class XlsxWorkbook(Workbook):
    def __init__(self, path: Path) -> None:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        # A file object: openpyxl would judge a path by its extension (ours end in .part).
        self._handle = path.open("rb")
        try:
            self._book = openpyxl.load_workbook(self._handle, read_only=True, data_only=True)
        except (
            zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, InvalidFileException,
        ) as error:  # fmt: skip
            self._handle.close()
            raise ValidationError("file: not a readable XLSX workbook") from error
        self.sheets = list(self._book.sheetnames)

    def rows(self, sheet: str) -> Iterator[Row]:
        worksheet = self._book[sheet]
        try:
            for number, raw in enumerate(worksheet.iter_rows(values_only=True), start=1):
                cells: list[Cell] = [
                    cell if type(cell) in _PLAIN else _plain(cell)  # type: ignore[misc]
                    for cell in raw
                ]
                if not _is_empty(cells):
                    yield Row(number, cells)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise ValidationError("file: the XLSX sheet cannot be read") from error

    def close(self) -> None:
        self._book.close()
        self._handle.close()


class XlsWorkbook(Workbook):
    def __init__(self, path: Path) -> None:
        from python_calamine import CalamineWorkbook

        try:
            self._book = CalamineWorkbook.from_path(str(path))
        except Exception as error:  # calamine raises its own error types
            raise ValidationError("file: not a readable XLS workbook") from error
        self.sheets = list(self._book.sheet_names)

    def rows(self, sheet: str) -> Iterator[Row]:
        try:
            values: list[list[Any]] = self._book.get_sheet_by_name(sheet).to_python(
                skip_empty_area=False
            )
        except Exception as error:
            raise ValidationError("file: the XLS sheet cannot be read") from error
        for number, cells in enumerate(values, start=1):
            cleaned = [None if cell == "" else cell for cell in cells]
            if not _is_empty(cleaned):
                yield Row(number, cleaned)


def check_file_name(file_name: str) -> str:
    suffix = Path(file_name).suffix.lower()
    if suffix not in EXTENSIONS:
        raise ValidationError(f"file: must be a {', '.join(EXTENSIONS)} file")
    return suffix


def open_workbook(path: Path, file_name: str) -> Workbook:
    """The reader for the file's extension, after checking that the bytes agree with it."""
    suffix = check_file_name(file_name)
    with path.open("rb") as handle:
        magic = handle.read(8)
    if not magic:
        raise ValidationError("file: the file is empty")
    if suffix == ".xlsx":
        if not magic.startswith(_XLSX_MAGIC):
            raise ValidationError("file: not a readable XLSX workbook")
        return XlsxWorkbook(path)
    if suffix == ".xls":
        if not (magic.startswith(_XLS_MAGIC) or magic.startswith(_XLSX_MAGIC)):
            raise ValidationError("file: not a readable XLS workbook")
        return XlsWorkbook(path)
    if magic.startswith((_XLSX_MAGIC, _XLS_MAGIC)):
        raise ValidationError("file: a workbook cannot be imported as CSV")
    return CsvWorkbook(path, Path(file_name).stem[:100] or "Sheet1")


def text_of(cell: Cell) -> str:
    """A cell as text (numbers in their shortest form, dates in ISO 8601)."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 2**53:
        return str(int(cell))
    if isinstance(cell, datetime | date | time):
        return cell.isoformat()
    return str(cell)


def preview_text(cell: Cell) -> str | None:
    text = text_of(cell)
    return text[:200] if text else None
