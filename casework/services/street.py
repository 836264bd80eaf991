"""Street relief: shelters and their places, supply inventories, patrols, the people met on patrol
(supplies handed out, shelter places taken, joint escorts) and unidentified people identified later."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.permissions import require
from portal.roles import CIVIL_STAFF
from portal.scoping import region_in_scope
from portal.services import audit

from ..audit_actions import AuditAction
from ..models import Encounter, Inventory, Patrol, PatrolMember, Shelter, ShelterStay, UnidentifiedPerson
from ._shared import APPROVERS, CASEWORKERS, known_region, person_for


@transaction.atomic
def shelter_create(*, kind: str, name: str, region: str, address: str, capacity: int, actor, latitude=None,
                   longitude=None, phone: str = "", opened_on: dt.date | None = None) -> Shelter:
    require(actor, roles=CIVIL_STAFF)
    require(actor, region=known_region(region))
    if kind not in Shelter.Kind.values:
        raise ValidationError({"kind": [_("场所类型无效。")]})
    if capacity < 0:
        raise ValidationError({"capacity": [_("容量不能为负数。")]})
    if latitude is not None and not (-90 <= latitude <= 90):
        raise ValidationError({"latitude": [_("纬度应在 -90 到 90 之间。")]})
    if longitude is not None and not (-180 <= longitude <= 180):
        raise ValidationError({"longitude": [_("经度应在 -180 到 180 之间。")]})
    shelter = Shelter.objects.create(kind=kind, name=name.strip(), region_id=region, address=address.strip(),
                                     capacity=capacity, latitude=latitude, longitude=longitude, phone=phone,
                                     opened_on=opened_on or timezone.localdate())
    audit(actor=actor, action=AuditAction.SHELTER_CREATE, obj=shelter, region_code=region,
          after={"kind": kind, "capacity": capacity})
    return shelter


@transaction.atomic
def shelter_release(*, shelter: Shelter, actor, count: int = 1) -> Shelter:
    """People leave a shelter: occupancy goes down (never below zero)."""
    require(actor, roles=CIVIL_STAFF, region=shelter.region_id)
    if count < 1:
        raise ValidationError({"count": [_("离站人数至少为 1。")]})
    if not Shelter.objects.filter(pk=shelter.pk, occupancy__gte=count).update(occupancy=F("occupancy") - count):
        raise ValidationError(_("在住人数不足。"))
    # the oldest open stays end with it (rows from before stays were recorded have none)
    oldest = list(ShelterStay.objects.filter(shelter=shelter, checked_out_at__isnull=True)
                  .order_by("checked_in_at", "id").values_list("id", flat=True)[:count])
    ShelterStay.objects.filter(pk__in=oldest).update(checked_out_at=timezone.now(), checked_out_by=actor,
                                                     destination=_("批量离站"))
    shelter.refresh_from_db()
    audit(actor=actor, action=AuditAction.SHELTER_RELEASE, obj=shelter, region_code=shelter.region_id,
          after={"occupancy": shelter.occupancy})
    return shelter


@transaction.atomic
def inventory_create(*, name: str, region: str, actor, food: int = 0, clothing: int = 0, bedding: int = 0) -> Inventory:
    require(actor, roles=CIVIL_STAFF)
    require(actor, region=known_region(region))
    if min(food, clothing, bedding) < 0:
        raise ValidationError(_("库存数量不能为负数。"))
    inv = Inventory.objects.create(name=name.strip(), region_id=region, food=food, clothing=clothing, bedding=bedding)
    audit(actor=actor, action=AuditAction.INVENTORY_CREATE, obj=inv, region_code=region,
          after={"food": food, "clothing": clothing, "bedding": bedding})
    return inv


@transaction.atomic
def patrol_create(*, region: str, area: str, started_at, actor, members: str = "", vehicle: str = "",
                  vehicles_sent: int = 0, ended_at=None, inventory: Inventory | None = None,
                  staff=()) -> Patrol:
    """A patrol; `staff` (users) are its crew as staff records beside the leader, so that patrol
    person-times (巡查人员人次) are counted: one PatrolMember row per person on the patrol."""
    require(actor, roles=CASEWORKERS)
    require(actor, region=known_region(region))
    staff = [u for u in staff if u.pk != actor.pk]
    for u in staff:
        if not u.has_role(*CIVIL_STAFF) or not region_in_scope(u, region):
            raise ValidationError({"staff": [_("巡查人员“%(u)s”不是本区域的民政工作人员。") % {"u": u.get_username()}]})
    if not (area or "").strip():
        raise ValidationError({"area": [_("请填写巡查路段或片区。")]})
    if ended_at and ended_at < started_at:
        raise ValidationError({"ended_at": [_("结束时间不能早于开始时间。")]})
    if inventory is not None and not region_in_scope(actor, inventory.region_id):
        raise ValidationError({"inventory": [_("物资库存不在您的管辖范围内。")]})
    patrol = Patrol.objects.create(region_id=region, area=area.strip(), leader=actor, members=members.strip(),
                                   started_at=started_at, ended_at=ended_at, vehicle=vehicle.strip(),
                                   vehicles_sent=vehicles_sent, inventory=inventory)
    PatrolMember.objects.bulk_create([PatrolMember(patrol=patrol, user=u, region_id=region)
                                      for u in [actor, *{u.pk: u for u in staff}.values()]])
    audit(actor=actor, action=AuditAction.PATROL_CREATE, obj=patrol, region_code=region,
          after={"area": patrol.area, "vehicles_sent": vehicles_sent, "staff": [actor.pk, *(u.pk for u in staff)]})
    return patrol


@transaction.atomic
def encounter_create(*, patrol: Patrol, actor, at, location: str, condition: str, outcome: str,
                     id_number: str = "", name: str = "", unidentified_description: str = "",
                     unidentified: UnidentifiedPerson | None = None, sex: str = "", approx_age: int | None = None,
                     food: int = 0, clothing: int = 0, bedding: int = 0, inventory: Inventory | None = None,
                     shelter: Shelter | None = None, help_contact: str = "", vulnerable: str = "",
                     escort_with: str = "", handed_to: str = "", handed_over_at=None, notes: str = "") -> Encounter:
    """One person met on patrol. Supplies come out of the inventory and a shelter place is taken in this
    same transaction; either refusing (stock below zero, shelter full) leaves nothing saved."""
    require(actor, roles=CASEWORKERS, region=patrol.region_id)
    if condition not in Encounter.Condition.values:
        raise ValidationError({"condition": [_("状况无效。")]})
    if outcome not in Encounter.Outcome.values:
        raise ValidationError({"outcome": [_("处置结果无效。")]})
    if vulnerable not in Encounter.Vulnerable.values:
        raise ValidationError({"vulnerable": [_("特殊群体类别无效。")]})
    if not (location or "").strip():
        raise ValidationError({"location": [_("请填写发现地点。")]})
    if min(food, clothing, bedding) < 0:
        raise ValidationError(_("发放数量不能为负数。"))
    person = None
    if id_number:
        person = person_for(id_number=id_number, name=name)
    elif unidentified is not None:
        if not region_in_scope(actor, unidentified.region_id):
            raise ValidationError({"unidentified": [_("该身份不明人员不在您的管辖范围内。")]})
        if unidentified.person_id:
            person = unidentified.person
    elif (unidentified_description or "").strip():
        pass
    else:
        raise ValidationError({"id_number": [_("请填写身份证号码；身份不明时请填写体貌特征。")]})
    if outcome == Encounter.Outcome.SHELTER and shelter is None:
        raise ValidationError({"shelter": [_("请选择入住的救助场所。")]})
    if outcome == Encounter.Outcome.REFUSED and not help_contact.strip():
        raise ValidationError({"help_contact": [_("拒绝入站时请记录留下的求助方式（如救助热线）。")]})
    if outcome == Encounter.Outcome.ESCORTED:
        if not escort_with:
            raise ValidationError({"escort_with": [_("护送时请选择联合护送单位（公安/城管）。")]})
        if not handed_to.strip():
            raise ValidationError({"handed_to": [_("请填写交接单位或接收人。")]})
        if escort_with not in Encounter.EscortWith.values:
            raise ValidationError({"escort_with": [_("联合护送单位无效。")]})
    elif vulnerable in (Encounter.Vulnerable.MINOR, Encounter.Vulnerable.DISABLED) and outcome != Encounter.Outcome.SHELTER:
        raise ValidationError({"outcome": [_("未成年人和残疾人须护送至救助场所或由公安/城管联合护送。")]})
    items = food + clothing + bedding
    inventory = inventory or patrol.inventory
    if items:
        if inventory is None:
            raise ValidationError({"inventory": [_("请选择物资来源。")]})
        if not region_in_scope(actor, inventory.region_id):
            raise ValidationError({"inventory": [_("物资库存不在您的管辖范围内。")]})
        taken = Inventory.objects.filter(pk=inventory.pk, food__gte=food, clothing__gte=clothing,
                                         bedding__gte=bedding).update(
            food=F("food") - food, clothing=F("clothing") - clothing, bedding=F("bedding") - bedding)
        if not taken:
            inventory.refresh_from_db()
            raise ValidationError({"inventory": [
                _("库存不足：现有食品 %(f)d 份、衣物 %(c)d 件、被褥 %(b)d 套。") % {
                    "f": inventory.food, "c": inventory.clothing, "b": inventory.bedding}]})
    if outcome == Encounter.Outcome.SHELTER:
        _refuse_second_stay(person=person, unidentified=unidentified)
        if not region_in_scope(actor, shelter.region_id):
            raise ValidationError({"shelter": [_("该救助场所不在您的管辖范围内。")]})
        if not Shelter.objects.filter(pk=shelter.pk, active=True, occupancy__lt=F("capacity")).update(
                occupancy=F("occupancy") + 1):
            raise ValidationError({"shelter": [_("“%(name)s”已满员，请选择其他救助场所。") % {"name": shelter.name}]})
    if person is None and unidentified is None:
        unidentified = UnidentifiedPerson.objects.create(region_id=patrol.region_id,
                                                         description=unidentified_description.strip(),
                                                         sex=sex if sex in ("M", "F") else "", approx_age=approx_age)
    enc = Encounter.objects.create(
        patrol=patrol, region_id=patrol.region_id, person=person, unidentified=unidentified, at=at,
        location=location.strip(), condition=condition, notes=notes.strip(), food=food, clothing=clothing,
        bedding=bedding, inventory=inventory if items else None, outcome=outcome, shelter=shelter if outcome == Encounter.Outcome.SHELTER else None,
        help_contact=help_contact.strip(), vulnerable=vulnerable, escort_with=escort_with,
        handed_to=handed_to.strip(), handed_over_at=handed_over_at or (at if outcome == Encounter.Outcome.ESCORTED else None),
        created_by=actor,
    )
    if enc.shelter_id:
        ShelterStay.objects.create(shelter=shelter, region_id=shelter.region_id, person=person,
                                   unidentified=unidentified if person is None else None, encounter=enc,
                                   checked_in_at=at, checked_in_by=actor)
    audit(actor=actor, action=AuditAction.ENCOUNTER_CREATE, obj=enc, region_code=patrol.region_id,
          after={"outcome": outcome, "food": food, "clothing": clothing, "bedding": bedding,
                 "shelter": enc.shelter_id, "unidentified": enc.unidentified_id})
    return enc


@transaction.atomic
def unidentified_link(*, unidentified: UnidentifiedPerson, id_number: str, name: str, actor) -> UnidentifiedPerson:
    """先行救助再查明情况: once identified, the placeholder is linked to the Person and every encounter of
    theirs is moved onto the Person's history (audited)."""
    require(actor, roles=CIVIL_STAFF, region=unidentified.region_id)
    u = UnidentifiedPerson.objects.select_for_update().get(pk=unidentified.pk)
    if u.person_id:
        raise ValidationError(_("该人员已查明身份。"))
    person = person_for(id_number=id_number, name=name)
    moved = Encounter.objects.filter(unidentified=u).update(person=person)
    u.person = person
    u.linked_at = timezone.now()
    u.linked_by = actor
    u.save(update_fields=["person", "linked_at", "linked_by"])
    audit(actor=actor, action=AuditAction.UNIDENTIFIED_LINK, obj=u, region_code=u.region_id,
          after={"person": person.pk, "encounters": moved})
    return u



