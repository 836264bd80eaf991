"""Every write of the certification app, and the one place each rule lives.

- `eligibility_check(facts, level, template)`: entry conditions (rows of `EntryRule`, i.e. data);
- `assessment_record(...)`: scoring rules (parts out of 100, passed at 60; practical = mean of an odd
  number >= 3 of assessors; panel review for levels 2 and 1; a passed part carries over for two years);
- `certificate_issue(...)`, `certificate_revoke(...)`, `certificate_reissue(...)`: certificates and their
  national number (`certificate_number`).
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import idnumber
from portal.scoping import region_in_scope
from portal.services import audit, person_get_or_create, person_name_matches

from .models import (
    Assessment,
    AssessorScore,
    Award,
    Certificate,
    CertificateSerial,
    ClassEnrolment,
    Competition,
    CompetitionEntry,
    Diploma,
    EmploymentFollowUp,
    EntryRule,
    JudgeScore,
    Level,
    PromotionRule,
    Referral,
    Sitting,
    Standard,
    Title,
    TrainingClass,
    TrainingInstitution,
)

PASS_MARK = Decimal("60")
MAX_SCORE = Decimal("100")
CARRY_OVER_YEARS = 2
TWO_PLACES = Decimal("0.01")
LEVEL_NAMES_ZH = {5: "五级", 4: "四级", 3: "三级", 2: "二级", 1: "一级"}


# --------------------------------------------------------------------------- helpers

def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def parse_score(value, field_name: str) -> Decimal:
    """A score out of 100 with at most two decimals (strings, ints or JSON numbers; read via str)."""
    if isinstance(value, bool) or value is None or value == "":
        raise ValidationError({field_name: [_("请填写成绩（0–100）。")]})
    try:
        score = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field_name: [_("成绩必须是0到100之间的数字。")]}) from None
    if not score.is_finite() or score < 0 or score > MAX_SCORE:
        raise ValidationError({field_name: [_("成绩必须在0到100之间。")]})
    if score != score.quantize(TWO_PLACES):
        raise ValidationError({field_name: [_("成绩最多保留两位小数。")]})
    return score.quantize(TWO_PLACES)


def mask_name(name: str) -> str:
    """王建国 -> 王*国, 王芳 -> 王*, 欧阳小明 -> 欧**明."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def active_standard() -> Standard:
    standard = Standard.objects.filter(active=True).order_by("-issued", "id").first()
    if standard is None:
        raise ValidationError(_("尚未配置现行职业标准。"))
    return standard


def level_get(number) -> Level:
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise ValidationError({"level": [_("等级应为1到5的整数。")]}) from None
    level = Level.objects.filter(standard=active_standard(), number=number).select_related("standard").first()
    if level is None:
        raise ValidationError({"level": [_("等级应为1到5的整数。")]})
    return level


# --------------------------------------------------------------------------- entry conditions

@dataclass(frozen=True)
class CandidateFacts:
    """What the entry conditions look at. `cert_levels`: levels of the valid certificates held."""

    years_in_trade: Decimal = Decimal("0")
    age: int | None = None
    cert_levels: frozenset = field(default_factory=frozenset)
    diploma: int = Diploma.NONE
    title: int = Title.NONE
    training_completed_levels: frozenset = field(default_factory=frozenset)


def _rule_failures(rule: EntryRule, facts: CandidateFacts, level: Level) -> list[str]:
    failures = []
    if rule.min_years is not None and facts.years_in_trade < rule.min_years:
        failures.append(_("从业年限%(have)s年，不足%(need)s年") % {"have": facts.years_in_trade, "need": rule.min_years})
    if rule.cert_level is not None and not any(held <= rule.cert_level for held in facts.cert_levels):
        failures.append(_("未持有%(name)s及以上证书") % {"name": LEVEL_NAMES_ZH.get(rule.cert_level, rule.cert_level)})
    if rule.min_diploma is not None and facts.diploma < rule.min_diploma:
        failures.append(_("学历不符（须%(d)s）") % {"d": Diploma(rule.min_diploma).label})
    if rule.min_age is not None and (facts.age is None or facts.age < rule.min_age):
        failures.append(_("年龄未满%(age)s周岁") % {"age": rule.min_age})
    if rule.min_title is not None and facts.title < rule.min_title:
        failures.append(_("未取得%(t)s") % {"t": Title(rule.min_title).label})
    if rule.training_completed and level.number not in facts.training_completed_levels:
        failures.append(_("未完成本等级培训"))
    return failures


