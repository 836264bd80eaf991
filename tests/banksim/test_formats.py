"""The two file formats and the money representation, without any bank running."""

import pytest

from banksim.files import parse_disbursement, read_result, render_disbursement, write_disbursement
from banksim.money import format_yuan, parse_yuan

from .conftest import row


@pytest.mark.parametrize("text,fen", [("0.01", 1), ("800.00", 80000), ("99999999.99", 9999999999),
                                      ("999999999999.99", 99999999999999), ("10.10", 1010)])
def test_yuan_parses_exactly_and_round_trips(text, fen):
    assert parse_yuan(text) == fen
    assert format_yuan(fen) == text


@pytest.mark.parametrize("text", ["0.00", "1", "1.0", "1.000", "-1.00", "+1.00", "01.00", "1e2", " 1.00",
                                  "1.00 ", "1,000.00", "１.00", "1000000000000.00", "", "NaN"])
def test_yuan_rejects_non_canonical_amounts(text):
    with pytest.raises(ValueError):
        parse_yuan(text)


def test_write_disbursement_exact_bytes_atomic_and_never_overwrites(tmp_path):
    path = write_disbursement(tmp_path / "out", "PAY-001", [
        row("R1", "6222000000000001", "张三", 1), row("R2", "6222000000000002", "李,四", 9999999999)])
    assert path == tmp_path / "out" / "PAY-001.csv"
    assert path.read_bytes().decode("utf-8") == (
        "H,PAY-001,2,100000000.00\n"
        "D,R1,6222000000000001,张三,0.01\n"
        'D,R2,6222000000000002,"李,四",99999999.99\n')
    assert sorted(p.name for p in path.parent.iterdir()) == ["PAY-001.csv"]
    with pytest.raises(FileExistsError):
        write_disbursement(tmp_path / "out", "PAY-001", [row("R3")])
    assert parse_disbursement("PAY-001", path.read_bytes()).refused is None


@pytest.mark.parametrize("bad,message", [
    ({"account": "62220000abc"}, "row 1: account"),
    ({"amount_fen": 0}, "row 1: amount_fen"),
    ({"amount_fen": 1.5}, "row 1: amount_fen"),
    ({"holder": " 张三"}, "row 1: holder"),
    ({"reference": "R 1"}, "row 1: bad reference"),
])
def test_write_disbursement_refuses_rows_the_bank_would_refuse(tmp_path, bad, message):
    with pytest.raises(ValueError, match=message):
        write_disbursement(tmp_path, "F1", [{**row("R1"), **bad}])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["F1.csv", "", "../x", "a b", "x.part"])
def test_write_disbursement_refuses_bad_names(tmp_path, name):
    with pytest.raises(ValueError):
        write_disbursement(tmp_path, name, [row("R1")])


GOOD = "H,F1,2,800.01\nD,R1,6222000000000001,张三,800.00\nD,R2,6222000000000002,李四,0.01\n"


@pytest.mark.parametrize("text,reason", [
    (GOOD.replace("800.01", "800.02"), "文件头总金额800.02与明细合计800.01不符"),
    (GOOD.replace("H,F1,2", "H,F1,3"), "文件头笔数3与明细2笔不符"),
    (GOOD.replace(",0.01", ",0.1"), "第3行金额须为两位小数的正数"),
    (GOOD.replace(",0.01", ",-0.01"), "第3行金额须为两位小数的正数"),
    (GOOD.replace(",0.01", ",0.00").replace("800.01", "800.00"), "第3行金额须为两位小数的正数"),
    (GOOD.replace("H,F1", "H,F2"), "文件头名称与文件名不符"),
    (GOOD.replace("D,R2,6222000000000002,", "D,R2,6222000000000002,x,"), "第3行不是5个字段的明细行"),
    (GOOD.replace("D,R2,6222000000000002", "X,R2,6222000000000002"), "第3行不是5个字段的明细行"),
    (GOOD.replace("6222000000000002", "62220000000000O2"), "第3行账号不合规"),
    (GOOD.replace("\nD,R2", "\n\nD,R2"), "第3行为空行"),
    ("\ufeff" + GOOD, "文件含BOM"),
    (GOOD.split("\n", 1)[1], "第1行不是文件头"),
    ("H,F1,0,0.00\n", "文件无明细"),
])
def test_bank_refuses_malformed_disbursements_naming_the_line(text, reason):
    parsed = parse_disbursement("F1", text.encode("utf-8"))
    assert parsed.refused is not None and reason in parsed.refused


