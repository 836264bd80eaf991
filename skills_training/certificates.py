"""Rendering a certificate: the QR link (SVG) and the printable PDF (reportlab, CID font for Chinese)."""

import io

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from portal import pii

from .models import Certificate
from .selectors import qr_token


def verify_url(cert: Certificate, request=None) -> str:
    path = f"{reverse('skills_training:verify-qr', args=[cert.number])}?n={qr_token(cert.number)}"
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.PORTAL_PUBLIC_BASE_URL.rstrip("/") + path


def qr_svg(url: str, scale: int = 4) -> str:
    return segno.make(url, error="m").svg_inline(scale=scale, title="证书查验二维码")


def _printed_id_number(cert: Certificate) -> str:
    """The full ID number printed on the certificate: decrypted for this PDF only (portal.pii); the view
    that serves the PDF audits the print once."""
    value = cert.__dict__.get("id_number")
    if value is not None and not isinstance(value, pii.Sealed):  # issued in this process, not yet reloaded
        return pii.normalize(pii.ID, value)
    return pii.decrypt_for_file(pii.ID, cert.id_number_enc)


def certificate_pdf(cert: Certificate, url: str) -> bytes:
    # Deliberately lazy: reportlab is a heavy import needed only when a PDF is printed, not by every process
    # that loads the views (workers, the API, management commands).
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(f"职业技能等级证书 {cert.number}")
    pdf.setLineWidth(2)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    pdf.setFont(font, 28)
    pdf.drawCentredString(width / 2, height - 40 * mm, "职业技能等级证书")
    pdf.setFont(font, 13)
    rows = [
        ("姓　　名", cert.holder_name),
        ("证件类型", cert.id_type),
        ("证件号码", _printed_id_number(cert)),
        ("职业(工种)", f"{cert.occupation}（{cert.occupation_code}）"),
        ("职业技能等级", cert.level.label),
        ("证书编号", cert.number),
        ("评价机构", f"{cert.evaluator_name}（{cert.evaluator_code}）"),
        ("发证日期", f"{cert.issued_on:%Y年%m月%d日}"),
    ]
    if cert.reissue_note:
        rows.append(("补发记录", cert.reissue_note))
    y = height - 62 * mm
    for label, value in rows:
        pdf.drawString(30 * mm, y, f"{label}：")
        pdf.drawString(68 * mm, y, str(value))
        y -= 11 * mm
    if cert.status == Certificate.Status.REVOKED:
        pdf.setFont(font, 20)
        pdf.setFillColorRGB(0.8, 0, 0)
        pdf.drawString(30 * mm, y - 4 * mm, f"已撤销（{timezone.localtime(cert.revoked_at):%Y-%m-%d}）：{cert.revoke_reason}")
        pdf.setFillColorRGB(0, 0, 0)
    # QR drawn module by module from segno's matrix: crisp vectors, no image library needed.
    qr = segno.make(url, error="m")
    size = 50 * mm
    module = size / len(qr.matrix)
    x0, y0 = width - 30 * mm - size, 30 * mm
    for r, row in enumerate(qr.matrix):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(x0 + c * module, y0 + size - (r + 1) * module, module, module, stroke=0, fill=1)
    pdf.setFont(font, 9)
    pdf.drawCentredString(x0 + size / 2, y0 - 6 * mm, "扫码查验证书真伪")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
