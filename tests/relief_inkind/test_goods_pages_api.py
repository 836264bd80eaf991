"""Goods in kind through the API and the pages: allowed and denied, Chinese refusals, nothing half-saved,
the signed receipt private and audited."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.models import AuditEvent, Role
from relief_inkind.models import DistributionLine, Item, Stock

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"


def test_goods_api_flow(api, caseworker, approver, outsider, make_user):
    assert api(make_user(Role.MERCHANT, None)).get("/api/v1/inkind/goods/lines/").status_code == 403
    r = api(caseworker).post("/api/v1/inkind/goods/items/", {"name": "棉衣", "unit": "件"}, format="json")
    assert r.status_code == 201
    bad = api(caseworker).post("/api/v1/inkind/goods/items/", {"name": "棉衣", "unit": "件"}, format="json")
    assert bad.status_code == 400 and "已登记" in bad.json()["name"][0]
    coat = r.json()["id"]
    assert api(outsider).post("/api/v1/inkind/goods/points/", {"name": "未央点", "region": "610112"},
                              format="json").status_code == 403
    p = api(caseworker).post("/api/v1/inkind/goods/points/", {"name": "未央点", "region": "610112"}, format="json")
    assert p.status_code == 201
    point = p.json()["id"]
    bad = api(caseworker).post(f"/api/v1/inkind/goods/points/{point}/stock/", {"item": coat, "quantity": 0},
                               format="json")
    assert bad.status_code == 400 and "入库数量" in bad.json()["quantity"][0]
    ok = api(caseworker).post(f"/api/v1/inkind/goods/points/{point}/stock/", {"item": coat, "quantity": 2},
                              format="json")
    assert ok.status_code == 201 and ok.json()["on_hand"] == 2 and ok.json()["balanced"]
    assert api(outsider).post(f"/api/v1/inkind/goods/points/{point}/stock/", {"item": coat, "quantity": 2},
                              format="json").status_code == 404
    sch = f.voucher_scheme(caseworker, urban=20000, form="in_kind")
    pk = api(caseworker).put(f"/api/v1/inkind/schemes/{sch.pk}/package/",
                             {"lines": [{"item": coat, "quantity": 1}]}, format="json")
    assert pk.status_code == 200
    batch = f.paid_batch(caseworker, approver, sch, households=3)
    lines = api(caseworker).get(f"/api/v1/inkind/goods/lines/?batch={batch.pk}").json()
    assert lines["count"] == 3 and lines["results"][0]["id_number"].count("*") > 0
    ids = [x["id"] for x in lines["results"]]
    url = f"/api/v1/inkind/goods/lines/{ids[0]}/handover/"
    missing = api(caseworker).post(url, {"point": point}, format="multipart")
    assert missing.status_code == 400 and "二选一" in missing.json()["signature"][0]
    scan = SimpleUploadedFile("receipt.jpg", b"\xff\xd8\xff\xe0 jpeg receipt", "image/jpeg")
    done = api(caseworker).post(url, {"point": point, "scan": scan}, format="multipart")
    assert done.status_code == 200 and done.json()["status"] == "handed_over"
    tablet = api(caseworker).post(f"/api/v1/inkind/goods/lines/{ids[1]}/handover/",
                                  {"point": point, "tablet_png": f.TABLET_PNG}, format="json")
    assert tablet.status_code == 200 and tablet.json()["signature_kind"] == "tablet"
    short = api(caseworker).post(f"/api/v1/inkind/goods/lines/{ids[2]}/handover/",
                                 {"point": point, "tablet_png": f.TABLET_PNG}, format="json")
    assert short.status_code == 400 and "库存不足" in short.json()["point"][0]
    assert DistributionLine.objects.get(pk=ids[2]).status == "pending"
    stock = api(caseworker).get("/api/v1/inkind/goods/stock/").json()
    assert stock == [{"point": point, "point_name": "未央点", "item": "棉衣", "stock_in": 2, "handed_out": 2,
                      "on_hand": 0, "balanced": True}]
    assert api(outsider).get("/api/v1/inkind/goods/stock/").json() == []


def test_goods_pages_and_private_signature(client, caseworker, approver, outsider):
    sch = f.goods_scheme(caseworker, package=(("棉被", "床", 1),))
    batch = f.paid_batch(caseworker, approver, sch, households=1)
    point = f.stocked_point(caseworker, stock=(("棉被", 1),))
    line = DistributionLine.objects.get(batch=batch)
    client.force_login(caseworker)
    assert "待领取的实物" in client.get("/").content.decode()
    page = client.get("/inkind/goods/")
    assert page.status_code == 200 and "一致" in page.content.decode() and "登记领取" in page.content.decode()
    form = client.get(f"/inkind/goods/lines/{line.pk}/handover/")
    assert form.status_code == 200 and "signature-pad" in form.content.decode()
    bad = client.post(f"/inkind/goods/lines/{line.pk}/handover/", {"point": point.pk})
    assert "二选一" in bad.content.decode()
    assert client.post(f"/inkind/goods/lines/{line.pk}/handover/",
                       {"point": point.pk, "tablet_png": f.TABLET_PNG}).status_code == 302
    line.refresh_from_db()
    assert line.status == "handed_over" and Stock.objects.get(point=point).on_hand == 0
    got = client.get(f"/inkind/goods/lines/{line.pk}/signature/")
    assert got.status_code == 200 and b"".join(got.streaming_content).startswith(b"\x89PNG")
    assert AuditEvent.objects.filter(action="relief_inkind.signature_download").count() == 1
    client.force_login(outsider)
    assert client.get(f"/inkind/goods/lines/{line.pk}/signature/").status_code == 404
    bad = client.post("/inkind/goods/items/new/", {"name": "", "unit": "件"})
    assert bad.status_code == 200 and not Item.objects.filter(unit="件").exists()
