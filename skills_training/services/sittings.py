"""A sitting's work as a whole: the assessor register, admission tickets, score sheets imported for a sitting
(all or nothing, with a per-row report), the results published for a notice period (公示), objections, and
the certificates issued once the period has passed (by an action, or the daily job)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import idnumber, pii
from portal.services import audit, person_get_or_create, person_name_matches
from portal.tabular import read_table

from ..audit_actions import AuditAction
from ..models import Assessment, Assessor, AssessorScore, Certificate, Objection, Sitting, SittingCandidate
from .assessments import assessment_record
from .certificates import certificate_issue
from .common import require_staff

NOTICE_WORKING_DAYS = 5  # the default notice period (公示期); each sitting keeps its own


def add_working_days(day: dt.date, n: int) -> dt.date:
    """`n` working days (Monday to Friday) after `day`."""
    while n > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def _locked_sitting(sitting: Sitting, actor) -> Sitting:
    sitting = Sitting.objects.select_for_update(of=("self",)).select_related("level", "institution").get(pk=sitting.pk)
    require_staff(actor, sitting.region_id, message=_("该考试场次不在您的管辖范围内。"))
    return sitting


# ---------------------------------------------------------------- assessors (考评员名册)

@transaction.atomic
def assessor_create(*, name: str, id_number: str, region_code: str, qualification_no: str, levels: list[int],
                    valid_until: dt.date, institution=None, actor) -> Assessor:
    require_staff(actor, institution.region_id if institution else region_code,
                  message=_("该区域不在您的管辖范围内。"))
    id_number = idnumber.validate_id_number(id_number)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("请填写考评员姓名。")]})
    levels = sorted({int(x) for x in levels or []})
    if not levels or any(x not in range(1, 6) for x in levels):
        raise ValidationError({"levels": [_("请选择可考评的等级（一级至五级）。")]})
    if not (qualification_no or "").strip():
        raise ValidationError({"qualification_no": [_("请填写考评员证书编号。")]})
    if Assessor.objects.filter(id_number=id_number).exists():
        raise ValidationError({"id_number": [_("该考评员已在名册中。")]})
    assessor = Assessor.objects.create(name=name, id_number=id_number, region_id=region_code,
                                       institution=institution, qualification_no=qualification_no.strip(),
                                       levels=levels, valid_until=valid_until)
    audit(actor=actor, action=AuditAction.ASSESSOR_CREATE, obj=assessor, region_code=region_code,
          after={"name": name, "levels": levels, "valid_until": valid_until.isoformat()})
    return assessor


# ---------------------------------------------------------------- admission tickets (准考证)

@transaction.atomic
def candidate_admit(*, sitting: Sitting, id_number: str, name: str, actor) -> SittingCandidate:
    """Admit a candidate to a sitting and give them an admission ticket number (date, sitting, seat)."""
    sitting = _locked_sitting(sitting, actor)
    if sitting.results_published_at is not None:
        raise ValidationError(_("本场次成绩已公示，不能再增加考生。"))
    person = person_get_or_create(id_number=id_number, name=name)
    if not person_name_matches(person, name):
        raise ValidationError({"name": [_("姓名与身份证号码登记的姓名不一致。")]})
    if SittingCandidate.objects.filter(sitting=sitting, person=person).exists():
        raise ValidationError({"id_number": [_("该考生已在本场次。")]})
    seat = sitting.candidates.count() + 1
    if seat > sitting.capacity:
        raise ValidationError(_("本场次监考人员不足：理论考试每15名考生至少须有1名监考人员。"))
    ticket = f"{sitting.sat_on:%Y%m%d}{sitting.pk % 10000:04d}{seat:03d}"
    candidate = SittingCandidate.objects.create(sitting=sitting, person=person, ticket_no=ticket, seat=seat)
    audit(actor=actor, action=AuditAction.CANDIDATE_ADMIT, obj=candidate, region_code=sitting.region_id,
          after={"ticket": ticket, "person": idnumber.mask(person.id_number)})
    return candidate


# ---------------------------------------------------------------- score sheets

def score_sheet_rows(data: bytes, filename: str, sitting: Sitting) -> list[dict]:
    """Parse a sitting's score sheet (CSV/XLSX). Header: 身份证号码, 姓名, 从业年限, 理论成绩, one column per
    assessor of the sitting (by name), 综合评审成绩 (levels 2 and 1). Reads only."""
    table = [row for row in read_table(data, filename) if any(c for c in row)]
    if not table:
        raise ValidationError({"file": [_("文件是空的。")]})
    header = [c.strip() for c in table[0]]
    required = ["身份证号码", "姓名", "从业年限", "理论成绩", *sitting.assessors]
    missing = [h for h in required if h not in header]
    if missing:
        raise ValidationError({"file": [_("表头缺少：%(cols)s（每位考评员一列，列名为考评员姓名）。")
                                        % {"cols": "、".join(missing)}]})
    rows = []
    for cells in table[1:]:
        cells = cells + [""] * (len(header) - len(cells))
        row = dict(zip(header, cells, strict=False))
        rows.append({"id_number": row["身份证号码"], "name": row["姓名"], "years_in_trade": row["从业年限"],
                     "theory_score": row["理论成绩"], "review_score": row.get("综合评审成绩", ""),
                     "scores": {a: row[a] for a in sitting.assessors}})
    return rows


@transaction.atomic
def sitting_results_import(*, sitting: Sitting, rows: list[dict], actor, by_row: bool = False) -> int:
    """Record a sitting's score sheet as a whole: every row, or none (a per-row report in the refusal).
    Each practical score is kept with the assessor who gave it; certificates are held until the results
    have been published for the notice period.

    `by_row` (the on-screen score grid): the refusal names each row by its index in `rows` ({"0": [...]})
    instead of its line in the uploaded file ({"file": ["第 2 行：…"]})."""
    sitting = _locked_sitting(sitting, actor)
    if sitting.results_published_at is not None:
        raise ValidationError(_("本场次成绩已公示，不能再导入成绩。"))
    if not rows:
        raise ValidationError({"file": [_("成绩表中没有考生。")]})
    admitted = {a.hmac for a in sitting.candidates.values_list("person__id_number", flat=True)}
    register = {a.name: a for a in Assessor.objects.filter(name__in=sitting.assessors, region__code__startswith=sitting.region_id[:2])}
    report, seen = [], set()
    for n, row in enumerate(rows, start=2):  # row 1 is the header
        raw = row.get("id_number") or ""
        # a typed or uploaded number, or (from the score grid) the candidate's stored number, compared by HMAC
        number = raw if isinstance(raw, pii.Sealed) else raw.strip().upper()
        mac = number.hmac if isinstance(number, pii.Sealed) else pii.digest(pii.ID, number)
        try:
            if number in seen:
                raise ValidationError(_("身份证号码在表中重复。"))
            seen.add(number)
            if admitted and mac not in admitted:  # stored values compare by HMAC
                raise ValidationError(_("该考生未报名本场次（无准考证）。"))
            missing = [a for a, v in row["scores"].items() if str(v).strip() == ""]
            if missing:
                raise ValidationError(_("缺少考评员评分：%(names)s。") % {"names": "、".join(missing)})
            with transaction.atomic():
                assessment = assessment_record(
                    candidate_id_number=number, candidate_name=(row.get("name") or "").strip(),
                    level=sitting.level.number, years_in_trade=row.get("years_in_trade") or "",
                    theory_score=row.get("theory_score"), review_score=row.get("review_score") or None,
                    practical_scores=[row["scores"][a] for a in sitting.assessors], sitting=sitting,
                    hold_certificate=True, actor=actor)
                for score in AssessorScore.objects.filter(assessment=assessment):
                    if score.assessor in register:
                        score.assessor_ref = register[score.assessor]
                        score.save(update_fields=["assessor_ref"])
        except ValidationError as exc:
            if by_row:
                report.append((str(n - 2), "；".join(exc.messages)))
            else:
                report.append(_("第 %(n)s 行：%(msg)s") % {"n": n, "msg": "；".join(exc.messages)})
    if report:  # all or nothing: the outer transaction rolls back
        raise ValidationError(dict(report) if by_row else {"file": report})
    audit(actor=actor, action=AuditAction.SITTING_RESULTS_IMPORT, obj=sitting, region_code=sitting.region_id,
          after={"rows": len(rows)})
    return len(rows)


# ---------------------------------------------------------------- notice period (公示) and issuing

@transaction.atomic
def sitting_results_publish(*, sitting: Sitting, actor, notice_working_days: int | None = None,
                            now: dt.datetime | None = None) -> Sitting:
    """Publish the sitting's results list for its notice period (default 5 working days)."""
    sitting = _locked_sitting(sitting, actor)
    if sitting.results_published_at is not None:
        raise ValidationError(_("本场次成绩已公示。"))
    if not sitting.assessments.exists():
        raise ValidationError(_("本场次还没有成绩，不能公示。"))
    days = sitting.notice_working_days if notice_working_days is None else int(notice_working_days)
    if not 1 <= days <= 30:
        raise ValidationError({"notice_working_days": [_("公示期应为 1 到 30 个工作日。")]})
    now = now or timezone.now()
    sitting.notice_working_days = days
    sitting.results_published_at = now
    sitting.notice_until = add_working_days(timezone.localdate(now), days)
    sitting.save(update_fields=["notice_working_days", "results_published_at", "notice_until"])
    audit(actor=actor, action=AuditAction.SITTING_RESULTS_PUBLISH, obj=sitting, region_code=sitting.region_id,
          after={"notice_until": sitting.notice_until.isoformat(), "days": days})
    return sitting


