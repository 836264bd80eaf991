"""Certificates: issuing one (the only way one comes to exist), revoking, re-issuing, and the national number.

`certificate_issue` is a step of `assessment_record` and `promotion_apply`, which pass the gate before they
call it; `certificate_revoke` and `certificate_reissue` are services of their own (pages, API, admin).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import pii
from portal.models import Region
from portal.services import audit

from ..audit_actions import AuditAction
from ..models import Assessment, Certificate, CertificateSerial, Level, TrainingInstitution
from .common import require_staff


def certificate_number(*, type_letter: str, evaluator_code: str, province: str, site: str, year: int,
                       level: int, serial: int) -> str:
    """The 22-character national number: 1 letter + 21 digits.

    | chars | width | meaning |
    | 1     | 1     | type letter: S = 社会培训评价组织 (social training & evaluation organisation),
    |       |       | Y = 用人单位 (employer) — both issue 职业技能等级证书 |
    | 2–7   | 6     | evaluator code (the organisation's recorded code; when no organisation is named, the
    |       |       | region code of the human-resources department that ran the sitting) |
    | 8–9   | 2     | province (first two digits of the GB/T 2260 region code) |
    | 10–12 | 3     | evaluation site (考点) number within the evaluator |
    | 13–14 | 2     | year of issue, two digits |
    | 15    | 1     | level (1–5) |
    | 16–22 | 7     | serial per (evaluator, year, level), from `CertificateSerial` |

    6 + 2 + 3 + 2 + 1 + 7 = 21 digits.
    """
    if serial < 1 or serial > 9_999_999:
        raise ValidationError(_("证书流水号已用尽。"))
    number = f"{type_letter}{evaluator_code:0>6}{province:0>2}{site:0>3}{year % 100:02d}{level}{serial:07d}"
    if len(number) != 22:
        raise ValidationError(_("证书编号格式错误。"))
    return number


def _next_serial(evaluator_code: str, year: int, level: int) -> int:
    """Allocate a serial under a row lock: concurrent issuers queue here and never share a number."""
    lookup = {"evaluator_code": evaluator_code, "year": year, "level": level}
    counter = CertificateSerial.objects.select_for_update().filter(**lookup).first()
    if counter is None:
        try:
            with transaction.atomic():
                CertificateSerial.objects.create(**lookup, last_serial=0)
        except IntegrityError:
            pass  # another transaction created it first; lock theirs
        counter = CertificateSerial.objects.select_for_update().get(**lookup)
    counter.last_serial += 1
    counter.save(update_fields=["last_serial"])
    return counter.last_serial


def _id_number_of(holder) -> dict:
    """The holder's ID number for the certificate, encrypted at rest (portal.pii): a stored number is copied
    as stored (HMAC, ciphertext, masked form; nothing decrypted); a number given in this process is
    encrypted when the certificate is saved."""
    value = holder.id_number
    if isinstance(value, pii.Sealed):
        return {"id_number": value, "id_number_enc": holder.id_number_enc, "id_number_masked": holder.id_number_masked}
    return {"id_number": value}


@transaction.atomic
def certificate_issue(*, holder, level: Level, region_code: str, evaluator: TrainingInstitution | None = None,
                      issued_on: dt.date | None = None, assessment: Assessment | None = None,
                      site_code: str = "001", source: str = "assessment", actor) -> Certificate:
    """The one way a certificate comes to exist. A step of `assessment_record` and `promotion_apply`, which
    have passed the gate for this region already; `actor` is recorded in the audit row only."""
    issued_on = issued_on or timezone.localdate()
    if evaluator is not None and evaluator.evaluator_code:
        type_letter, evaluator_code, evaluator_name = evaluator.evaluator_type, evaluator.evaluator_code, evaluator.name
    else:
        region = Region.objects.get(code=region_code)
        type_letter, evaluator_code = "S", region_code
        evaluator_name = _("%(region)s人力资源和社会保障局") % {"region": region.name}
    serial = _next_serial(evaluator_code, issued_on.year, level.number)
    number = certificate_number(type_letter=type_letter, evaluator_code=evaluator_code, province=region_code[:2],
                                site=site_code, year=issued_on.year, level=level.number, serial=serial)
    certificate = Certificate.objects.create(
        number=number, holder=holder, holder_name=holder.name,
        **_id_number_of(holder),
        occupation=level.standard.occupation, occupation_code=level.standard.code, level=level,
        evaluator=evaluator if evaluator is not None and evaluator.evaluator_code else None,
        evaluator_name=evaluator_name, evaluator_code=evaluator_code, region_id=region_code,
        assessment=assessment, issued_on=issued_on, source=source,
    )
    audit(actor=actor, action=AuditAction.CERTIFICATE_ISSUE, obj=certificate, region_code=region_code,
          after={"number": number, "level": level.number, "status": certificate.status})
    return certificate


def _locked_certificate(number: str, actor) -> Certificate:
    """The certificate, row-locked, once the actor has passed the gate for its region."""
    certificate = Certificate.objects.select_for_update().filter(number=(number or "").strip().upper()).first()
    if certificate is None:
        raise ValidationError(_("证书不存在。"))
    require_staff(actor, certificate.region_id, message=_("该证书不在您的管辖范围内。"))
    return certificate


@transaction.atomic
def certificate_revoke(*, number: str, reason: str, actor) -> Certificate:
    certificate = _locked_certificate(number, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写撤销原因。")]})
    if certificate.status == Certificate.Status.REVOKED:
        raise ValidationError(_("该证书已被撤销。"))
    before = {"status": certificate.status}
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revoke_reason = reason[:255]
    certificate.save(update_fields=["status", "revoked_at", "revoke_reason"])
    audit(actor=actor, action=AuditAction.CERTIFICATE_REVOKE, obj=certificate, region_code=certificate.region_id,
          before=before, after={"status": certificate.status, "reason": certificate.revoke_reason})
    return certificate


@transaction.atomic
def certificate_reissue(*, number: str, reason: str, actor) -> Certificate:
    """Re-print a lost or damaged certificate: same number, a new 补发 note and count."""
    certificate = _locked_certificate(number, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写补发原因。")]})
    if certificate.status != Certificate.Status.VALID:
        raise ValidationError(_("已撤销的证书不能补发。"))
    before = {"reissue_count": certificate.reissue_count, "reissue_note": certificate.reissue_note}
    certificate.reissue_count += 1
    certificate.reissue_note = (_("第%(n)s次补发（%(day)s）：%(reason)s")
                                % {"n": certificate.reissue_count, "day": timezone.localdate(), "reason": reason})[:255]
    certificate.save(update_fields=["reissue_count", "reissue_note"])
    audit(actor=actor, action=AuditAction.CERTIFICATE_REISSUE, obj=certificate, region_code=certificate.region_id,
          before=before, after={"reissue_count": certificate.reissue_count, "reissue_note": certificate.reissue_note})
    return certificate
