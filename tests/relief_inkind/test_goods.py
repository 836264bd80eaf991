"""Goods in kind: a batch of an in-kind scheme builds a distribution list (never the bank); each hand-over
is signed (a scanned receipt or a tablet signature, by the recipient or a proxy) and takes the package from
the point's stock; stock in − handed out = on hand."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from assistance.models import Batch, Payment
from portal.models import AuditEvent, Role
from relief_inkind import services
from relief_inkind.models import DistributionLine, Stock, StockMove
from relief_inkind.selectors import stock_reconciliation
from tests.factories import id_number_for

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"


def _list(caseworker, approver, households=3):
    sch = f.goods_scheme(caseworker)
    batch = f.paid_batch(caseworker, approver, sch, households=households)
    return sch, batch


def test_an_in_kind_batch_builds_a_distribution_list_and_waits_for_hand_overs(caseworker, approver):
    sch, batch = _list(caseworker, approver)
    assert batch.channel == "in_kind" and batch.status == Batch.Status.PAYING
    assert DistributionLine.objects.filter(batch=batch, status="pending").count() == 3
    assert set(Payment.objects.filter(batch=batch).values_list("status", flat=True)) == {"sent"}
    point = f.stocked_point(caseworker)
    lines = list(DistributionLine.objects.filter(batch=batch))
    services.handover_record(line=lines[0], point=point, tablet_png=f.TABLET_PNG, actor=caseworker)
    services.handover_record(line=lines[1], point=point, actor=caseworker,
                             scan=SimpleUploadedFile("r.pdf", b"%PDF-1.4 signed receipt", "application/pdf"),
                             proxy_name="李代领", proxy_id_number=id_number_for("610112", seq=9001))
    lines[1].refresh_from_db()
    assert lines[1].signer == "proxy" and lines[1].signature_kind == "scan"
    assert lines[1].signature.storage.exists(lines[1].signature.name)
    with pytest.raises(ValueError):
        _ = lines[1].signature.url  # private: no public URL
    assert Payment.objects.get(pk=lines[0].payment_id).status == "paid"
    batch.refresh_from_db()
    assert batch.status == Batch.Status.PAYING
    services.handover_record(line=lines[2], point=point, tablet_png=f.TABLET_PNG, actor=caseworker)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.PAID and batch.paid_count == 3
    sch.refresh_from_db()
    assert sch.paid == 3 * 20000 and sch.reserved == 0
    # 5 quilts and 100 kg of rice in; 3 and 30 out
    on_hand = dict(Stock.objects.filter(point=point).values_list("item__name", "on_hand"))
    assert on_hand == {"棉被": 2, "大米": 70}
    assert AuditEvent.objects.filter(action="relief_inkind.handover_record").count() == 3


def test_stock_in_minus_handed_out_equals_on_hand(caseworker, approver):
    _sch, batch = _list(caseworker, approver, households=4)
    point = f.stocked_point(caseworker, stock=(("棉被", 3), ("大米", 25)))
    from relief_inkind.models import Item

    services.stock_receive(point=point, item=Item.objects.get(name="大米"), quantity=20, actor=caseworker)
    lines = list(DistributionLine.objects.filter(batch=batch))
    for line in lines[:3]:
        services.handover_record(line=line, point=point, tablet_png=f.TABLET_PNG, actor=caseworker)
    rows = stock_reconciliation(caseworker)
    assert rows and all(r["balanced"] for r in rows)
    by_item = {r["item"].name: (r["stock_in"], r["handed_out"], r["on_hand"]) for r in rows}
    assert by_item == {"棉被": (3, 3, 0), "大米": (45, 30, 15)}
    # the fourth: no quilt left, refused whole (no rice taken either, no signature kept, still pending)
    with pytest.raises(ValidationError) as exc:
        services.handover_record(line=lines[3], point=point, tablet_png=f.TABLET_PNG, actor=caseworker)
    assert "库存不足" in str(exc.value) and "棉被" in str(exc.value)
    lines[3].refresh_from_db()
    assert lines[3].status == "pending" and not lines[3].signature
    assert dict(Stock.objects.filter(point=point).values_list("item__name", "on_hand")) == {"棉被": 0, "大米": 15}
    assert StockMove.objects.filter(kind="out").count() == 6
    assert all(r["balanced"] for r in stock_reconciliation(caseworker))


def test_bad_hand_overs_are_refused_in_chinese_and_change_nothing(caseworker, approver, outsider):
    _sch, batch = _list(caseworker, approver, households=1)
    point = f.stocked_point(caseworker)
    line = DistributionLine.objects.get(batch=batch)
    cases = [
        ({}, "二选一"),
        ({"tablet_png": "data:image/png;base64,@@@"}, "签名数据无效"),
        ({"scan": SimpleUploadedFile("x.pdf", b"MZ not a pdf", "application/pdf")}, "PDF、JPG 或 PNG"),
        ({"tablet_png": f.TABLET_PNG, "proxy_name": "王代领", "proxy_id_number": "610112199001011235"}, "身份证"),
        ({"tablet_png": f.TABLET_PNG, "proxy_id_number": id_number_for("610112", seq=9002)}, "代领人姓名"),
    ]
    for kwargs, words in cases:
        with pytest.raises(ValidationError) as exc:
            services.handover_record(line=line, point=point, actor=caseworker, **kwargs)
        assert words in str(exc.value), (kwargs, exc.value)
    far = f.stocked_point(caseworker, region="610113")  # another district's point
    with pytest.raises(ValidationError) as exc:
        services.handover_record(line=line, point=far, tablet_png=f.TABLET_PNG, actor=caseworker)
    assert "不服务" in str(exc.value)
    with pytest.raises(PermissionDenied):
        services.handover_record(line=line, point=point, tablet_png=f.TABLET_PNG, actor=outsider)
    line.refresh_from_db()
    assert line.status == "pending"
    assert not StockMove.objects.filter(kind="out").exists()
    assert not AuditEvent.objects.filter(action="relief_inkind.handover_record").exists()
    services.handover_record(line=line, point=point, tablet_png=f.TABLET_PNG, actor=caseworker)
    with pytest.raises(ValidationError) as exc:
        services.handover_record(line=line, point=point, tablet_png=f.TABLET_PNG, actor=caseworker)
    assert "已领取" in str(exc.value)


def test_package_rules(caseworker, approver, make_user):
    from relief_inkind.models import Item

    quilt = services.item_create(name="棉被", unit="床", actor=caseworker)
    with pytest.raises(ValidationError):
        services.item_create(name="棉被", unit="床", actor=caseworker)
    bank = f.voucher_scheme(caseworker, form="bank")
    with pytest.raises(ValidationError) as exc:
        services.package_set(scheme=bank, lines=[(quilt, 1)], actor=caseworker)
    assert "实物" in str(exc.value)
    sch = f.goods_scheme(caseworker, package=(("棉被", "床", 1),))
    with pytest.raises(ValidationError):
        services.package_set(scheme=sch, lines=[(quilt, 0)], actor=caseworker)
    with pytest.raises(PermissionDenied):
        services.package_set(scheme=sch, lines=[(quilt, 2)], actor=make_user(Role.INSURANCE_OFFICER, None))
    assert list(sch.package_lines.values_list("quantity", flat=True)) == [1]
    f.paid_batch(caseworker, approver, sch, households=1)
    with pytest.raises(ValidationError):
        services.package_set(scheme=sch, lines=[(Item.objects.get(name="棉被"), 2)], actor=caseworker)


def test_a_scheme_without_a_package_fails_its_payments_for_reissue(caseworker, approver):
    from assistance import services as assistance

    sch = f.voucher_scheme(caseworker, urban=20000, form="in_kind")
    batch = f.paid_batch(caseworker, approver, sch, households=1)
    p = Payment.objects.get(batch=batch)
    assert p.status == "failed" and "实物发放标准" in p.reason
    assert not DistributionLine.objects.exists()
    assert assistance is not None