@transaction.atomic
def objection_record(*, assessment: Assessment, raised_by: str, reason: str, actor,
                     today: dt.date | None = None) -> Objection:
    """Record an objection to a published result during its notice period; it holds that certificate."""
    assessment = Assessment.objects.select_related("sitting").get(pk=assessment.pk)
    require_staff(actor, assessment.region_id, message=_("该评价记录不在您的管辖范围内。"))
    sitting = assessment.sitting
    today = today or timezone.localdate()
    if sitting is None or sitting.results_published_at is None:
        raise ValidationError(_("成绩尚未公示，不能登记异议。"))
    if sitting.notice_until < today or sitting.certificates_issued_at is not None:
        raise ValidationError(_("公示期已结束，不能再登记异议。"))
    if not (raised_by or "").strip() or not (reason or "").strip():
        raise ValidationError({"reason": [_("请填写异议提出人和异议内容。")]})
    objection = Objection.objects.create(assessment=assessment, raised_by=raised_by.strip()[:64],
                                         reason=reason.strip()[:500])
    audit(actor=actor, action=AuditAction.OBJECTION_RECORD, obj=objection, region_code=assessment.region_id,
          after={"assessment": assessment.pk})
    return objection


@transaction.atomic
def objection_resolve(*, objection: Objection, upheld: bool, resolution: str, actor) -> Objection:
    """Decide an objection: upheld, the candidate's certificate is not issued; dismissed, it is released."""
    objection = Objection.objects.select_for_update(of=("self",)).select_related("assessment").get(pk=objection.pk)
    require_staff(actor, objection.assessment.region_id, message=_("该评价记录不在您的管辖范围内。"))
    if objection.status != Objection.Status.OPEN:
        raise ValidationError(_("该异议已处理。"))
    if not (resolution or "").strip():
        raise ValidationError({"resolution": [_("请填写处理意见。")]})
    objection.status = Objection.Status.UPHELD if upheld else Objection.Status.DISMISSED
    objection.resolution, objection.resolved_at = resolution.strip()[:500], timezone.now()
    objection.save(update_fields=["status", "resolution", "resolved_at"])
    audit(actor=actor, action=AuditAction.OBJECTION_RESOLVE, obj=objection,
          region_code=objection.assessment.region_id, after={"status": objection.status})
    return objection