def eligibility_check(facts: CandidateFacts, level: Level | int, template: str) -> tuple[bool, list[str]]:
    """Does a candidate meet ANY ONE of the level's entry conditions under `template`?

    The conditions are `EntryRule` rows (seeded from the national standard's pattern by migration
    0002, editable by admins): this function only reads them. Returns (True, [the condition met]) or
    (False, [one line per alternative saying why it is not met]).
    """
    if not isinstance(level, Level):
        level = level_get(level)
    rules = list(EntryRule.objects.filter(level=level, template=template).order_by("position", "id"))
    if not rules:
        return False, [_("%(level)s在%(tpl)s版申报条件下未配置申报条件。") % {"level": level.label, "tpl": template}]
    reasons = []
    for index, rule in enumerate(rules, start=1):
        failures = _rule_failures(rule, facts, level)
        if not failures:
            return True, [rule.description]
        reasons.append(f"{index}. {rule.description}：{'；'.join(failures)}")
    return False, reasons


def candidate_facts(*, person, years_in_trade, on: dt.date, diploma: int = 0, title: int = 0) -> CandidateFacts:
    certs = Certificate.objects.filter(holder=person, status=Certificate.Status.VALID).values_list("level__number", flat=True)
    trained = ClassEnrolment.objects.filter(person=person, completed=True).values_list(
        "training_class__level__number", flat=True)
    return CandidateFacts(
        years_in_trade=Decimal(str(years_in_trade)),
        age=age_on(person.birth_date, on) if person.birth_date else None,
        cert_levels=frozenset(certs),
        diploma=int(diploma or 0),
        title=int(title or 0),
        training_completed_levels=frozenset(trained),
    )


# --------------------------------------------------------------------------- assessments

def practical_average(scores) -> Decimal:
    """Mean of an odd number (>= 3) of independent assessor scores, truncated to 2 places.

    Truncation (not rounding) keeps the stored value consistent with the pass decision: a mean of
    59.996 is stored 59.99 and fails, as it should.
    """
    if not isinstance(scores, list | tuple) or len(scores) < 3 or len(scores) % 2 == 0:
        raise ValidationError({"practical_scores": [_("操作技能须由奇数名（至少3名）考评员独立评分。")]})
    parsed = [parse_score(s, "practical_scores") for s in scores]
    return (sum(parsed) / len(parsed)).quantize(TWO_PLACES, rounding=ROUND_DOWN)


def _carry_over(candidate, level, on: dt.date, part: str):
    """The latest assessment of the same level whose `part` passed within the last two years."""
    return (
        Assessment.objects.filter(candidate=candidate, level=level, sat_on__lte=on,
                                  sat_on__gte=years_before(on, CARRY_OVER_YEARS), **{f"{part}_passed": True})
        .order_by("-sat_on", "-id")
        .first()
    )


