"""Goods in kind (实物): items, distribution points and their stock, what a scheme's recipient receives, the
distribution list a batch builds (the channel's step), and the hand-over signed by the recipient or a proxy.

Stock moves only with a StockMove row in the same transaction, under the stock row's lock, so on hand always
equals stock in − handed out, and a hand-over never takes what is not there (CHECK on_hand >= 0 as well)."""

import base64
import binascii

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance import services as assistance_services
from assistance.models import Batch, Payment, Scheme
from portal import idnumber
from portal.models import Region
from portal.permissions import CIVIL_STAFF, require
from portal.services import audit

from ..audit_actions import AuditAction
from ..models import DistributionLine, DistributionPoint, Item, PackageLine, Stock, StockMove
from ._shared import region_within

CHANNEL = "in_kind"
MAX_SIGNATURE_BYTES = 5 * 1024 * 1024
SCAN_MAGIC = {b"%PDF": "pdf", b"\x89PNG": "png", b"\xff\xd8\xff": "jpg"}


@transaction.atomic
def item_create(*, name: str, unit: str, actor) -> Item:
    require(actor, roles=CIVIL_STAFF)
    name, unit = (name or "").strip(), (unit or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("请填写物资名称。")]
    elif Item.objects.filter(name=name).exists():
        errors["name"] = [_("该物资已登记。")]
    if not unit or len(unit) > 8:
        errors["unit"] = [_("请填写计量单位（如 床、件、公斤）。")]
    if errors:
        raise ValidationError(errors)
    item = Item.objects.create(name=name, unit=unit)
    audit(actor=actor, action=AuditAction.ITEM_CREATE, obj=item, after={"name": name, "unit": unit})
    return item


@transaction.atomic
def point_create(*, name: str, region: str, actor, address: str = "") -> DistributionPoint:
    require(actor, roles=CIVIL_STAFF, region=region)
    if not (name or "").strip():
        raise ValidationError({"name": [_("请填写发放点名称。")]})
    if not Region.objects.filter(code=region).exists():
        raise ValidationError({"region": [_("未知的行政区划代码。")]})
    point = DistributionPoint.objects.create(name=name.strip(), region_id=region, address=(address or "").strip())
    audit(actor=actor, action=AuditAction.POINT_CREATE, obj=point, region_code=region, after={"name": point.name})
    return point


@transaction.atomic
def stock_receive(*, point: DistributionPoint, item: Item, quantity: int, actor, note: str = "") -> Stock:
    """Goods arrive at a point (入库)."""
    require(actor, roles=CIVIL_STAFF, region=point.region_id)
    if quantity is None or not 0 < quantity <= 1_000_000:
        raise ValidationError({"quantity": [_("入库数量应为1到1000000之间的整数。")]})
    Stock.objects.get_or_create(point=point, item=item)
    stock = Stock.objects.select_for_update().get(point=point, item=item)
    Stock.objects.filter(pk=stock.pk).update(on_hand=F("on_hand") + quantity)
    StockMove.objects.create(point=point, item=item, kind=StockMove.Kind.IN, quantity=quantity,
                             note=(note or "")[:255], at=timezone.now(), by=actor)
    stock.refresh_from_db()
    audit(actor=actor, action=AuditAction.STOCK_RECEIVE, obj=stock, region_code=point.region_id,
          after={"item": item.name, "quantity": quantity, "on_hand": stock.on_hand})
    return stock