def _issue_locked(sitting: Sitting, actor, today: dt.date) -> list[Certificate]:
    """Issue the held certificates of a locked sitting whose notice period has passed: every passed
    candidate without one and without an open or upheld objection. Done once nothing is held any more."""
    issued = []
    held = False
    for assessment in (sitting.assessments.filter(passed=True, certificate__isnull=True)
                       .select_related("candidate", "level").order_by("id")):
        if assessment.objections.exclude(status=Objection.Status.DISMISSED).exists():
            held = held or assessment.objections.filter(status=Objection.Status.OPEN).exists()
            continue
        issued.append(certificate_issue(holder=assessment.candidate, level=assessment.level,
                                        region_code=sitting.region_id, evaluator=sitting.institution,
                                        issued_on=today, assessment=assessment, site_code=sitting.site_code,
                                        actor=actor))
    if not held:
        sitting.certificates_issued_at = timezone.now()
        sitting.save(update_fields=["certificates_issued_at"])
    audit(actor=actor, action=AuditAction.SITTING_CERTIFICATES_ISSUE, obj=sitting, region_code=sitting.region_id,
          after={"issued": len(issued), "held": held})
    return issued


@transaction.atomic
def sitting_certificates_issue(*, sitting: Sitting, actor, today: dt.date | None = None) -> list[Certificate]:
    """Issue a sitting's certificates once its notice period has passed (the action; the daily job is
    `sittings_issue_due`)."""
    sitting = _locked_sitting(sitting, actor)
    today = today or timezone.localdate()
    if sitting.results_published_at is None:
        raise ValidationError(_("成绩尚未公示，不能颁发证书。"))
    if sitting.notice_until >= today:
        raise ValidationError(_("公示期至 %(day)s，期满后才能颁发证书。") % {"day": sitting.notice_until.isoformat()})
    return _issue_locked(sitting, actor, today)


def sittings_issue_due(today: dt.date | None = None) -> int:
    """The daily job's step (no actor): issue the certificates of every sitting whose notice period ended."""
    today = today or timezone.localdate()
    count = 0
    for pk in Sitting.objects.filter(results_published_at__isnull=False, notice_until__lt=today,
                                     certificates_issued_at__isnull=True).values_list("pk", flat=True):
        with transaction.atomic():
            sitting = Sitting.objects.select_for_update(of=("self",)).select_related("institution").get(pk=pk)
            if sitting.certificates_issued_at is None:
                count += len(_issue_locked(sitting, None, today))
    return count
