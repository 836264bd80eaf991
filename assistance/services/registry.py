"""The registry: households, their members, and the enrolments (救助对象认定) of those members."""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import idnumber, pii
from portal.models import Locality, Person
from portal.permissions import Role, require
from portal.scoping import region_in_scope
from portal.services import audit, person_get_or_create, person_name_matches

from ..audit_actions import AuditAction
from ..models import (
    DISABILITY_GRADES,
    HEALTH_STATES,
    AccountChange,
    Area,
    Batch,
    Category,
    Enrolment,
    Household,
    Member,
    Payment,
)

UNPAID = [Payment.Status.PENDING, Payment.Status.SENT, Payment.Status.FAILED]


def out_of_scope_refusal(number: str) -> str:
    """The one answer for an ID number whose person lives outside the actor's regions, whatever the reason
    (another name on record, a member of another household): it names nothing the actor typed not."""
    return _("身份证号码 %(id)s 暂不能在本地登记，请核对号码和姓名；如该人员已在其他地区登记，请联系其户籍地民政部门办理迁入。") % {
        "id": idnumber.mask(number)}


def person_home_in_scope(actor, person: Person) -> bool:
    """Is this person a current member of a household in the actor's regions? Only then may a refusal say
    why (registered name, membership); a person outside them, or in no household, gets one answer."""
    region = (Member.objects.filter(person=person, left_on__isnull=True)
              .values_list("household__region_id", flat=True).first())
    return region is not None and region_in_scope(actor, region)


def _member_person(*, name: str, id_number: str, actor, field: str = "members") -> Person:
    try:
        number = idnumber.validate_id_number(id_number)
    except ValidationError as exc:
        raise ValidationError({field: [f"{name or ''} {m}".strip() for m in exc.messages]}) from None
    existing = Person.objects.filter(id_number=number).first()
    if existing is None:
        return person_get_or_create(id_number=number, name=name)
    mismatch = bool(existing.name and name and not person_name_matches(existing, name))
    member_elsewhere = Member.objects.filter(person=existing, left_on__isnull=True).exists()
    if (mismatch or member_elsewhere) and not person_home_in_scope(actor, existing):
        raise ValidationError({field: [out_of_scope_refusal(number)]})
    if mismatch:
        raise ValidationError(
            {field: [_("身份证号码 %(id)s 登记的姓名与“%(name)s”不一致。") % {"id": idnumber.mask(number), "name": name}]}
        )
    if member_elsewhere:
        raise ValidationError(
            {field: [_("%(name)s（%(id)s）已是另一家庭的成员，请先办理迁出。") % {"name": name or existing.name, "id": existing.masked_id}]}
        )
    return existing


PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def _locality(region: str, code: str) -> str | None:
    """The street or community a household lives in: a Locality of its own district (None: not given)."""
    code = (code or "").strip()
    if not code:
        return None
    if not Locality.objects.filter(code=code, region_id=region).exists():
        raise ValidationError({"locality": [_("所选街道或社区不属于所在区域。")]})
    return code


def _phone(phone: str) -> str:
    phone = (phone or "").replace(" ", "")
    if phone and not PHONE.match(phone):
        raise ValidationError({"phone": [_("请填写11位手机号码或带区号的固定电话（如 029-88886666）。")]})
    return phone


def _member_extras(m: dict) -> dict:
    grade, health = m.get("disability_grade") or "", m.get("health") or ""
    if grade not in {v for v, _label in DISABILITY_GRADES} or health not in {v for v, _label in HEALTH_STATES}:
        raise ValidationError({"members": [_("残疾等级或健康状况无效。")]})
    extras = {"disability_grade": grade, "health": health}
    if grade in ("1", "2"):  # 一、二级残疾 are 重度残疾 (what the means test reads)
        extras["severe_disability"] = True
    return extras


