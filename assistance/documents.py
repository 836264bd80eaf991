"""Documents a bureau prints: the approval notice, the rejection notice (不予认定告知书), a household's
monthly entitlement sheet, the payroll roster for signature and the 7-day public notice list (公示).

Each builder returns one plain structure (`Document`) that both the printable page
(templates/assistance/document.html) and the PDF (`pdf_bytes`, reportlab with its built-in CID font
STSong-Light, so no font file is needed) render: the words are written once. Reads only: the callers
pass objects they fetched through the selectors (scoped).
"""

import datetime as dt
import io
from dataclasses import dataclass, field

from django.utils import timezone

from portal import idnumber
from portal.money import yuan_display

from .models import Batch, Enrolment, HouseholdEnrolment, MeansTest, Member, Payment

APPEAL = ("如对本决定不服，可以自收到本告知书之日起60日内向本级人民政府或上一级民政部门申请行政复议，"
          "或者在6个月内依法向人民法院提起行政诉讼。")
ROSTER_PDF_LIMIT = 5000  # rows in one PDF roster; larger batches print by district from the page


@dataclass
class Document:
    title: str
    region_name: str
    paragraphs: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)
    filename: str = "document"


def mask_name(name: str) -> str:
    """张三 → 张*, 张小三 → 张*三, 欧阳小明 → 欧**明 (公示 rules: the surname and the last character stay)."""
    name = name or ""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _today() -> str:
    d = timezone.localdate()
    return f"{d.year}年{d.month}月{d.day}日"