def test_bank_accepts_crlf_and_quoted_holder():
    text = 'H,F1,1,0.01\r\nD,R1,6222000000000001,"Smith, John",0.01\r\n'
    parsed = parse_disbursement("F1", text.encode())
    assert parsed.refused is None
    assert parsed.rows[0].holder == "Smith, John" and parsed.rows[0].amount_fen == 1


RESULT = ("H,F1,3,2,800.01,1,5.00\n"
          "D,R1,6222000000000001,800.00,S,0000,成功\n"
          "D,R2,6222000000000002,0.01,S,2001,重复参考号，原交易于2026-01-01 08:00:00已处理，未重复入账\n"
          "D,R3,6222000000000007,5.00,F,1001,账户已销户\n")


def _result(tmp_path, text, name="F1"):
    path = tmp_path / f"{name}.result.csv"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def test_read_result_parses_a_good_file(tmp_path):
    header, rows = read_result(_result(tmp_path, RESULT))
    assert header == {"name": "F1", "detail_count": 3, "paid_count": 2, "paid_total_fen": 80001,
                      "failed_count": 1, "failed_total_fen": 500}
    assert [(r["line"], r["reference"], r["amount_fen"], r["status"], r["code"]) for r in rows] == [
        (2, "R1", 80000, "S", "0000"), (3, "R2", 1, "S", "2001"), (4, "R3", 500, "F", "1001")]


@pytest.mark.parametrize("mutate,where", [
    (lambda t: t.replace("H,F1,3,", "H,F1,4,"), "line 1: header detail count"),
    (lambda t: t.replace(",800.01,", ",800.02,"), "line 1: header paid total"),
    (lambda t: t.replace(",1,5.00", ",2,5.00"), "line 1: header failed count"),
    (lambda t: t.replace("H,F1,", "H,F9,"), "line 1: header names"),
    (lambda t: t.replace("H,F1,3,2,800.01,1,5.00", "H,F1,3,2,800.01,1"), "line 1: header must be"),
    (lambda t: t.replace("800.00,S", "800,S"), "line 2:"),
    (lambda t: t.replace("S,0000", "F,0000"), "line 2: status 'F' not allowed"),
    (lambda t: t.replace("0000,成功", "0000,ok"), "line 2: code 0000 with message"),
    (lambda t: t.replace("F,1001", "F,1003"), "line 4: unknown code"),
    (lambda t: t.replace(",账户已销户", ""), "line 4: detail must be"),
    (lambda t: t.replace(",账户已销户", ","), "line 4: empty message"),
    (lambda t: t.replace("D,R2,6222000000000002", "D,R2,acct"), "line 3: bad account"),
    (lambda t: "\ufeff" + t, "line 1: result file starts with a BOM"),
    (lambda t: "", "line 1: empty"),
])
def test_read_result_is_strict_and_names_the_line(tmp_path, mutate, where):
    with pytest.raises(ValueError, match=where):
        read_result(_result(tmp_path, mutate(RESULT)))


def test_read_result_refuses_a_mixed_refusal(tmp_path):
    text = ("H,F1,2,0,0.00,2,800.01\nD,R1,6222000000000001,800.00,F,9001,整批拒绝：文件头笔数错误\n"
            "D,R2,6222000000000002,0.01,F,1001,账户已销户\n")
    with pytest.raises(ValueError, match="line 3: a refused file"):
        read_result(_result(tmp_path, text))


def test_render_disbursement_total_is_exact_for_many_cents():
    data = render_disbursement("F1", [row(f"R{i}", amount_fen=1) for i in range(1, 1001)])
    assert data.decode().startswith("H,F1,1000,10.00\n")