@transaction.atomic
def household_create(*, region: str, area: str, address: str, members: list[dict], actor,
                     bank_account: str = "", locality: str = "", phone: str = "") -> Household:
    """A household with its members. Any bad member (ID number, name mismatch, already in another
    household) raises ValidationError and nothing is saved. `locality`: the street or community (a
    portal.Locality of `region`); `phone`: a mobile or landline number; each member may carry
    `disability_grade` (1–4) and `health`."""
    require(actor, roles={Role.CASEWORKER}, region=region)
    if area not in Area.values:
        raise ValidationError({"area": [_("请选择城市或农村。")]})
    if not (address or "").strip():
        raise ValidationError({"address": [_("请填写住址。")]})
    if not members:
        raise ValidationError({"members": [_("请至少登记一名家庭成员。")]})
    numbers = [idnumber.normalize(m.get("id_number", "")) for m in members]
    if len(set(numbers)) != len(numbers):
        raise ValidationError({"members": [_("同一身份证号码不能重复登记。")]})
    if sum(1 for m in members if m.get("relation") == Member.Relation.HEAD) > 1:
        raise ValidationError({"members": [_("一户只能有一名户主。")]})
    bank_account = (bank_account or "").replace(" ", "")
    if bank_account and not bank_account.isdigit():
        raise ValidationError({"bank_account": [_("银行账号只能包含数字。")]})
    locality = _locality(region, locality)
    phone = _phone(phone)
    persons = []
    for m in members:
        if m.get("relation") not in Member.Relation.values:
            raise ValidationError({"members": [_("与户主关系无效。")]})
        extras = _member_extras(m)
        persons.append((_member_person(name=(m.get("name") or "").strip(), id_number=m.get("id_number", ""),
                                       actor=actor), m["relation"], extras))
    household = Household.objects.create(
        region_id=region, area=area, address=address.strip(), bank_account=bank_account, created_by=actor,
        locality_id=locality, phone=phone,
    )
    today = timezone.localdate()
    try:
        with transaction.atomic():
            Member.objects.bulk_create(
                [Member(household=household, person=p, relation=rel, joined_on=today, **extras)
                 for p, rel, extras in persons]
            )
    except IntegrityError:
        raise ValidationError({"members": [_("有成员刚被登记到另一家庭，请刷新后重试。")]}) from None
    head = next((p for p, rel, _extras in persons if rel == Member.Relation.HEAD), persons[0][0])
    household.head = head
    household.save(update_fields=["head", "updated_at"])
    audit(actor=actor, action=AuditAction.HOUSEHOLD_CREATE, obj=household, region_code=region,
          after={"area": area, "members": len(persons), "locality": locality or ""})
    return household


@transaction.atomic
def household_update(*, household: Household, area: str, address: str, bank_account: str, actor) -> Household:
    """Edit a household's area, address and bank account (audited; the account is audited masked)."""
    require(actor, roles={Role.CASEWORKER}, region=household.region_id)
    if area not in Area.values:
        raise ValidationError({"area": [_("请选择城市或农村。")]})
    if not (address or "").strip():
        raise ValidationError({"address": [_("请填写住址。")]})
    if not isinstance(bank_account, pii.Sealed):  # a stored account passed back as it is: unchanged
        bank_account = (bank_account or "").replace(" ", "")
        if bank_account and not bank_account.isdigit():
            raise ValidationError({"bank_account": [_("银行账号只能包含数字。")]})
    household = Household.objects.select_for_update().get(pk=household.pk)
    before = {"area": household.area, "address": household.address, "bank_account": household.masked_bank_account}
    change_account = bank_account != household.bank_account  # a typed account compares by HMAC (portal.pii)
    if change_account and Payment.objects.filter(household=household, status__in=UNPAID).exists():
        # money is on its way to the old account: a second person confirms the new one (account_change_decide)
        if AccountChange.objects.filter(household=household, status=AccountChange.Status.PENDING).exists():
            raise ValidationError({"bank_account": [_("该家庭已有待复核的账号变更，请等待复核后再改。")]})
        # the old account copied as stored (HMAC, ciphertext, masked form); the new one encrypted on save
        change = AccountChange.objects.create(household=household, region_id=household.region_id,
                                              old_account=household.bank_account,
                                              old_account_enc=household.bank_account_enc,
                                              old_account_masked=household.bank_account_masked,
                                              new_account=bank_account, requested_by=actor)
        audit(actor=actor, action=AuditAction.ACCOUNT_CHANGE_REQUEST, obj=change, region_code=household.region_id,
              before={"bank_account": change.masked_old},
              after={"bank_account": change.masked_new, "status": change.status})
        change_account = False
    household.area, household.address = area, address.strip()
    fields = ["area", "address", "updated_at"]
    if change_account:  # the field encrypts the new value into its sibling columns on save
        household.bank_account = bank_account
        fields += ["bank_account", "bank_account_enc", "bank_account_masked"]
    household.save(update_fields=fields)
    audit(actor=actor, action=AuditAction.HOUSEHOLD_UPDATE, obj=household, region_code=household.region_id,
          before=before, after={"area": area, "address": household.address,
                                "bank_account": household.masked_bank_account})
    return household