@transaction.atomic
def assessment_record(*, candidate_id_number: str, candidate_name: str, level, years_in_trade,
                      theory_score=None, practical_scores=None, review_score=None, diploma: int = 0,
                      title: int = 0, rule_template: str | None = None, institution: TrainingInstitution | None = None,
                      region_code: str | None = None, site_code: str = "001", sat_on: dt.date | None = None,
                      assessors: list[str] | None = None, sitting: Sitting | None = None, actor) -> Assessment:
    """Record one sitting; refuse (ValidationError, nothing saved) a candidate who may not sit the level.

    Omitting `theory_score` or `practical_scores` re-uses that part from a passed sitting of the same
    level within two years (a re-sit of the other part). Passing issues the certificate.
    """
    level = level_get(level)
    if sitting is not None:
        sitting = Sitting.objects.select_for_update(of=("self",)).select_related("institution").get(pk=sitting.pk)
        if sitting.level_id != level.pk:
            raise ValidationError({"level": [_("申报等级与考试场次的等级不一致。")]})
        if sitting.assessments.count() >= sitting.capacity:
            raise ValidationError(_("本场次监考人员不足：理论考试每15名考生至少须有1名监考人员。"))
        if practical_scores and len(practical_scores) != len(sitting.assessors):
            raise ValidationError({"practical_scores": [
                _("本场次共有%(n)s名考评员，须录入每位考评员的评分。") % {"n": len(sitting.assessors)}]})
        institution, region_code, sat_on = sitting.institution, sitting.region_id, sitting.sat_on
        site_code, assessors = sitting.site_code, list(sitting.assessors)
    sat_on = sat_on or timezone.localdate()
    template = rule_template or level.standard.default_template
    if template not in {"2019", "2023"}:
        raise ValidationError({"rule_template": [_("申报条件版本应为2019或2023。")]})
    region_code = institution.region_id if institution else (region_code or getattr(actor, "region_id", None))
    if not region_code:
        raise ValidationError({"region": [_("请指定评价区域或评价机构。")]})
    if not region_in_scope(actor, region_code):
        raise PermissionDenied(_("评价区域不在您的管辖范围内。"))
    try:
        years = Decimal(str(years_in_trade))
    except (InvalidOperation, ValueError):
        raise ValidationError({"years_in_trade": [_("从业年限必须是数字。")]}) from None
    if not years.is_finite() or years < 0 or years > 80:
        raise ValidationError({"years_in_trade": [_("从业年限应在0到80年之间。")]})
    years = years.quantize(Decimal("0.1"), rounding=ROUND_DOWN)

    theory = parse_score(theory_score, "theory_score") if theory_score not in (None, "") else None
    practical = practical_average(practical_scores) if practical_scores else None
    review = None
    if level.requires_review:
        if review_score in (None, ""):
            raise ValidationError({"review_score": [_("二级/技师和一级/高级技师须进行综合评审，请填写评审成绩。")]})
        review = parse_score(review_score, "review_score")

    person = person_get_or_create(id_number=candidate_id_number, name=candidate_name)
    if not person_name_matches(person, candidate_name):
        raise ValidationError({"candidate_name": [_("姓名与身份证号码登记的姓名不一致。")]})

    facts = candidate_facts(person=person, years_in_trade=years, on=sat_on, diploma=diploma, title=title)
    ok, reasons = eligibility_check(facts, level, template)
    if not ok:
        raise ValidationError(
            _("不符合%(level)s申报条件（%(tpl)s版），须满足以下任一条件：%(reasons)s")
            % {"level": level.label, "tpl": template, "reasons": " ".join(reasons)},
            code="not_eligible",
        )

    theory_from = practical_from = None
    if theory is None:
        theory_from = _carry_over(person, level, sat_on, "theory")
        if theory_from is None:
            raise ValidationError({"theory_score": [_("请填写理论知识成绩（两年内无可沿用的合格理论成绩）。")]})
        theory = theory_from.theory_score
    if practical is None:
        practical_from = _carry_over(person, level, sat_on, "practical")
        if practical_from is None:
            raise ValidationError({"practical_scores": [_("请填写操作技能评分（两年内无可沿用的合格技能成绩）。")]})
        practical = practical_from.practical_score

    review_passed = (review >= PASS_MARK) if level.requires_review else None
    assessment = Assessment.objects.create(
        candidate=person, candidate_name=person.name, level=level, rule_template=template, region_id=region_code,
        institution=institution, site_code=(site_code or "001").zfill(3)[:3], years_in_trade=years,
        theory_score=theory, practical_score=practical, review_score=review,
        theory_passed=theory >= PASS_MARK, practical_passed=practical >= PASS_MARK, review_passed=review_passed,
        theory_carried_from=theory_from, practical_carried_from=practical_from, sat_on=sat_on, sitting=sitting,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    assessment.passed = assessment.theory_passed and assessment.practical_passed and review_passed is not False
    assessment.save(update_fields=["passed"])
    if practical_from is None:
        names = assessors or []
        AssessorScore.objects.bulk_create([
            AssessorScore(assessment=assessment, position=i, assessor=(names[i - 1] if i <= len(names) else ""),
                          score=parse_score(s, "practical_scores"))
            for i, s in enumerate(practical_scores, start=1)
        ])
    audit(actor=actor, action="training.assessment_record", obj=assessment, region_code=region_code,
          after={"level": level.number, "theory": str(theory), "practical": str(practical),
                 "review": str(review) if review is not None else None, "passed": assessment.passed})
    if assessment.passed:
        certificate_issue(holder=person, level=level, region_code=region_code, evaluator=institution,
                          issued_on=sat_on, assessment=assessment, site_code=assessment.site_code, actor=actor)
    return assessment


@transaction.atomic
def sitting_create(*, level, sat_on: dt.date, invigilators: list[str], assessors: list[str],
                   institution: TrainingInstitution | None = None, region_code: str | None = None,
                   site_code: str = "001", actor) -> Sitting:
    level = level if isinstance(level, Level) else level_get(level)
    region_code = institution.region_id if institution else (region_code or getattr(actor, "region_id", None))
    if not region_code:
        raise ValidationError({"region": [_("请指定评价区域或评价机构。")]})
    if not region_in_scope(actor, region_code):
        raise PermissionDenied(_("评价区域不在您的管辖范围内。"))
    invigilators = [n.strip() for n in invigilators if n and n.strip()]
    assessors = [n.strip() for n in assessors if n and n.strip()]
    if not invigilators:
        raise ValidationError({"invigilators": [_("理论考试至少须有1名监考人员（每15名考生1名）。")]})
    if len(assessors) < 3 or len(assessors) % 2 == 0 or len(set(assessors)) != len(assessors):
        raise ValidationError({"assessors": [_("操作技能考核须由奇数名（至少3名）不同的考评员组成考评组。")]})
    sitting = Sitting.objects.create(region_id=region_code, institution=institution, level=level, sat_on=sat_on,
                                     site_code=(site_code or "001").zfill(3)[:3], invigilators=invigilators,
                                     assessors=assessors)
    audit(actor=actor, action="training.sitting_create", obj=sitting, region_code=region_code,
          after={"level": level.number, "invigilators": len(invigilators), "assessors": len(assessors)})
    return sitting


# --------------------------------------------------------------------------- certificates

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


@transaction.atomic
def certificate_issue(*, holder, level: Level, region_code: str, evaluator: TrainingInstitution | None = None,
                      issued_on: dt.date | None = None, assessment: Assessment | None = None,
                      site_code: str = "001", source: str = "assessment", actor) -> Certificate:
    """The one way a certificate comes to exist (assessments and competition promotions)."""
    issued_on = issued_on or timezone.localdate()
    if evaluator is not None and evaluator.evaluator_code:
        type_letter, evaluator_code, evaluator_name = evaluator.evaluator_type, evaluator.evaluator_code, evaluator.name
    else:
        from portal.models import Region

        region = Region.objects.get(code=region_code)
        type_letter, evaluator_code = "S", region_code
        evaluator_name = _("%(region)s人力资源和社会保障局") % {"region": region.name}
    serial = _next_serial(evaluator_code, issued_on.year, level.number)
    number = certificate_number(type_letter=type_letter, evaluator_code=evaluator_code, province=region_code[:2],
                                site=site_code, year=issued_on.year, level=level.number, serial=serial)
    certificate = Certificate.objects.create(
        number=number, holder=holder, holder_name=holder.name, id_number=holder.id_number,
        occupation=level.standard.occupation, occupation_code=level.standard.code, level=level,
        evaluator=evaluator if evaluator is not None and evaluator.evaluator_code else None,
        evaluator_name=evaluator_name, evaluator_code=evaluator_code, region_id=region_code,
        assessment=assessment, issued_on=issued_on, source=source,
    )
    audit(actor=actor, action="training.certificate_issue", obj=certificate, region_code=region_code,
          after={"number": number, "level": level.number, "status": certificate.status})
    return certificate


def _locked_certificate(number: str, actor) -> Certificate:
    certificate = Certificate.objects.select_for_update().filter(number=(number or "").strip().upper()).first()
    if certificate is None:
        raise ValidationError(_("证书不存在。"))
    if not region_in_scope(actor, certificate.region_id):
        raise PermissionDenied(_("该证书不在您的管辖范围内。"))
    return certificate


@transaction.atomic
def certificate_revoke(*, number: str, reason: str, actor) -> Certificate:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写撤销原因。")]})
    certificate = _locked_certificate(number, actor)
    if certificate.status == Certificate.Status.REVOKED:
        raise ValidationError(_("该证书已被撤销。"))
    before = {"status": certificate.status}
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revoke_reason = reason[:255]
    certificate.save(update_fields=["status", "revoked_at", "revoke_reason"])
    audit(actor=actor, action="training.certificate_revoke", obj=certificate, region_code=certificate.region_id,
          before=before, after={"status": certificate.status, "reason": certificate.revoke_reason})
    return certificate


@transaction.atomic
def certificate_reissue(*, number: str, reason: str, actor) -> Certificate:
    """Re-print a lost or damaged certificate: same number, a new 补发 note and count."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写补发原因。")]})
    certificate = _locked_certificate(number, actor)
    if certificate.status != Certificate.Status.VALID:
        raise ValidationError(_("已撤销的证书不能补发。"))
    before = {"reissue_count": certificate.reissue_count, "reissue_note": certificate.reissue_note}
    certificate.reissue_count += 1
    certificate.reissue_note = (_("第%(n)s次补发（%(day)s）：%(reason)s")
                                % {"n": certificate.reissue_count, "day": timezone.localdate(), "reason": reason})[:255]
    certificate.save(update_fields=["reissue_count", "reissue_note"])
    audit(actor=actor, action="training.certificate_reissue", obj=certificate, region_code=certificate.region_id,
          before=before, after={"reissue_count": certificate.reissue_count, "reissue_note": certificate.reissue_note})
    return certificate


# --------------------------------------------------------------------------- institutions and classes

@transaction.atomic
def institution_create(*, code: str, name: str, region_code: str, evaluator_code: str = "",
                       evaluator_type: str = "S", address: str = "", actor) -> TrainingInstitution:
    if not region_in_scope(actor, region_code):
        raise PermissionDenied(_("该区域不在您的管辖范围内。"))
    if TrainingInstitution.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("机构代码已存在。")]})
    inst = TrainingInstitution.objects.create(code=code, name=name, region_id=region_code, address=address,
                                              evaluator_code=evaluator_code, evaluator_type=evaluator_type)
    audit(actor=actor, action="training.institution_create", obj=inst, region_code=region_code, after={"name": name})
    return inst


@transaction.atomic
def class_create(*, institution: TrainingInstitution, name: str, level, starts_on, ends_on, teacher: str,
                 capacity: int = 40, sessions: int = 40, actor) -> TrainingClass:
    if not region_in_scope(actor, institution.region_id):
        raise PermissionDenied(_("该机构不在您的管辖范围内。"))
    if ends_on < starts_on:
        raise ValidationError({"ends_on": [_("结业日期不能早于开班日期。")]})
    level = level if isinstance(level, Level) else level_get(level)
    klass = TrainingClass.objects.create(institution=institution, name=name, level=level, starts_on=starts_on,
                                         ends_on=ends_on, teacher=teacher, capacity=capacity, sessions=sessions)
    audit(actor=actor, action="training.class_create", obj=klass, region_code=institution.region_id,
          after={"name": name, "level": level.number})
    return klass


@transaction.atomic
def enrolment_create(*, training_class: TrainingClass, id_number: str, name: str, actor) -> ClassEnrolment:
    training_class = TrainingClass.objects.select_for_update(of=("self",)).select_related("institution").get(pk=training_class.pk)
    if not region_in_scope(actor, training_class.institution.region_id):
        raise PermissionDenied(_("该培训班不在您的管辖范围内。"))
    person = person_get_or_create(id_number=id_number, name=name)
    if not person_name_matches(person, name):
        raise ValidationError({"name": [_("姓名与身份证号码登记的姓名不一致。")]})
    if ClassEnrolment.objects.filter(training_class=training_class, person=person).exists():
        raise ValidationError({"id_number": [_("该学员已报名本班。")]})
    if training_class.enrolments.count() >= training_class.capacity:
        raise ValidationError(_("培训班已满员。"))
    enrolment = ClassEnrolment.objects.create(training_class=training_class, person=person)
    audit(actor=actor, action="training.enrolment_create", obj=enrolment,
          region_code=training_class.institution.region_id, after={"person": idnumber.mask(person.id_number)})
    return enrolment


@transaction.atomic
def enrolment_update(*, enrolment: ClassEnrolment, attendance: int, completed: bool, actor) -> ClassEnrolment:
    enrolment = ClassEnrolment.objects.select_for_update(of=("self",)).select_related("training_class__institution").get(
        pk=enrolment.pk)
    region = enrolment.training_class.institution.region_id
    if not region_in_scope(actor, region):
        raise PermissionDenied(_("该培训班不在您的管辖范围内。"))
    if attendance < 0 or attendance > enrolment.training_class.sessions:
        raise ValidationError({"attendance": [_("出勤课时应在0到总课时之间。")]})
    before = {"attendance": enrolment.attendance, "completed": enrolment.completed}
    enrolment.attendance, enrolment.completed = attendance, completed
    enrolment.save(update_fields=["attendance", "completed"])
    audit(actor=actor, action="training.enrolment_update", obj=enrolment, region_code=region, before=before,
          after={"attendance": attendance, "completed": completed})
    return enrolment


# --------------------------------------------------------------------------- competitions

@transaction.atomic
def competition_create(*, name: str, edition: int, tier: str, region_code: str, held_on: dt.date,
                       organiser: TrainingInstitution | None = None, actor) -> Competition:
    if not region_in_scope(actor, region_code):
        raise PermissionDenied(_("该区域不在您的管辖范围内。"))
    competition = Competition.objects.create(name=name, edition=edition, tier=tier, region_id=region_code,
                                             held_on=held_on, organiser=organiser)
    audit(actor=actor, action="training.competition_create", obj=competition, region_code=region_code,
          after={"name": name, "edition": edition, "tier": tier})
    return competition


def _competition_in_scope(competition: Competition, actor):
    if not region_in_scope(actor, competition.region_id):
        raise PermissionDenied(_("该赛事不在您的管辖范围内。"))


@transaction.atomic
def entry_create(*, competition: Competition, id_number: str, name: str, dish_name: str, actor) -> CompetitionEntry:
    _competition_in_scope(competition, actor)
    person = person_get_or_create(id_number=id_number, name=name)
    if not person_name_matches(person, name):
        raise ValidationError({"name": [_("姓名与身份证号码登记的姓名不一致。")]})
    if CompetitionEntry.objects.filter(competition=competition, person=person).exists():
        raise ValidationError({"id_number": [_("该选手已报名本届赛事。")]})
    entry = CompetitionEntry.objects.create(competition=competition, person=person, dish_name=dish_name.strip())
    audit(actor=actor, action="training.entry_create", obj=entry, region_code=competition.region_id,
          after={"dish": entry.dish_name})
    return entry


@transaction.atomic
def entry_score(*, entry: CompetitionEntry, scores: dict, actor) -> CompetitionEntry:
    """Judges' independent scores {judge: score}; at least three; final = mean truncated to 2 places."""
    entry = CompetitionEntry.objects.select_for_update(of=("self",)).select_related("competition").get(pk=entry.pk)
    _competition_in_scope(entry.competition, actor)
    if len(scores) < 3:
        raise ValidationError({"scores": [_("每件作品至少须有3名评委评分。")]})
    parsed = {judge.strip(): parse_score(score, "scores") for judge, score in scores.items()}
    entry.judge_scores.all().delete()
    JudgeScore.objects.bulk_create([JudgeScore(entry=entry, judge=j, score=v) for j, v in parsed.items()])
    entry.final_score = (sum(parsed.values()) / len(parsed)).quantize(TWO_PLACES, rounding=ROUND_DOWN)
    entry.save(update_fields=["final_score"])
    audit(actor=actor, action="training.entry_score", obj=entry, region_code=entry.competition.region_id,
          after={"final_score": str(entry.final_score)})
    return entry


@transaction.atomic
def entry_award(*, entry: CompetitionEntry, award: str, actor) -> CompetitionEntry:
    entry = CompetitionEntry.objects.select_for_update(of=("self",)).select_related("competition").get(pk=entry.pk)
    _competition_in_scope(entry.competition, actor)
    if award not in Award.values:
        raise ValidationError({"award": [_("奖项无效。")]})
    if entry.final_score is None and award != Award.NONE:
        raise ValidationError({"award": [_("作品尚未评分，不能评奖。")]})
    before = {"award": entry.award}
    entry.award = award
    entry.save(update_fields=["award"])
    audit(actor=actor, action="training.entry_award", obj=entry, region_code=entry.competition.region_id,
          before=before, after={"award": award})
    return entry


def promotion_rule_for(competition: Competition, award: str) -> PromotionRule | None:
    """The most specific active rule for the competition's region (county, then city, then province)."""
    code = competition.region_id
    candidates = [code, code[:4] + "00", code[:2] + "0000"]
    rules = {r.region_id: r for r in PromotionRule.objects.filter(
        region_id__in=candidates, tier=competition.tier, award=award, active=True)}
    return next((rules[c] for c in candidates if c in rules), None)


@transaction.atomic
def promotion_apply(*, entry: CompetitionEntry, actor, issued_on: dt.date | None = None) -> Certificate:
    """Raise an award winner's level under the regional rule (data), at most once per calendar year,
    producing the certificate through `certificate_issue`."""
    entry = CompetitionEntry.objects.select_for_update(of=("self",)).select_related("competition", "person").get(pk=entry.pk)
    competition = entry.competition
    _competition_in_scope(competition, actor)
    if entry.certificate_id:
        raise ValidationError(_("该作品已据此晋升过等级。"))
    rule = promotion_rule_for(competition, entry.award)
    if rule is None:
        raise ValidationError(_("本地区的竞赛晋升规则未对该奖项规定晋升。"))
    issued_on = issued_on or timezone.localdate()
    person = entry.person
    # lock the person's row so two promotions of one person queue (the once-a-year rule holds under concurrency)
    type(person).objects.select_for_update().get(pk=person.pk)
    if Certificate.objects.filter(holder=person, source="competition", issued_on__year=issued_on.year).exists():
        raise ValidationError(_("同一人每年最多通过竞赛晋升一次等级。"))
    held = Certificate.objects.filter(holder=person, status=Certificate.Status.VALID).values_list(
        "level__number", flat=True)
    current = min(held, default=None)
    target = rule.grant_level if current is None else max(current - rule.levels_up, rule.highest_level)
    if current is not None and target >= current:
        raise ValidationError(_("已达到该规则可晋升的最高等级。"))
    level = level_get(target)
    certificate = certificate_issue(holder=person, level=level, region_code=competition.region_id,
                                    evaluator=competition.organiser, issued_on=issued_on, source="competition",
                                    actor=actor)
    entry.certificate = certificate
    entry.save(update_fields=["certificate"])
    audit(actor=actor, action="training.promotion_apply", obj=entry, region_code=competition.region_id,
          after={"certificate": certificate.number, "level": target, "from": current})
    return certificate


# --------------------------------------------------------------------------- employment follow-up

FOLLOW_UP_AFTER_DAYS = 182


@transaction.atomic
def followup_record(*, certificate: Certificate, followed_on: dt.date, outcome: str, brand: str = "cuisine",
                    employer: str = "", income_before: int = 0, income_after: int = 0, jobs_created: int = 0,
                    actor) -> EmploymentFollowUp:
    """Record the six-month follow-up of a certified maker. Incomes are integer fen (parse with to_fen)."""
    if not region_in_scope(actor, certificate.region_id):
        raise PermissionDenied(_("该证书不在您的管辖范围内。"))
    if followed_on < certificate.issued_on + dt.timedelta(days=FOLLOW_UP_AFTER_DAYS):
        raise ValidationError({"followed_on": [_("就业回访须在发证满六个月后进行。")]})
    if outcome not in EmploymentFollowUp.Outcome.values:
        raise ValidationError({"outcome": [_("就业情况无效。")]})
    if min(income_before, income_after, jobs_created) < 0:
        raise ValidationError(_("收入和带动就业人数不能为负数。"))
    if outcome == EmploymentFollowUp.Outcome.NOT_WORKING and jobs_created:
        raise ValidationError({"jobs_created": [_("未就业者不应填写带动就业人数。")]})
    if EmploymentFollowUp.objects.filter(certificate=certificate, followed_on=followed_on).exists():
        raise ValidationError({"followed_on": [_("该证书当日已有回访记录。")]})
    followup = EmploymentFollowUp.objects.create(
        certificate=certificate, person=certificate.holder, region_id=certificate.region_id, followed_on=followed_on,
        outcome=outcome, brand=brand, employer=employer, income_before=income_before, income_after=income_after,
        jobs_created=jobs_created, created_by=actor if getattr(actor, "pk", None) else None)
    audit(actor=actor, action="training.followup_record", obj=followup, region_code=certificate.region_id,
          after={"outcome": outcome, "income_before": income_before, "income_after": income_after,
                 "jobs_created": jobs_created})
    return followup


# --------------------------------------------------------------------------- referrals (就业帮扶)

@transaction.atomic
def referral_create(*, id_number: str, name: str, level_wanted: int = 5, note: str = "",
                    region_code: str | None = None, actor) -> Referral:
    """A caseworker refers a person to training; the referral belongs to the caseworker's region
    (or a region within it)."""
    region_code = region_code or getattr(actor, "region_id", None)
    if not region_code:
        raise ValidationError(_("转介人须有管辖区域。"))
    if not region_in_scope(actor, region_code):
        raise PermissionDenied(_("该区域不在您的管辖范围内。"))
    person = person_get_or_create(id_number=id_number, name=name)
    if not person_name_matches(person, name):
        raise ValidationError({"name": [_("姓名与身份证号码登记的姓名不一致。")]})
    if Referral.objects.filter(person=person, region_id=region_code).exists():
        raise ValidationError({"id_number": [_("该人员已由本区域转介。")]})
    if not 1 <= int(level_wanted) <= 5:
        raise ValidationError({"level_wanted": [_("等级应为1到5的整数。")]})
    referral = Referral.objects.create(person=person, region_id=region_code, referred_by=actor,
                                       level_wanted=level_wanted, note=note)
    audit(actor=actor, action="training.referral_create", obj=referral, region_code=region_code,
          after={"person": idnumber.mask(person.id_number), "level_wanted": level_wanted})
    return referral
