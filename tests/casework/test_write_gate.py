"""Every public write service of casework refuses a wrong role and a wrong region (Tianjin, outside Xi'an)
with PermissionDenied, before it changes anything (no audit row). See tests/write_gate.py."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assistance import services as assistance_services
from casework import services
from casework.models import Application, DiscoveryTask
from portal.models import AuditEvent, Role
from tests.factories import UserFactory
from tests.write_gate import Case, check_walk, run_case

from . import factories as f

pytestmark = pytest.mark.django_db

CW, AP, OFFICER = Role.CASEWORKER, Role.APPROVER, Role.INSURANCE_OFFICER


def _colleague(role=CW):
    """Another member of staff in Xi'an (the maker, where the right user must not be one)."""
    return UserFactory(role=role, region_id="610100")


def _submitted(maker=None) -> Application:
    """An application of a registered household's member (so that a confirmation could enrol them)."""
    maker = maker or _colleague()
    _hh, rows = f.household(maker)
    return services.application_intake(id_number=rows[0]["id_number"], name=rows[0]["name"], region="610112",
                                       category="dibao", requested_amount=60000, actor=maker)


def _reviewed() -> Application:
    app = _submitted()
    return services.application_review(application=app, actor=_colleague())


def _occupied_shelter(right):
    shelter = f.shelter(right)
    services.encounter_create(patrol=f.patrol(right), actor=right, at=timezone.now(), location="北大街",
                              condition="cold", outcome="shelter", shelter=shelter,
                              unidentified_description="男性，约60岁")
    shelter.refresh_from_db()
    return shelter


def _aid(amount: int):
    """Above the default small-aid threshold (1000 yuan) it waits for an approver; at or below it, it is
    granted at once and waits for its after-the-fact review."""
    return services.temporary_aid_create(id_number=f.new_id(), name="赵临时", region="610112", kind="emergency",
                                         amount=amount, reason="突发困难", actor=_colleague())


def _unidentified(right):
    patrol = f.patrol(right)
    return services.encounter_create(patrol=patrol, actor=right, at=timezone.now(), location="北大街",
                                     condition="cold", outcome="refused", help_contact="救助热线 12345",
                                     unidentified_description="男性，约60岁").unidentified


def _discovery_task(right):
    today = timezone.localdate()
    _hh, rows = f.household(right)
    assistance_services.enrolment_create(id_number=rows[0]["id_number"], category="dibao", monthly_amount=50000,
                                         start=today - dt.timedelta(days=300), end=today + dt.timedelta(days=20),
                                         actor=right)
    services.discovery_scan(today=today)
    return DiscoveryTask.objects.get()


def _handover_to(region):
    return services.handover_create(region="610112", to_region="120101", method="train", escort_by="张",
                                    depart_at=timezone.now(), destination="天津站", id_number=f.new_id(), name="甲",
                                    actor=_colleague())


def _notice_to_tianjin():
    aid = services.temporary_aid_create(id_number=f.new_id("120101"), name="津籍", region="610112", kind="emergency",
                                        amount=50000, reason="被盗", actor=_colleague())
    return aid.home_notice


def _disaster():
    today = timezone.localdate()
    return services.disaster_event_create(region="610100", kind="snow", name="冰冻", area="山区",
                                          occurred_on=today - dt.timedelta(days=30), emergency_ends_on=today,
                                          transition_ends_on=today, actor=_colleague())


def _affected(review=False):
    a = services.disaster_household_add(event=_disaster(), id_number=f.new_id(), name="甲", damage="severe",
                                        actor=_colleague())
    if review:
        services.disaster_review_open(today=timezone.localdate() + dt.timedelta(days=1))
        a.refresh_from_db()
    return a


def _png():
    return SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n00", content_type="image/png")