@transaction.atomic
def account_change_decide(*, change: AccountChange, approve: bool, actor, note: str = "") -> AccountChange:
    """A second person (an approver, not who asked) confirms or rejects a household's new account. On
    approval the household's account changes, and so do the payments of batches not yet approved; an
    approved payment keeps the account its approver saw until a re-issue."""
    require(actor, roles={Role.APPROVER}, region=change.region_id, message=_("只有审批人员可以复核账号变更。"))
    require(actor, not_user=change.requested_by_id, message=_("账号变更须由申请人以外的审批人员复核。"))
    change = AccountChange.objects.select_for_update().get(pk=change.pk)
    if change.status != AccountChange.Status.PENDING:
        raise ValidationError(_("该账号变更已处理。"))
    change.status = AccountChange.Status.APPROVED if approve else AccountChange.Status.REJECTED
    change.decided_by, change.decided_at, change.note = actor, timezone.now(), (note or "")[:255]
    change.save(update_fields=["status", "decided_by", "decided_at", "note"])
    if approve:
        # the new account copied as stored (HMAC, ciphertext, masked form): nothing decrypted
        account = {"bank_account": change.new_account, "bank_account_enc": change.new_account_enc,
                   "bank_account_masked": change.new_account_masked}
        Household.objects.filter(pk=change.household_id).update(**account, updated_at=timezone.now())
        Payment.objects.filter(household_id=change.household_id, status=Payment.Status.PENDING,
                               batch__status__in=[Batch.Status.BUILDING, Batch.Status.DRAFT]) \
            .update(**account, updated_at=timezone.now())
    audit(actor=actor, action=AuditAction.ACCOUNT_CHANGE_DECIDE, obj=change, region_code=change.region_id,
          before={"status": AccountChange.Status.PENDING},
          after={"status": change.status, "bank_account": change.masked_new}, note=note)
    return change


@transaction.atomic
def member_add(*, household: Household, name: str, id_number: str, relation: str, actor) -> Member:
    require(actor, roles={Role.CASEWORKER}, region=household.region_id)
    if relation not in Member.Relation.values:
        raise ValidationError({"relation": [_("与户主关系无效。")]})
    person = _member_person(name=name, id_number=id_number, actor=actor, field="id_number")
    try:
        with transaction.atomic():
            member = Member.objects.create(household=household, person=person, relation=relation,
                                           joined_on=timezone.localdate())
    except IntegrityError:
        raise ValidationError({"id_number": [_("该人员已是另一家庭的成员。")]}) from None
    audit(actor=actor, action=AuditAction.MEMBER_ADD, obj=member, region_code=household.region_id,
          after={"household": household.pk, "relation": relation})
    return member


@transaction.atomic
def member_move(*, person: Person, to_household: Household, relation: str, actor) -> Member:
    """Explicitly move a person from their current household to another (audited). The actor must hold
    the region of both households."""
    require(actor, roles={Role.CASEWORKER}, region=to_household.region_id)
    if relation not in Member.Relation.values:
        raise ValidationError({"relation": [_("与户主关系无效。")]})
    current = Member.objects.select_for_update().select_related("household").filter(
        person=person, left_on__isnull=True).first()
    if current is not None:
        require(actor, region=current.household.region_id)
        if current.household_id == to_household.pk:
            raise ValidationError(_("该人员已在此家庭中。"))
        current.left_on = timezone.localdate()
        current.save(update_fields=["left_on"])
    member = Member.objects.create(household=to_household, person=person, relation=relation,
                                   joined_on=timezone.localdate())
    audit(actor=actor, action=AuditAction.MEMBER_MOVE, obj=member, region_code=to_household.region_id,
          before={"household": current.household_id if current else None},
          after={"household": to_household.pk, "relation": relation})
    return member


