"""An XLSX over the row limit is refused while it streams: the roster import and the insured import read
with openpyxl's read-only (streaming) worksheet and stop as soon as the limit is passed, instead of
parsing every row first."""

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from assistance import roster
from medical_pooling import importing

LIMIT, ROWS = 10, 2000


def _xlsx(header, row) -> bytes:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(header)
    for n in range(ROWS):
        ws.append(row(n))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def rows_read(monkeypatch):
    """Counts the rows the streaming reader hands out (and proves the streaming reader is the one used)."""
    seen = {"n": 0}
    original = ReadOnlyWorksheet._cells_by_row

    def counting(self, *args, **kwargs):
        for row in original(self, *args, **kwargs):
            seen["n"] += 1
            yield row

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", counting)
    return seen


def test_roster_xlsx_over_the_limit_stops_reading(monkeypatch, rows_read):
    monkeypatch.setattr(roster, "MAX_ROWS", LIMIT)
    data = _xlsx(list(roster.HEADERS), lambda n: [f"H{n}", "610112", "城镇", "路1号", "", "张三", "x", "户主"])
    with pytest.raises(ValidationError) as exc:
        roster.read_rows(data, "名单.xlsx")
    assert f"{LIMIT}" in exc.value.messages[0] and "最多" in exc.value.messages[0]
    assert 0 < rows_read["n"] <= LIMIT + 2, f"read {rows_read['n']} of {ROWS + 1} rows"


def test_insured_xlsx_over_the_limit_stops_reading(monkeypatch, rows_read):
    monkeypatch.setattr(importing, "MAX_ROWS", LIMIT)
    data = _xlsx(["身份证号码", "姓名", "参保险种", "统筹地区代码"], lambda n: ["x", f"人{n}", "职工", "341602"])
    with pytest.raises(ValidationError) as exc:
        importing.read_rows(SimpleUploadedFile("参保.xlsx", data))
    assert "最多" in exc.value.message_dict["file"][0]
    assert 0 < rows_read["n"] <= LIMIT + 2, f"read {rows_read['n']} of {ROWS + 1} rows"


def test_within_the_limit_everything_is_read(monkeypatch, rows_read):
    monkeypatch.setattr(importing, "MAX_ROWS", ROWS)
    data = _xlsx(["身份证号码", "姓名", "参保险种", "统筹地区代码"], lambda n: ["x", f"人{n}", "职工", "341602"])
    assert len(importing.read_rows(SimpleUploadedFile("参保.xlsx", data))) == ROWS
    assert rows_read["n"] == ROWS + 1