CASES = {
    # policy
    "policy_set": Case(call=lambda a, w: services.policy_set(region="610100", actor=a),
                       world=lambda right: None, right_role=AP, wrong_role=CW),
    "fast_track_create": Case(call=lambda a, w: services.fast_track_create(
        region="610100", name="春节", starts_on=f.TODAY, ends_on=f.TODAY + dt.timedelta(days=14), actor=a),
        world=lambda right: None, right_role=AP, wrong_role=CW),
    "cold_wave_alert_create": Case(call=lambda a, w: services.cold_wave_alert_create(
        region="610100", level="orange", starts_on=f.TODAY, ends_on=f.TODAY + dt.timedelta(days=3), actor=a),
        world=lambda right: None, right_role=CW, wrong_role=OFFICER),
    # applications
    "application_intake": Case(call=lambda a, w: services.application_intake(
        id_number=f.new_id(), name="王申请", region="610112", category="dibao", requested_amount=60000, actor=a),
        world=lambda right: None, right_role=CW, wrong_role=AP),
    "application_document_add": Case(call=lambda a, w: services.application_document_add(
        application=w, upload=_png(), kind="income", actor=a),
        world=lambda right: _submitted(right), right_role=CW, wrong_role=OFFICER),
    "application_review": Case(call=lambda a, w: services.application_review(application=w, actor=a),
                               world=lambda right: _submitted(), right_role=CW, wrong_role=OFFICER),
    "application_confirm": Case(call=lambda a, w: services.application_confirm(application=w, actor=a),
                                world=lambda right: _reviewed(), right_role=AP, wrong_role=CW),
    "application_reject": Case(call=lambda a, w: services.application_reject(application=w, actor=a, reason="收入超标"),
                               world=lambda right: _submitted(), right_role=CW, wrong_role=OFFICER),
    # temporary aid
    "temporary_aid_create": Case(call=lambda a, w: services.temporary_aid_create(
        id_number=f.new_id(), name="赵临时", region="610112", kind="emergency", amount=50000, reason="突发困难",
        actor=a), world=lambda right: None, right_role=CW, wrong_role=AP),
    "temporary_aid_approve": Case(call=lambda a, w: services.temporary_aid_approve(aid=w, actor=a),
                                  world=lambda right: _aid(250000), right_role=AP, wrong_role=CW),
    "temporary_aid_reject": Case(call=lambda a, w: services.temporary_aid_reject(aid=w, actor=a, reason="不符合条件"),
                                 world=lambda right: _aid(250000), right_role=AP, wrong_role=CW),
    "temporary_aid_post_review": Case(call=lambda a, w: services.temporary_aid_post_review(
        aid=w, actor=a, outcome="confirmed"), world=lambda right: _aid(80000), right_role=AP, wrong_role=CW),
    # street relief
    "shelter_create": Case(call=lambda a, w: services.shelter_create(
        kind="warming", name="避寒点", region="610112", address="测试路1号", capacity=10, actor=a),
        world=lambda right: None, right_role=CW, wrong_role=OFFICER),
    "shelter_release": Case(call=lambda a, w: services.shelter_release(shelter=w, actor=a),
                            world=_occupied_shelter, right_role=CW, wrong_role=OFFICER),
    "shelter_update": Case(call=lambda a, w: services.shelter_update(shelter=w, actor=a, capacity=20),
                           world=lambda right: f.shelter(_colleague()), right_role=AP, wrong_role=CW),
    "shelter_check_in": Case(call=lambda a, w: services.shelter_check_in(
        shelter=w, actor=a, unidentified_description="男性，约60岁"),
        world=lambda right: f.shelter(right), right_role=CW, wrong_role=OFFICER),
    "shelter_check_out": Case(call=lambda a, w: services.shelter_check_out(stay=w, actor=a, destination="返乡"),
                              world=lambda right: services.shelter_check_in(
                                  shelter=f.shelter(right), actor=right, unidentified_description="女性"),
                              right_role=CW, wrong_role=OFFICER),
    "inventory_create": Case(call=lambda a, w: services.inventory_create(name="物资库", region="610112", food=5, actor=a),
                             world=lambda right: None, right_role=CW, wrong_role=OFFICER),
    "patrol_create": Case(call=lambda a, w: services.patrol_create(
        region="610112", area="钟楼—北大街", started_at=timezone.now(), actor=a),
        world=lambda right: None, right_role=CW, wrong_role=AP),
    "encounter_create": Case(call=lambda a, w: services.encounter_create(
        patrol=w, actor=a, at=timezone.now(), location="北大街", condition="cold", outcome="refused",
        help_contact="救助热线 12345", unidentified_description="女性，约50岁"),
        world=lambda right: f.patrol(right), right_role=CW, wrong_role=AP),
    "unidentified_link": Case(call=lambda a, w: services.unidentified_link(
        unidentified=w, id_number=f.new_id(), name="刘查明", actor=a),
        world=_unidentified, right_role=CW, wrong_role=OFFICER),
    # hand-over between regions (the receiving region: Tianjin here, so the wrong region is Shanghai)
    "handover_create": Case(call=lambda a, w: services.handover_create(
        region="610112", to_region="120101", method="train", escort_by="张", depart_at=timezone.now(),
        destination="天津站", id_number=f.new_id(), name="甲", actor=a),
        world=lambda right: None, right_role=CW, wrong_role=AP),
    "handover_acknowledge": Case(call=lambda a, w: services.handover_acknowledge(handover=w, actor=a),
                                 world=lambda right: _handover_to(right.region_id), right_role=CW,
                                 wrong_role=OFFICER, right_region="120000", wrong_region="310000"),
    "handover_complete": Case(call=lambda a, w: services.handover_complete(handover=w, actor=a, note="已交家属"),
                              world=lambda right: services.handover_acknowledge(
                                  handover=_handover_to(right.region_id), actor=right),
                              right_role=CW, wrong_role=OFFICER, right_region="120000", wrong_region="310000"),
    "home_notice_acknowledge": Case(call=lambda a, w: services.home_notice_acknowledge(
        notice=w, actor=a, follow_up="visit"), world=lambda right: _notice_to_tianjin(),
        right_role=CW, wrong_role=OFFICER, right_region="120000", wrong_region="310000"),
    # disaster-victim relief
    "disaster_event_create": Case(call=lambda a, w: services.disaster_event_create(
        region="610100", kind="flood", name="洪涝", area="灞桥区", occurred_on=f.TODAY, emergency_ends_on=f.TODAY,
        transition_ends_on=f.TODAY, actor=a), world=lambda right: None, right_role=CW, wrong_role=OFFICER),
    "disaster_household_add": Case(call=lambda a, w: services.disaster_household_add(
        event=w, id_number=f.new_id(), name="甲", damage="none", actor=a),
        world=lambda right: _disaster(), right_role=CW, wrong_role=AP),
    "disaster_households_import": Case(call=lambda a, w: services.disaster_households_import(
        event=w, upload=SimpleUploadedFile("l.csv", f"身份证号码,姓名,受灾程度\n{f.new_id()},甲,房屋未损\n".encode()),
        actor=a), world=lambda right: _disaster(), right_role=CW, wrong_role=AP),
    "disaster_aid_pay": Case(call=lambda a, w: services.disaster_aid_pay(affected=w, phase="emergency", amount=50000,
                                                                          actor=a),
                             world=lambda right: _affected(), right_role=CW, wrong_role=AP),
    "disaster_review_resolve": Case(call=lambda a, w: services.disaster_review_resolve(
        affected=w, outcome="none", reason="已恢复", actor=a), world=lambda right: _affected(review=True),
        right_role=CW, wrong_role=OFFICER),
    "heating_aid_grant": Case(call=lambda a, w: services.heating_aid_grant(household=w, amount=50000, reason="低保边缘",
                                                                            actor=a),
                              world=lambda right: f.household(right)[0], right_role=CW, wrong_role=AP),
    "notice_resend": Case(call=lambda a, w: services.notice_resend(notice=w, actor=a),
                          world=lambda right: _aid(50000).notices.get(), right_role=CW, wrong_role=OFFICER),
    # visits, discovery
    "visit_create": Case(call=lambda a, w: services.visit_create(
        household=w, visited_on=timezone.localdate(), kind="holiday", actor=a),
        world=lambda right: f.household(right)[0], right_role=CW, wrong_role=OFFICER),
    "discovery_resolve": Case(call=lambda a, w: services.discovery_resolve(task=w, actor=a, dismiss_reason="已核实"),
                              world=_discovery_task, right_role=CW, wrong_role=OFFICER),
    "application_reopen": Case(call=lambda a, w: services.application_reopen(application=w, actor=a, reason="申诉成立"),
                               world=lambda right: _rejected(), right_role=AP, wrong_role=OFFICER),
    "payment_check_case_open": Case(
        call=lambda a, w: services.payment_check_case_open(person=w.person, region="610112", period="b1",
                                                           evidence={"answer": "not_received"}, actor=a),
        world=lambda right: _submitted(), right_role=CW, wrong_role=OFFICER),
}


