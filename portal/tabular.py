"""Spreadsheets in and out, the one way: CSV in UTF-8 (with or without BOM) or GBK/GB18030 as Chinese
office software saves it, or XLSX; and every cell written out neutralised so no spreadsheet runs it as a
formula (`=HYPERLINK(…)`, `+`, `-`, `@`, tab, carriage return get a leading single quote)."""

import csv
import datetime as dt
import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BYTES = 10 * 1024 * 1024
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula gets a leading single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("无法识别文件编码，请保存为 UTF-8 或 GBK 编码的 CSV。"))


def _cell(c) -> str:
    return "" if c is None else (c.strftime("%Y-%m-%d") if isinstance(c, dt.date) else str(c).strip())


def iter_table(data: bytes, filename: str, *, max_bytes: int = MAX_BYTES):
    """Rows of text cells, one at a time: an XLSX is read with openpyxl's streaming reader (read_only),
    so a caller that stops early (a row limit) never parses the rest of the sheet."""
    if len(data) > max_bytes:
        raise ValidationError(_("文件过大：最大 %(mb)d MB。") % {"mb": max_bytes // (1024 * 1024)})
    if filename.lower().endswith(".xlsx"):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            rows = wb.active.iter_rows(values_only=True)
        except Exception:
            raise ValidationError(_("无法读取该 Excel 文件。")) from None
        try:
            while True:
                try:
                    row = next(rows)
                except StopIteration:
                    return
                except Exception:
                    raise ValidationError(_("无法读取该 Excel 文件。")) from None
                yield [_cell(c) for c in row]
        finally:
            wb.close()
        return
    if not filename.lower().endswith((".csv", ".txt")):
        raise ValidationError(_("只能导入 CSV 或 XLSX 文件。"))
    for row in csv.reader(io.StringIO(decode_csv(data))):
        yield [c.strip() for c in row]


def read_table(data: bytes, filename: str, *, max_bytes: int = MAX_BYTES, max_rows: int | None = None) -> list[list[str]]:
    """Rows of text cells (stripped) from a CSV or XLSX upload; a clear Chinese error otherwise.
    `max_rows`: more non-blank rows than this after the header stop the reading at once (ValidationError)."""
    out, data_rows = [], 0
    for row in iter_table(data, filename, max_bytes=max_bytes):
        out.append(row)
        if len(out) > 1 and any(row):
            data_rows += 1
            if max_rows is not None and data_rows > max_rows:
                raise ValidationError(_("一次最多导入 %(n)d 行。") % {"n": max_rows}, code="too_many_rows")
    return out


def csv_writer(stream):
    """A csv writer whose rows are neutralised."""
    writer = csv.writer(stream)

    class _Safe:
        def writerow(self, row):
            return writer.writerow([neutralise(c) for c in row])

        def writerows(self, rows):
            for row in rows:
                self.writerow(row)

    return _Safe()


def xlsx_bytes(sheets: list[tuple[str, list[list]]]) -> bytes:
    """An XLSX workbook with one sheet per (title, rows); every cell neutralised."""
    from openpyxl import Workbook  # lazy: heavy, and only exports need it

    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title=title[:31])
        for row in rows:
            ws.append([neutralise(c) for c in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
def xlsx_file(title: str, header: list[str], rows, *, max_memory: int = 16 * 1024 * 1024):
    """An XLSX workbook of one sheet (openpyxl's write-only mode: rows are streamed, not held), every text
    cell neutralised; returned as an open temporary file positioned at its start (for a FileResponse)."""
    import tempfile

    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    ws.append([neutralise(c) for c in header])
    for row in rows:
        ws.append([neutralise(c) for c in row])
    out = tempfile.SpooledTemporaryFile(max_size=max_memory)
    wb.save(out)
    out.seek(0)
    return out