def _cn(d: dt.date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def _head_name(household) -> str:
    return household.head.name if household.head_id else ""


def approval_notice(he: HouseholdEnrolment) -> Document:
    hh = he.household
    rows = [[r.person.name, idnumber.mask(r.person.id_number), yuan_display(r.monthly_amount)]
            for r in Enrolment.objects.filter(household_enrolment=he, end__isnull=True)
            .exclude(status=Enrolment.Status.REVOKED).select_related("person").order_by("id")]
    test = he.means_test
    paras = [f"{_head_name(hh)}（户）：",
             f"经审核确认，你户符合{he.get_category_display()}条件，自{_cn(he.start)}起纳入保障，"
             f"家庭月救助金 {yuan_display(he.monthly_amount)}，按月发放至你户登记的银行账户。"]
    if test is not None:
        paras.append(f"核定依据：家庭人口 {test.members} 人，人均月收入 {yuan_display(test.per_capita_income)}，"
                     f"当地标准 {yuan_display(test.standard)}（每人每月）。")
    paras.append("家庭人口、收入、财产状况发生变化的，请及时告知乡镇（街道）。")
    return Document(title=f"{he.get_category_display()}审批确认通知书", region_name=hh.region.full_name,
                    paragraphs=paras, headers=["姓名", "身份证号码", "个人月救助金"], rows=rows,
                    footer=[f"{hh.region.name}民政局（章）", _today()], filename=f"approval-{he.pk}")


def rejection_notice(test: MeansTest) -> Document:
    hh = test.household
    reasons = "；".join(test.reasons) or "不符合条件"
    paras = [f"{_head_name(hh)}（户）：",
             f"你户的救助申请，经家庭经济状况核对（基准日 {_cn(test.on)}），家庭人均月收入 "
             f"{yuan_display(test.per_capita_income)}，当地低保标准 {yuan_display(test.standard)}。",
             f"不予认定的理由：{reasons}。", APPEAL]
    return Document(title="不予认定告知书", region_name=hh.region.full_name, paragraphs=paras,
                    footer=[f"{hh.region.name}民政局（章）", _today()], filename=f"rejection-{test.pk}")


def entitlement_sheet(household, month: str) -> Document:
    """The household's entitlement for `month` ('YYYY-MM'): each member's row overlapping the month, and
    what the payroll has paid or is paying for it (base line and back-pay)."""
    from .services.build_sql import month_bounds

    first, last = (dt.date.fromisoformat(d) for d in month_bounds(month))
    rows, total = [], 0
    enrolments = Enrolment.objects.filter(household=household, start__lte=last).exclude(
        status=Enrolment.Status.REVOKED).exclude(end__lt=first).select_related("person").order_by("person_id", "start")
    latest = {}
    for e in enrolments:
        latest[(e.person_id, e.category)] = e
    for e in latest.values():
        total += e.monthly_amount
        rows.append([e.person.name, idnumber.mask(e.person.id_number), e.get_category_display(),
                     yuan_display(e.monthly_amount)])
    paid = Payment.objects.filter(household=household, period__startswith=month).exclude(
        status=Payment.Status.CANCELLED)
    paid_total = sum(p.amount for p in paid)
    return Document(title=f"{month[:4]}年{int(month[5:])}月家庭救助金核定表", region_name=household.region.full_name,
                    paragraphs=[f"户主：{_head_name(household)}　住址：{household.address}",
                                f"应发合计 {yuan_display(total)}；本月已发放或发放中 {yuan_display(paid_total)}。"],
                    headers=["姓名", "身份证号码", "类别", "月救助金"], rows=rows,
                    footer=["经办人：", "审核人：", _today()], filename=f"entitlement-{household.pk}-{month}")


def payroll_roster(batch: Batch) -> Document:
    rows = [[str(i), p.name, idnumber.mask(p.id_number), p.period, yuan_display(p.amount), ""]
            for i, p in enumerate(Payment.objects.filter(batch=batch).exclude(status=Payment.Status.CANCELLED)
                                  .order_by("region_id", "household_id", "id")[:ROSTER_PDF_LIMIT], start=1)]
    return Document(title=f"{batch.scheme.name} 发放花名册（{batch.period}）", region_name=batch.region.full_name,
                    paragraphs=[f"批次 #{batch.pk}，共 {batch.recipient_count} 人，合计 {yuan_display(batch.total_amount)}。"],
                    headers=["序号", "姓名", "身份证号码", "发放期", "金额", "签字"], rows=rows,
                    footer=["制表人：", "审核人：", "审批人：", _today()], filename=f"roster-{batch.pk}")


def public_notice(region, enrolments) -> Document:
    """公示 for 7 days of households newly enrolled: names masked 张*三, ID numbers masked."""
    today = timezone.localdate()
    rows = []
    for he in enrolments:
        members = Member.objects.filter(household_id=he.household_id, left_on__isnull=True).count()
        head = he.household.head
        rows.append([mask_name(head.name if head else ""), idnumber.mask(head.id_number if head else ""),
                     he.region.name, he.get_category_display(), str(members), yuan_display(he.monthly_amount)])
    return Document(title="城乡低保、特困人员审核确认结果公示", region_name=region.full_name,
                    paragraphs=[f"公示期：{_cn(today)}至{_cn(today + dt.timedelta(days=6))}（7天）。"
                                "如有异议，请在公示期内向乡镇（街道）或县级民政部门反映。"],
                    headers=["户主", "身份证号码", "所在区域", "类别", "保障人口", "家庭月救助金"], rows=rows,
                    footer=[f"{region.name}民政局", _today()], filename=f"public-notice-{region.code}")


def pdf_bytes(doc: Document) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    title = ParagraphStyle("t", fontName=font, fontSize=16, leading=22, alignment=1)
    body = ParagraphStyle("b", fontName=font, fontSize=11, leading=17, wordWrap="CJK")
    right = ParagraphStyle("r", parent=body, alignment=2)
    buf = io.BytesIO()
    story = [Paragraph(doc.region_name, ParagraphStyle("s", parent=body, alignment=1)), Paragraph(doc.title, title),
             Spacer(1, 10)]
    story += [Paragraph(p, body) for p in doc.paragraphs]
    if doc.headers:
        table = Table([doc.headers, *doc.rows], repeatRows=1)
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 9),
                                   ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)]))
        story += [Spacer(1, 8), table]
    story += [Spacer(1, 16)] + [Paragraph(f, right) for f in doc.footer]
    SimpleDocTemplate(buf, pagesize=A4, title=doc.title, author=doc.region_name).build(story)
    return buf.getvalue()