def _rejected() -> Application:
    return services.application_reject(application=_submitted(), actor=_colleague(AP), reason="收入超标")

EXEMPT = {
    "disaster_review_open": "the daily task's step (casework.disaster_review_open): no actor, nationwide",
    "notice_send": "the task's step (casework.send_notice): takes a notice id, no actor",
    "discovery_scan": "the nightly task's step (casework.discovery_scan): no actor, nationwide; only the task calls it",
}


def test_every_public_service_has_a_case_or_a_stated_exemption():
    check_walk(services, CASES, EXEMPT)


@pytest.mark.parametrize("name", sorted(CASES))
def test_wrong_role_and_wrong_region_are_refused_before_any_change(name):
    run_case(CASES[name])


def test_confirmation_records_the_enrolment_with_the_approver_as_its_actor(caseworker, caseworker2, approver):
    _hh, rows = f.household(caseworker)
    app = services.application_intake(id_number=rows[0]["id_number"], name=rows[0]["name"], region="610112",
                                      category="dibao", requested_amount=60000, actor=caseworker)
    services.application_review(application=app, actor=caseworker2)
    app = services.application_confirm(application=app, actor=approver, start=f.TODAY)
    event = AuditEvent.objects.get(action="assistance.enrolment_create", object_id=str(app.enrolment_id))
    assert event.actor == approver
    assert event.object_type == "assistance.Enrolment"