def member_move_by_id_number(*, id_number: str, to_household: Household, relation: str, actor) -> Member:
    """Move an already registered person (by ID number) into `to_household` (see member_move)."""
    require(actor, roles={Role.CASEWORKER}, region=to_household.region_id)
    number = idnumber.validate_id_number(id_number)
    person = Person.objects.filter(id_number=number).first()
    if person is None:
        raise ValidationError({"id_number": [_("该身份证号码尚未登记，请使用“添加成员”。")]})
    return member_move(person=person, to_household=to_household, relation=relation, actor=actor)


@transaction.atomic
def enrolment_create(*, id_number: str, category: str, monthly_amount: int, start: dt.date,
                     end: dt.date | None = None, actor) -> Enrolment:
    """A new enrolment. An open enrolment of the same category that began earlier is ended the day
    before (kept as history, never rewritten into the new one); one that began on/after `start` is a
    conflict. A caseworker acts; a person outside their region is refused as unregistered (400), so
    the answer does not tell whether the person is registered elsewhere."""
    require(actor, roles={Role.CASEWORKER})
    return enrolment_record(id_number=id_number, category=category, monthly_amount=monthly_amount, start=start,
                            end=end, actor=actor)


def _valid_number(id_number):
    """A typed number validated and normalised; a stored one (portal.pii.Sealed) as it is."""
    if isinstance(id_number, pii.Sealed):
        return id_number
    return idnumber.validate_id_number(id_number)


def _current_member(id_number: str) -> Member | None:
    try:
        number = _valid_number(id_number)
    except ValidationError:
        return None
    return Member.objects.select_related("household", "person").filter(
        person__id_number=number, left_on__isnull=True).first()


def enrolment_record(*, id_number: str, category: str, monthly_amount: int, start: dt.date,
                     end: dt.date | None = None, actor) -> Enrolment:
    """The enrolment itself, without the permission gate: for a service that has already decided who may
    act (an approver confirming an application), so the audit row names the person who did. The person
    must be a current member of a household within the actor's region. Call inside a transaction."""
    if category not in Category.values:
        raise ValidationError({"category": [_("救助类别无效。")]})
    if monthly_amount < 0:
        raise ValidationError({"monthly_amount": [_("金额不能为负数。")]})
    if end is not None and end < start:
        raise ValidationError({"end": [_("终止日期不能早于起始日期。")]})
    _valid_number(id_number)
    member = _current_member(id_number)
    if member is None or not region_in_scope(actor, member.household.region_id):
        raise ValidationError({"id_number": [_("该人员未登记在您辖区内的家庭中，请先登记家庭。")]})
    person = member.person
    overlapping = list(
        Enrolment.objects.select_for_update().filter(person=person, category=category)
        .exclude(status=Enrolment.Status.REVOKED).filter(Q(end__isnull=True) | Q(end__gte=start))
    )
    for old in overlapping:
        if old.start >= start:
            raise ValidationError({"start": [_("与已有的认定记录（%(start)s 起）重叠。") % {"start": old.start.isoformat()}]})
    for old in overlapping:
        before = {"end": old.end, "status": old.status}
        old.end = start - dt.timedelta(days=1)
        old.status = Enrolment.Status.ENDED
        old.save(update_fields=["end", "status"])
        audit(actor=actor, action=AuditAction.ENROLMENT_END, obj=old, region_code=old.region_id,
              before=before, after={"end": old.end, "status": old.status})
    enrolment = Enrolment.objects.create(
        person=person, household=member.household, region_id=member.household.region_id, category=category,
        monthly_amount=monthly_amount, start=start, end=end, created_by=actor,
    )
    audit(actor=actor, action=AuditAction.ENROLMENT_CREATE, obj=enrolment, region_code=enrolment.region_id,
          after={"category": category, "monthly_amount": monthly_amount, "start": start, "end": end})
    return enrolment