def _refuse_second_stay(*, person=None, unidentified=None) -> None:
    open_stays = ShelterStay.objects.filter(checked_out_at__isnull=True)
    stay = None
    if person is not None:
        stay = open_stays.filter(person=person).select_related("shelter").first()
    elif unidentified is not None:
        stay = open_stays.filter(unidentified=unidentified).select_related("shelter").first()
    if stay is not None:
        raise ValidationError({"shelter": [_("该人员已在“%(name)s”入住，请先办理离站。") % {"name": stay.shelter.name}]})


@transaction.atomic
def shelter_update(*, shelter: Shelter, actor, name: str | None = None, address: str | None = None,
                   capacity: int | None = None, phone: str | None = None, active: bool | None = None,
                   latitude=None, longitude=None) -> Shelter:
    """The region's approver keeps its shelters, help points and guide points up to date (capacity never
    below the people staying there now; closing one with people in it is refused)."""
    require(actor, roles=APPROVERS, region=shelter.region_id)
    s = Shelter.objects.select_for_update().get(pk=shelter.pk)
    before = {"name": s.name, "capacity": s.capacity, "active": s.active}
    if name is not None:
        if not name.strip():
            raise ValidationError({"name": [_("请填写名称。")]})
        s.name = name.strip()[:128]
    if address is not None:
        s.address = address.strip()[:255]
    if phone is not None:
        s.phone = phone.strip()[:32]
    if capacity is not None:
        if capacity < 0:
            raise ValidationError({"capacity": [_("容量不能为负数。")]})
        if capacity < s.occupancy:
            raise ValidationError({"capacity": [_("容量不能少于当前在住人数（%(n)d 人）。") % {"n": s.occupancy}]})
        s.capacity = capacity
    if active is not None:
        if not active and s.occupancy:
            raise ValidationError({"active": [_("尚有 %(n)d 人在住，办理离站后才能停用。") % {"n": s.occupancy}]})
        s.active = active
    if latitude is not None:
        if not (-90 <= latitude <= 90):
            raise ValidationError({"latitude": [_("纬度应在 -90 到 90 之间。")]})
        s.latitude = latitude
    if longitude is not None:
        if not (-180 <= longitude <= 180):
            raise ValidationError({"longitude": [_("经度应在 -180 到 180 之间。")]})
        s.longitude = longitude
    s.save()
    audit(actor=actor, action=AuditAction.SHELTER_UPDATE, obj=s, region_code=s.region_id, before=before,
          after={"name": s.name, "capacity": s.capacity, "active": s.active})
    return s


