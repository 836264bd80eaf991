"""Institutions, training classes, enrolments and attendance, and examination sittings."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal import idnumber
from portal.permissions import require
from portal.services import audit, person_get_or_create, person_name_matches

from ..audit_actions import AuditAction
from ..models import ClassEnrolment, Level, Sitting, TrainingClass, TrainingInstitution
from .common import TRAINING_STAFF, evaluation_region, require_staff
from .standard import level_get


@transaction.atomic
def institution_create(*, code: str, name: str, region_code: str, evaluator_code: str = "",
                       evaluator_type: str = "S", address: str = "", actor) -> TrainingInstitution:
    require_staff(actor, region_code, message=_("该区域不在您的管辖范围内。"))
    if TrainingInstitution.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("机构代码已存在。")]})
    inst = TrainingInstitution.objects.create(code=code, name=name, region_id=region_code, address=address,
                                              evaluator_code=evaluator_code, evaluator_type=evaluator_type)
    audit(actor=actor, action=AuditAction.INSTITUTION_CREATE, obj=inst, region_code=region_code, after={"name": name})
    return inst


@transaction.atomic
def class_create(*, institution: TrainingInstitution, name: str, level, starts_on, ends_on, teacher: str,
                 capacity: int = 40, sessions: int = 40, actor) -> TrainingClass:
    require_staff(actor, institution.region_id, message=_("该机构不在您的管辖范围内。"))
    if ends_on < starts_on:
        raise ValidationError({"ends_on": [_("结业日期不能早于开班日期。")]})
    level = level if isinstance(level, Level) else level_get(level)
    klass = TrainingClass.objects.create(institution=institution, name=name, level=level, starts_on=starts_on,
                                         ends_on=ends_on, teacher=teacher, capacity=capacity, sessions=sessions)
    audit(actor=actor, action=AuditAction.CLASS_CREATE, obj=klass, region_code=institution.region_id,
          after={"name": name, "level": level.number})
    return klass


@transaction.atomic
def enrolment_create(*, training_class: TrainingClass, id_number: str, name: str, actor) -> ClassEnrolment:
    training_class = TrainingClass.objects.select_for_update(of=("self",)).select_related("institution").get(pk=training_class.pk)
    require_staff(actor, training_class.institution.region_id, message=_("该培训班不在您的管辖范围内。"))
    person = person_get_or_create(id_number=id_number, name=name)
    if not person_name_matches(person, name):
        raise ValidationError({"name": [_("姓名与身份证号码登记的姓名不一致。")]})
    if ClassEnrolment.objects.filter(training_class=training_class, person=person).exists():
        raise ValidationError({"id_number": [_("该学员已报名本班。")]})
    if training_class.enrolments.count() >= training_class.capacity:
        raise ValidationError(_("培训班已满员。"))
    enrolment = ClassEnrolment.objects.create(training_class=training_class, person=person)
    audit(actor=actor, action=AuditAction.ENROLMENT_CREATE, obj=enrolment,
          region_code=training_class.institution.region_id, after={"person": idnumber.mask(person.id_number)})
    return enrolment


@transaction.atomic
def enrolment_update(*, enrolment: ClassEnrolment, attendance: int, completed: bool, actor) -> ClassEnrolment:
    enrolment = ClassEnrolment.objects.select_for_update(of=("self",)).select_related("training_class__institution").get(
        pk=enrolment.pk)
    region = enrolment.training_class.institution.region_id
    require_staff(actor, region, message=_("该培训班不在您的管辖范围内。"))
    if attendance < 0 or attendance > enrolment.training_class.sessions:
        raise ValidationError({"attendance": [_("出勤课时应在0到总课时之间。")]})
    before = {"attendance": enrolment.attendance, "completed": enrolment.completed}
    enrolment.attendance, enrolment.completed = attendance, completed
    enrolment.save(update_fields=["attendance", "completed"])
    audit(actor=actor, action=AuditAction.ENROLMENT_UPDATE, obj=enrolment, region_code=region, before=before,
          after={"attendance": attendance, "completed": completed})
    return enrolment


@transaction.atomic
def sitting_create(*, level, sat_on: dt.date, invigilators: list[str], assessors: list[str],
                   institution: TrainingInstitution | None = None, region_code: str | None = None,
                   site_code: str = "001", actor) -> Sitting:
    require(actor, roles=TRAINING_STAFF)
    level = level if isinstance(level, Level) else level_get(level)
    region_code = evaluation_region(actor, institution, region_code)
    invigilators = [n.strip() for n in invigilators if n and n.strip()]
    assessors = [n.strip() for n in assessors if n and n.strip()]
    if not invigilators:
        raise ValidationError({"invigilators": [_("理论考试至少须有1名监考人员（每15名考生1名）。")]})
    if len(assessors) < 3 or len(assessors) % 2 == 0 or len(set(assessors)) != len(assessors):
        raise ValidationError({"assessors": [_("操作技能考核须由奇数名（至少3名）不同的考评员组成考评组。")]})
    sitting = Sitting.objects.create(region_id=region_code, institution=institution, level=level, sat_on=sat_on,
                                     site_code=(site_code or "001").zfill(3)[:3], invigilators=invigilators,
                                     assessors=assessors)
    audit(actor=actor, action=AuditAction.SITTING_CREATE, obj=sitting, region_code=region_code,
          after={"level": level.number, "invigilators": len(invigilators), "assessors": len(assessors)})
    return sitting


@transaction.atomic
def institution_update(*, institution: TrainingInstitution, name: str, evaluator_code: str = "",
                       evaluator_type: str = "S", address: str = "", actor) -> TrainingInstitution:
    """Correct an institution's name, address and evaluator code (its code and region stay: certificates and
    scope hang on them). An institution that has issued certificates keeps its evaluator code (it is part of
    every number it issued)."""
    require_staff(actor, institution.region_id, message=_("该机构不在您的管辖范围内。"))
    inst = TrainingInstitution.objects.select_for_update().get(pk=institution.pk)
    name, evaluator_code, address = (name or "").strip(), (evaluator_code or "").strip(), (address or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("请填写机构名称。")]
    if evaluator_code and not (len(evaluator_code) == 6 and evaluator_code.isdigit() and evaluator_code.isascii()):
        errors["evaluator_code"] = [_("评价机构代码应为6位数字，或留空。")]
    if evaluator_type not in TrainingInstitution.EvaluatorType.values:
        errors["evaluator_type"] = [_("评价机构类型无效。")]
    if evaluator_code != inst.evaluator_code and inst.certificates.exists():
        errors["evaluator_code"] = [_("该机构已颁发证书，评价机构代码不能修改。")]
    if errors:
        raise ValidationError(errors)
    before = {"name": inst.name, "evaluator_code": inst.evaluator_code, "address": inst.address}
    inst.name, inst.evaluator_code, inst.evaluator_type, inst.address = name, evaluator_code, evaluator_type, address
    inst.save()
    audit(actor=actor, action=AuditAction.INSTITUTION_UPDATE, obj=inst, region_code=inst.region_id, before=before,
          after={"name": name, "evaluator_code": evaluator_code, "address": address})
    return inst


@transaction.atomic
def class_update(*, training_class: TrainingClass, name: str, starts_on, ends_on, teacher: str, capacity: int,
                 sessions: int, level=None, actor) -> TrainingClass:
    """Correct a class: its dates, teacher, capacity and sessions. The capacity never drops below who has
    enrolled, the sessions never below an attendance already recorded, the level changes only while nobody
    has enrolled."""
    from django.db.models import Max

    klass = TrainingClass.objects.select_for_update(of=("self",)).select_related("institution", "level").get(
        pk=training_class.pk)
    require_staff(actor, klass.institution.region_id, message=_("该培训班不在您的管辖范围内。"))
    errors = {}
    if not (name or "").strip():
        errors["name"] = [_("请填写班级名称。")]
    if not (teacher or "").strip():
        errors["teacher"] = [_("请填写授课教师。")]
    if ends_on < starts_on:
        errors["ends_on"] = [_("结业日期不能早于开班日期。")]
    enrolled = klass.enrolments.count()
    if capacity < max(1, enrolled):
        errors["capacity"] = [_("容量不能少于已报名人数（%(n)d 人）。") % {"n": enrolled}]
    attended = klass.enrolments.aggregate(m=Max("attendance"))["m"] or 0
    if sessions < max(1, attended):
        errors["sessions"] = [_("课时数不能少于已登记的出勤课时（%(n)d）。") % {"n": attended}]
    new_level = klass.level if level is None else (level if isinstance(level, Level) else level_get(level))
    if new_level.pk != klass.level_id and enrolled:
        errors["level"] = [_("已有学员报名，不能修改培训等级。")]
    if errors:
        raise ValidationError(errors)
    before = {"name": klass.name, "level": klass.level.number, "starts_on": klass.starts_on.isoformat(),
              "ends_on": klass.ends_on.isoformat(), "teacher": klass.teacher, "capacity": klass.capacity,
              "sessions": klass.sessions}
    klass.name, klass.level, klass.starts_on, klass.ends_on = name.strip(), new_level, starts_on, ends_on
    klass.teacher, klass.capacity, klass.sessions = teacher.strip(), capacity, sessions
    klass.save()
    audit(actor=actor, action=AuditAction.CLASS_UPDATE, obj=klass, region_code=klass.institution.region_id,
          before=before, after={"name": klass.name, "level": new_level.number, "starts_on": starts_on.isoformat(),
                                "ends_on": ends_on.isoformat(), "teacher": klass.teacher, "capacity": capacity,
                                "sessions": sessions})
    return klass
