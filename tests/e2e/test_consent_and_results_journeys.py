"""Journey 6: a beneficiary on a phone accepts a pooling relation her son asked for (由双方自愿建立): until then
it reserves nothing; after it, the quota is reserved from the son's account, and the insurance officer (second
factor) sees the relation in the statistics.
Journey 7: training staff (second factor) import a sitting's score sheet and publish its results (公示): the
notice period runs, objections can be recorded, and no certificate is issued before it ends."""

import datetime as dt

import pytest

from medical_pooling.models import Account, Relation
from portal.models import Role
from skills_training import services as training
from skills_training.models import Certificate, Sitting
from tests.e2e.conftest import goto, login
from tests.factories import UserFactory
from tests.medical_pooling.factories import insured, pending_relation
from tests.skills_training.factories import InstitutionFactory, candidate_id


@pytest.mark.django_db(transaction=True)
def test_beneficiary_accepts_a_pooling_relation_on_a_phone(make_page, make_user, celery_worker_for_live_server):
    son = insured(scheme="employee", region="610100", balance=300000, person_region="610112")
    mother = insured(scheme="resident", region="341600", person_region="341602")
    UserFactory(role=Role.INSURED, region_id=None, person=son.person, username="e2e_son", first_name=son.person.name)
    UserFactory(role=Role.INSURED, region_id=None, person=mother.person, username="e2e_mother",
                first_name=mother.person.name)
    rel = pending_relation(son, mother, 150000, kinship="child")
    assert Account.objects.get(insured=son).reserved == 0  # a request reserves nothing

    page, shot = make_page(viewport=(390, 844), mobile=True)
    login(page, "e2e_mother")
    goto(page, "/pooling/", "我的医保共济（被共济人）")
    request = page.locator(".card", has_text=son.person.name)
    assert "申请为您提供共济额度" in request.inner_text() and "¥1,500.00" in request.inner_text()
    assert page.get_by_role("link", name="医保共济怎么用？").count() >= 1  # the explainer is linked
    shot("request-waiting")
    request.get_by_role("button", name="同意共济").click()
    page.wait_for_url("**/pooling/")
    assert "已确认共济关系" in page.locator(".alert-success").inner_text()
    card = page.locator(".card", has_text=son.person.name)
    assert "同意共济" not in card.inner_text() and card.get_by_role("button", name="出示付款码").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot("accepted")

    rel.refresh_from_db()
    assert rel.status == Relation.Status.ACTIVE and rel.accepted_at is not None
    assert Account.objects.get(insured=son).reserved == 150000

    # the son sees the quota reserved now
    spage, sshot = make_page(viewport=(390, 844), mobile=True)
    login(spage, "e2e_son")
    goto(spage, "/pooling/", "我的医保共济（共济人）")
    assert spage.locator(".card", has_text="共济占用").locator(".mp-money").inner_text() == "¥1,500.00"
    sshot("reserved")

    # the officer signs in with the second factor and finds the relation in this month's statistics
    make_user(Role.INSURANCE_OFFICER, None, username="e2e_officer", first_name="孙医保")
    opage, oshot = make_page()
    login(opage, "e2e_officer")
    goto(opage, "/pooling/statistics/", "共济统计")
    assert opage.locator("h1").inner_text() == "共济统计"
    assert opage.locator("#stat-relations").inner_text().startswith("1 / 0 / 0")
    assert opage.locator("figure svg").count() >= 5
    opage.get_by_label("省份").select_option("340000")
    opage.get_by_role("button", name="查询").click()
    opage.wait_for_url("**/pooling/statistics/?*province=340000*")
    assert opage.locator("#stat-relations").inner_text().startswith("1 / 0 / 0")
    assert opage.get_by_role("link", name="导出 XLSX").count() == 1
    oshot("statistics")


@pytest.mark.django_db(transaction=True)
def test_trainer_publishes_a_sittings_results(make_page, make_user, celery_worker_for_live_server, tmp_path):
    trainer = make_user(Role.TRAINING_STAFF, "341600", username="e2e_trainer", first_name="陈培训")
    school = InstitutionFactory(name="亳州市药膳职业培训学校")
    panel = ["郑考评", "冯考评", "陈考评"]
    sitting = training.sitting_create(level=5, sat_on=dt.date.today() - dt.timedelta(days=2), institution=school,
                                      invigilators=["周监考"], assessors=panel, actor=trainer)
    people = [(candidate_id(41), "王建国"), (candidate_id(42), "李秀英"), (candidate_id(43), "张桂兰")]
    for number, name in people:
        training.candidate_admit(sitting=sitting, id_number=number, name=name, actor=trainer)
    sheet = tmp_path / "成绩表.csv"
    lines = ["身份证号码,姓名,从业年限,理论成绩," + ",".join(panel)]
    for (number, name), (theory, scores) in zip(people, [(82, "70,75,80"), (91, "88,86,90"), (45, "61,58,60")],
                                                strict=True):
        lines.append(f"{number},{name},2,{theory},{scores}")
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")

    page, shot = make_page()
    login(page, "e2e_trainer")  # a training staff login asks for the second factor
    goto(page, f"/training/sittings/{sitting.pk}/", "考试场次")
    assert "成绩未公示" in page.locator("main").inner_text()
    page.set_input_files("#sheet-file", str(sheet))
    page.get_by_role("button", name="导入", exact=True).click()
    page.wait_for_load_state()
    assert "已导入 3 名考生的成绩" in page.locator(".alert-success").inner_text()
    results = page.locator("table", has=page.locator("th", has_text="证书 / 异议"))
    rows = results.locator("tbody tr")
    assert rows.count() == 3 and "不合格" in rows.filter(has_text="张桂兰").inner_text()
    shot("imported")

    page.get_by_label("公示期（工作日）").fill("0")
    page.get_by_role("button", name="发布公示").click()
    page.wait_for_load_state()
    assert page.locator(".invalid-feedback").count() >= 1  # refused in Chinese, nothing published
    assert Sitting.objects.get(pk=sitting.pk).results_published_at is None
    page.get_by_label("公示期（工作日）").fill("5")
    page.get_by_role("button", name="发布公示").click()
    page.wait_for_load_state()
    assert "成绩已公示" in page.locator(".alert-success").inner_text()
    main = page.locator("main").inner_text()
    assert "成绩公示中" in main and "5 个工作日" in main
    sitting.refresh_from_db()
    assert sitting.results_published_at is not None and sitting.notice_until > dt.date.today()
    assert not Certificate.objects.exists()  # none before the notice period ends
    # objections can now be recorded against a published result
    row = results.locator("tbody tr", has_text="王建国")
    assert row.get_by_role("button", name="登记异议").count() == 1
    assert page.get_by_role("button", name="发布公示").count() == 0
    shot("published")