@transaction.atomic
def shelter_check_in(*, shelter: Shelter, actor, id_number: str = "", name: str = "",
                     unidentified: UnidentifiedPerson | None = None, unidentified_description: str = "",
                     at=None) -> ShelterStay:
    """入住登记: a person (or an unidentified one, described) takes a place; refused when the shelter is
    full or closed, or the person is already staying somewhere."""
    require(actor, roles=CIVIL_STAFF, region=shelter.region_id)
    at = at or timezone.now()
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"at": [_("入住时间不能晚于现在。")]})
    person = None
    if id_number:
        person = person_for(id_number=id_number, name=name)
    elif unidentified is not None:
        if not region_in_scope(actor, unidentified.region_id):
            raise ValidationError({"unidentified": [_("该身份不明人员不在您的管辖范围内。")]})
        person = unidentified.person
    elif not (unidentified_description or "").strip():
        raise ValidationError({"id_number": [_("请填写身份证号码；身份不明时请填写体貌特征。")]})
    _refuse_second_stay(person=person, unidentified=unidentified if person is None else None)
    if not Shelter.objects.filter(pk=shelter.pk, active=True, occupancy__lt=F("capacity")).update(
            occupancy=F("occupancy") + 1):
        raise ValidationError({"shelter": [_("“%(name)s”已满员或已停用，请选择其他救助场所。") % {"name": shelter.name}]})
    if person is None and unidentified is None:
        unidentified = UnidentifiedPerson.objects.create(region_id=shelter.region_id,
                                                         description=unidentified_description.strip())
    stay = ShelterStay.objects.create(shelter=shelter, region_id=shelter.region_id, person=person,
                                      unidentified=unidentified if person is None else None, checked_in_at=at,
                                      checked_in_by=actor)
    audit(actor=actor, action=AuditAction.SHELTER_CHECK_IN, obj=stay, region_code=shelter.region_id,
          after={"shelter": shelter.pk, "person": stay.person_id, "unidentified": stay.unidentified_id})
    return stay


@transaction.atomic
def shelter_check_out(*, stay: ShelterStay, actor, destination: str, at=None) -> ShelterStay:
    """离站登记: the stay ends (with where the person went) and the place is free again."""
    require(actor, roles=CIVIL_STAFF, region=stay.region_id)
    stay = ShelterStay.objects.select_for_update().get(pk=stay.pk)
    if stay.checked_out_at is not None:
        raise ValidationError(_("该人员已办理离站。"))
    if not (destination or "").strip():
        raise ValidationError({"destination": [_("请填写离站去向（如返乡、投亲、自行离开）。")]})
    at = at or timezone.now()
    if at < stay.checked_in_at:
        raise ValidationError({"at": [_("离站时间不能早于入住时间。")]})
    Shelter.objects.filter(pk=stay.shelter_id, occupancy__gt=0).update(occupancy=F("occupancy") - 1)
    stay.checked_out_at = at
    stay.checked_out_by = actor
    stay.destination = destination.strip()[:255]
    stay.save(update_fields=["checked_out_at", "checked_out_by", "destination"])
    audit(actor=actor, action=AuditAction.SHELTER_CHECK_OUT, obj=stay, region_code=stay.region_id,
          after={"shelter": stay.shelter_id, "destination": stay.destination})
    return stay
