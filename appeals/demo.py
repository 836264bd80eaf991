"""Demo data for appeals and payment verification, through the services: an appeal in each state (filed,
under review, upheld, partly upheld, dismissed, withdrawn) against the decisions the other apps' demos
made (a rejection, a household enrolment, pooled spends) plus two households enrolled and stopped here;
and the paid Xi'an batch verified (its sample drawn with a fixed seed, every answer recorded)."""

import datetime as dt

from django.utils import timezone

from assistance import services as assistance_services
from assistance.models import Batch, HouseholdEnrolment
from casework.models import Application
from medical_pooling.models import Spend
from portal.idnumber import make
from portal.models import User
from portal.money import yuan_display

from . import services
from .models import Appeal, VerificationCheck

SEED = "demo-2026-hdsnl"


def _user(username):
    return User.objects.filter(username=username).first()


def _enrolled(cw, ap, *, name: str, number: str, address: str, wages: int, start: dt.date):
    hh = assistance_services.household_create(region="610112", area="urban", address=address, actor=cw,
                                              bank_account="6222020200000021021",
                                              members=[{"name": name, "id_number": number, "relation": "head"}])
    assistance_services.income_item_add(household=hh, kind="wages", monthly_amount=wages, actor=cw)
    test = assistance_services.means_test_run(household=hh, actor=cw, on=start)
    return assistance_services.household_enrol(household=hh, actor=ap, start=start, means_test=test)


def seed(stdout):
    if Appeal.objects.exists():
        stdout.write("appeals: 演示数据已存在，跳过。")
        return
    cw, ap, ap_sx, officer = _user("caseworker"), _user("approver"), _user("approver_sx"), _user("officer")
    if None in (cw, ap, ap_sx):
        stdout.write("appeals: 缺少演示账号，跳过。")
        return
    today = timezone.localdate()
    month_start = today.replace(day=1)
    prev_start = (month_start - dt.timedelta(days=1)).replace(day=1)
    made = {}

    # filed: the rejection the casework demo made, contested by the applicant through the caseworker
    rejected = Application.objects.filter(status=Application.Status.REJECTED, region_id="610112").first()
    if rejected is not None:
        made["filed"] = services.appeal_file(actor=cw, kind="rejection", subject=rejected,
                                             grounds="申请人称家庭收入中含一次性务工收入，不应按月计入。")

    # under review: the monthly household of the assistance demo asks for a higher amount
    he = HouseholdEnrolment.objects.filter(region_id="610112", status=HouseholdEnrolment.Status.ACTIVE).first()
    if he is not None:
        a = services.appeal_file(actor=cw, kind="amount", subject=he, grounds="家庭成员患慢性病，医疗支出未扣除。",
                                 requested_amount=he.monthly_amount + 30000)
        made["under_review"] = services.appeal_review_start(appeal=a, actor=ap_sx)  # ap enrolled it

    # upheld: a household stopped this month is reinstated from the stop (back-pay in the next payroll)
    stopped = _enrolled(cw, ap, name="雷申诉", number=make("61011219580417201"), address="未央区凤城二路21号",
                        wages=20000, start=prev_start)
    stopped = assistance_services.enrolment_stop(household_enrolment=stopped, actor=cw, on=month_start,
                                                 reason="入户核查时家中无人，疑似外出务工")
    a = services.appeal_file(actor=cw, kind="stop", subject=stopped,
                             grounds="本人住院治疗，并非外出务工，附住院证明。")
    services.appeal_review_start(appeal=a, actor=ap)
    made["upheld"] = services.appeal_decide(appeal=a, actor=ap, outcome="upheld",
                                            reason="经核实住院属实，自停发之日起恢复发放并补发。")

    # partly upheld: an amount raised, but less than asked
    corrected = _enrolled(cw, ap, name="姚复核", number=make("61011219620925202"), address="未央区凤城三路9号",
                          wages=40000, start=prev_start)
    a = services.appeal_file(actor=cw, kind="amount", subject=corrected, grounds="务工收入按最高月份计算，偏高。",
                             requested_amount=corrected.monthly_amount + 40000)
    services.appeal_review_start(appeal=a, actor=ap_sx)
    made["partly_upheld"] = services.appeal_decide(
        appeal=a, actor=ap_sx, outcome="partly_upheld", reason="按近六个月平均收入重新核算。",
        awarded_amount=corrected.monthly_amount + 20000, effective_from=prev_start)

    # pooled spends contested by the insured parent: one refunded, one dismissed, one withdrawn
    spends = list(Spend.objects.filter(refund_of__isnull=True, amount__gt=0, institution__isnull=False)
                  .order_by("id")[:3])
    parent = _user("insured_parent")
    if officer is not None and parent is not None and len(spends) == 3:
        kinds = [("dismissed", "当日确在该院就诊，但金额有误。", "经调取就诊记录，金额与处方一致，驳回。"),
                 ("upheld", "当日未在该院就诊。", "机构误用付款码，全额退回共济额度。"),
                 ("withdrawn", "购药金额有疑问。", "")]
        for spend, (state, grounds, reason) in zip(spends, kinds, strict=True):
            filer = parent if spend.beneficiary.person_id == parent.person_id else officer
            a = services.appeal_file(actor=filer, kind="spend", subject=spend, grounds=grounds)
            if state == "withdrawn":
                made[state] = services.appeal_withdraw(appeal=a, actor=filer, reason="已与药房核对清楚")
                continue
            reviewer = officer if spend.created_by_id != officer.pk else _user("officer_bz")
            services.appeal_review_start(appeal=a, actor=reviewer)
            made[state] = services.appeal_decide(appeal=a, actor=reviewer, outcome=state, reason=reason)

    # a verified batch: the paid Xi'an one-off batch, sampled with a fixed seed, every answer recorded
    batch = Batch.objects.filter(status=Batch.Status.PAID, region_id="610100", payroll_month="").order_by("id").first()
    verified = ""
    if batch is not None:
        rnd = services.verification_draw(batch=batch, actor=cw, seed=SEED)
        checks = list(rnd.checks.order_by("region_id", "rank"))
        for i, check in enumerate(checks):
            if i == 1:
                services.verification_record(check=check, actor=cw, answer=VerificationCheck.Answer.AMOUNT_DIFFERS,
                                             method="visit", reported_amount=max(check.amount - 20000, 0),
                                             note="本人称只收到部分，家属代领")
            elif i == 4:
                services.verification_record(check=check, actor=cw, answer=VerificationCheck.Answer.NOT_RECEIVED,
                                             method="phone", note="本人称银行卡已挂失，未见到款项")
            else:
                services.verification_record(check=check, actor=cw, answer=VerificationCheck.Answer.RECEIVED,
                                             method="phone" if i % 2 else "visit")
        verified = f"；批次 #{batch.pk} 回访核查 {len(checks)} 户（种子 {SEED}）"
    stdout.write("  申诉复核：" + "，".join(f"{Appeal.Status(k).label} #{a.pk}" for k, a in made.items())
                 + f"；停发恢复 {yuan_display(stopped.monthly_amount)}/月" + verified)