@transaction.atomic
def package_set(*, scheme: Scheme, lines: list[tuple[Item, int]], actor) -> list[PackageLine]:
    """What each recipient of an in-kind scheme receives. Fixed once its first distribution list exists."""
    require(actor, roles=CIVIL_STAFF, region=scheme.region_id)
    if scheme.payment_form != Scheme.PaymentForm.IN_KIND:
        raise ValidationError({"scheme": [_("只有发放形式为实物的项目可以设置实物发放标准。")]})
    clean = [(item, qty) for item, qty in lines if item is not None]
    if not clean or any(qty is None or not 0 < qty <= 10_000 for _i, qty in clean):
        raise ValidationError({"lines": [_("请至少填写一种物资，每份数量为1到10000之间的整数。")]})
    if len({item.pk for item, _q in clean}) != len(clean):
        raise ValidationError({"lines": [_("同一物资只能填写一次。")]})
    if DistributionLine.objects.filter(scheme=scheme).exists():
        raise ValidationError({"scheme": [_("该项目已生成发放清单，实物发放标准不能再修改。")]})
    PackageLine.objects.filter(scheme=scheme).delete()
    made = PackageLine.objects.bulk_create([PackageLine(scheme=scheme, item=i, quantity=q) for i, q in clean])
    audit(actor=actor, action=AuditAction.PACKAGE_SET, obj=scheme, region_code=scheme.region_id,
          after={"lines": [[i.name, q] for i, q in clean]})
    return made


def distribution_list_add(*, batch: Batch, rows: list[dict]) -> list[tuple[int, str, str, str]]:
    """The in-kind channel's step for one chunk of a batch's pending payments: each goes onto the batch's
    distribution list and is answered `sent` (waiting for the hand-over), inserted in bulk. A scheme with
    no package yet answers `failed` (re-issued once it has one)."""
    if not rows:
        return []
    if not PackageLine.objects.filter(scheme_id=batch.scheme_id).exists():
        return [(r["id"], "failed", "", _("未设置实物发放标准")) for r in rows]
    info = {p["id"]: p for p in Payment.objects.filter(id__in=[r["id"] for r in rows]).values(
        "id", "household_id", "region_id", "id_number", "id_number_enc", "id_number_masked")}
    existing = set(DistributionLine.objects.filter(payment_id__in=list(info)).values_list("payment_id", flat=True))
    DistributionLine.objects.bulk_create([
        DistributionLine(scheme_id=batch.scheme_id, batch_id=batch.pk, payment_id=r["id"],
                         household_id=info[r["id"]]["household_id"], region_id=info[r["id"]]["region_id"],
                         name=r["name"], id_number=info[r["id"]]["id_number"],
                         id_number_enc=info[r["id"]]["id_number_enc"],
                         id_number_masked=info[r["id"]]["id_number_masked"])
        for r in rows if r["id"] not in existing], batch_size=5000)
    audit(actor=None, action=AuditAction.DISTRIBUTION_LIST, obj=batch, region_code=batch.region_id,
          after={"lines": len(rows)})
    return [(r["id"], "sent", f"GDS-{batch.pk}-{r['id']}", "") for r in rows]


def _signature_file(scan, tablet_png: str) -> tuple[str, ContentFile]:
    """The signed receipt: a scanned file (PDF/JPG/PNG) or a tablet's PNG as a data URL; exactly one."""
    if bool(scan) == bool(tablet_png):
        raise ValidationError({"signature": [_("请上传签收单扫描件或在平板上签名（二选一）。")]})
    if scan:
        if scan.size > MAX_SIGNATURE_BYTES:
            raise ValidationError({"signature": [_("签收单文件过大：最大 5 MB。")]})
        data = scan.read()
        ext = next((e for magic, e in SCAN_MAGIC.items() if data.startswith(magic)), None)
        if ext is None:
            raise ValidationError({"signature": [_("签收单须为 PDF、JPG 或 PNG 文件。")]})
        return DistributionLine.SignatureKind.SCAN, ContentFile(data, name=f"scan.{ext}")
    prefix = "data:image/png;base64,"
    if not tablet_png.startswith(prefix):
        raise ValidationError({"signature": [_("平板签名数据无效，请重新签名。")]})
    try:
        data = base64.b64decode(tablet_png[len(prefix):], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({"signature": [_("平板签名数据无效，请重新签名。")]}) from None
    if not data.startswith(b"\x89PNG") or len(data) > MAX_SIGNATURE_BYTES or len(data) < 100:
        raise ValidationError({"signature": [_("平板签名数据无效，请重新签名。")]})
    return DistributionLine.SignatureKind.TABLET, ContentFile(data, name="tablet.png")


@transaction.atomic
def handover_record(*, line: DistributionLine, point: DistributionPoint, actor, scan=None, tablet_png: str = "",
                    proxy_name: str = "", proxy_id_number: str = "") -> DistributionLine:
    """Hand a recipient's goods over at a point, signed for by them or by a proxy (name and valid ID number).
    Takes the package from the point's stock (refused, and nothing changes, when any item is short) and
    records the payment as paid (handed over)."""
    require(actor, roles=CIVIL_STAFF, region=line.region_id)
    require(actor, region=point.region_id)
    errors = {}
    if not region_within(line.region_id, point.region_id):
        errors["point"] = [_("该发放点不服务此对象所在区域。")]
    proxy_name, proxy_id_number = (proxy_name or "").strip(), (proxy_id_number or "").strip().upper()
    if proxy_name or proxy_id_number:
        if not proxy_name:
            errors["proxy_name"] = [_("请填写代领人姓名。")]
        try:
            proxy_id_number = idnumber.validate_id_number(proxy_id_number)
        except ValidationError as exc:
            errors["proxy_id_number"] = list(exc.messages)
        else:
            if proxy_id_number == line.id_number:
                errors["proxy_id_number"] = [_("代领人不能是本人。")]
    try:
        kind, content = _signature_file(scan, tablet_png or "")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    line = DistributionLine.objects.select_for_update().get(pk=line.pk)
    if line.status != DistributionLine.Status.PENDING:
        raise ValidationError(_("该对象的实物已领取。"))
    package = list(PackageLine.objects.filter(scheme_id=line.scheme_id).select_related("item").order_by("item_id"))
    stocks = {s.item_id: s for s in Stock.objects.select_for_update().filter(
        point=point, item_id__in=[p.item_id for p in package]).order_by("item_id")}
    short = [p for p in package if stocks.get(p.item_id) is None or stocks[p.item_id].on_hand < p.quantity]
    if short:
        raise ValidationError({"point": [_("库存不足：%(items)s。") % {"items": "、".join(
            f"{p.item.name}需{p.quantity}{p.item.unit}，现有{stocks[p.item_id].on_hand if p.item_id in stocks else 0}"
            f"{p.item.unit}" for p in short)}]})
    now = timezone.now()
    for p in package:
        Stock.objects.filter(pk=stocks[p.item_id].pk).update(on_hand=F("on_hand") - p.quantity)
    line.status = DistributionLine.Status.HANDED_OVER
    line.point = point
    line.signer = DistributionLine.Signer.PROXY if proxy_name else DistributionLine.Signer.RECIPIENT
    line.proxy_name, line.proxy_id_number = proxy_name, proxy_id_number
    line.signature_kind = kind
    line.signature.save(content.name, content, save=False)
    line.handed_at, line.handed_by = now, actor
    line.save()
    StockMove.objects.bulk_create([StockMove(point=point, item_id=p.item_id, kind=StockMove.Kind.OUT,
                                             quantity=p.quantity, line=line, at=now, by=actor) for p in package])
    assistance_services.payments_settle(batch_id=line.batch_id, channel=CHANNEL,
                                        results=[(line.payment_id, "paid", f"GDS-{line.batch_id}-{line.payment_id}", "")])
    audit(actor=actor, action=AuditAction.HANDOVER_RECORD, obj=line, region_code=line.region_id,
          before={"status": DistributionLine.Status.PENDING},
          after={"status": line.status, "point": point.pk, "signer": line.signer, "signature": kind,
                 "items": [[p.item.name, p.quantity] for p in package]})
    return line
