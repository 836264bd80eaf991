"""Issue 19, points 6–10: what slows a caseworker, a cashier, the insured, the public and a trainer down
in daily use. Screenshots land in artifacts/e2e/<test name>/ (git-ignored)."""

import pytest

from assistance import services
from assistance.models import Batch, Scheme
from portal.models import Role
from tests.e2e.conftest import goto, login, wait_until
from tests.e2e.test_approver_journey import seed_batch


def _paid_batch(make_user, *, budget=5_000_000_000):
    """The approver journey's batch (3 people, ¥900), paid, on a scheme with a ¥50 million budget."""
    cw = make_user(Role.CASEWORKER, "610100", username="ux_cw", first_name="李民政")
    ap = make_user(Role.APPROVER, "610100", username="ux_ap", first_name="赵审批")
    batch = seed_batch(cw)
    Scheme.objects.filter(pk=batch.scheme_id).update(budget=budget)
    services.batch_approve(batch=batch, actor=ap)
    wait_until(lambda: Batch.objects.get(pk=batch.pk).status == Batch.Status.PAID, message="batch paid")
    return cw, ap, Batch.objects.get(pk=batch.pk)


@pytest.mark.django_db(transaction=True)
def test_point6_budget_chart_has_bars_and_district_rows_open(make_page, make_user, celery_worker_for_live_server):
    _cw, _ap, batch = _paid_batch(make_user)
    page, shot = make_page()
    login(page, "ux_ap")
    goto(page, "/", "工作台（预算执行）")
    chart = page.locator(".chart svg").first
    chart.wait_for()
    widths = chart.locator("rect.reactive").evaluate_all("rs => rs.map(r => r.getBBox().width)")
    assert any(w > 1 for w in widths), widths  # was: no bars on a 0–1 % axis
    labels = chart.text_content()
    assert "未央区取暖补贴（二月）" in labels and "%" in labels
    # the scheme name starts inside the picture (CJK characters are wider than pygal reckons)
    box = chart.bounding_box()
    label = chart.locator("text", has_text="未央区取暖补贴").first.bounding_box()
    assert label["x"] >= box["x"] - 1, (label, box)
    shot("dashboard-budget-chart")

    goto(page, "/assistance/progress/", "发放进度")
    shot("progress")
    page.get_by_role("link", name="未央区").first.click()
    page.wait_for_url(f"**/assistance/progress/{batch.scheme_id}/610112/")
    assert page.get_by_role("heading", name="未央区取暖补贴（二月） · 未央区").is_visible()
    assert "¥900.00" in page.locator("main").inner_text()
    shot("district-detail")
    page.get_by_role("link", name=f"#{batch.pk}", exact=False).first.click()
    page.wait_for_url(f"**/assistance/batches/{batch.pk}/")


@pytest.mark.django_db(transaction=True)
def test_point7_menu_fits_one_row_breadcrumbs_lead_back_and_batch_rows_link(make_page, make_user,
                                                                            celery_worker_for_live_server):
    _cw, _ap, batch = _paid_batch(make_user)
    page, shot = make_page()
    login(page, "ux_cw")
    goto(page, "/assistance/batches/", "发放批次")
    tops = page.locator("#mainNav > ul.navbar-nav > li").evaluate_all("ls => ls.map(l => l.offsetTop)")
    assert len(tops) >= 3 and len(set(tops)) == 1, tops  # one row at 1366 px (was two)
    shot("menu-one-row")
    page.get_by_role("button", name="救助经办").click()
    page.locator(".dropdown-menu.show").get_by_role("link", name="临时救助").wait_for()
    shot("menu-group-open")
    page.keyboard.press("Escape")

    # the scheme name in the batch list opens the batch
    page.locator("tbody tr").first.get_by_role("link", name="未央区取暖补贴（二月）").click()
    page.wait_for_url(f"**/assistance/batches/{batch.pk}/")
    crumbs = page.get_by_role("navigation", name="当前位置")
    assert crumbs.inner_text().split() == ["工作台", "发放批次", "未央区取暖补贴（二月）"], crumbs.inner_text()
    shot("batch-breadcrumb")
    goto(page, f"/assistance/batches/{batch.pk}/payments/", "发放明细")
    page.get_by_role("navigation", name="当前位置").get_by_role("link", name="未央区取暖补贴（二月）").click()
    page.wait_for_url(f"**/assistance/batches/{batch.pk}/")

    household = batch.payments.first().household_id
    goto(page, f"/assistance/households/{household}/edit/", "编辑家庭")
    shot("household-edit-breadcrumb")
    page.get_by_role("navigation", name="当前位置").get_by_role("link", name="家庭详情").click()
    page.wait_for_url(f"**/assistance/households/{household}/")
    page.get_by_role("navigation", name="当前位置").get_by_role("link", name="救助家庭").click()
    page.wait_for_url("**/assistance/")


@pytest.mark.django_db(transaction=True)
def test_point8_the_insured_and_the_public_see_their_own_house(make_page, make_user):
    from tests.factories import UserFactory
    from tests.medical_pooling.factories import insured

    worker = insured(scheme="employee", region="610100", balance=500000, person_region="610112")
    UserFactory(role=Role.INSURED, region_id=None, person=worker.person, username="ux_insured",
                first_name=worker.person.name)
    page, shot = make_page(viewport=(390, 844), mobile=True)
    public, pshot = make_page(viewport=(390, 844), mobile=True)  # opened first: each make_page empties the folder
    login(page, "ux_insured")
    page.wait_for_url("**/pooling/")  # straight to the balance, not a workbench of one card
    body = page.locator("body").inner_text()
    assert "可用余额" in body and "¥5,000.00" in body
    assert page.locator(".navbar-brand").inner_text() == "医保个人账户共济服务"
    assert "社会救助综合服务平台" not in body and page.get_by_role("link", name="接口文档（API）").count() == 0
    assert "API" not in page.locator("footer").inner_text()
    assert "为亲属保留、本人不能用的钱" in body
    shot("insured-home-balance")
    page.get_by_role("link", name="添加亲属").click()
    page.wait_for_url("**/pooling/relations/new/")
    assert page.locator("#available").inner_text() == "¥5,000.00"
    shot("add-relative-shows-available")

    goto(public, "/training/verify/", "证书查验（公开）")
    assert public.locator(".navbar-brand").inner_text() == "职业技能等级证书查验"
    assert public.locator("footer a").count() == 0 and public.locator("#mainNav a.nav-link").count() == 0
    pshot("public-verify")


@pytest.mark.django_db(transaction=True)
def test_point9_chinese_dates_public_verify_and_the_admin(make_page, make_user, celery_worker_for_live_server):
    import datetime as dt

    from skills_training import services as training
    from tests.skills_training.factories import InstitutionFactory, candidate_id

    _cw, _ap, _batch = _paid_batch(make_user)
    trainer = make_user(Role.TRAINING_STAFF, "341600", username="ux_trainer9")
    a = training.assessment_record(candidate_id_number=candidate_id(41), candidate_name="李秀英", level=5,
                                   years_in_trade=2, theory_score=82, practical_scores=[70, 75, 80],
                                   institution=InstitutionFactory(), sat_on=dt.date(2026, 1, 15), actor=trainer)
    training.certificate_revoke(number=a.certificate.number, reason="考试舞弊，成绩作废", actor=trainer)
    make_user(Role.ADMIN, None, username="ux_admin", first_name="系统管理员")

    page, shot = make_page()
    public, pshot = make_page(viewport=(390, 844), mobile=True)  # opened first: each make_page empties the folder
    admin_page, ashot = make_page()
    login(page, "ux_cw")
    goto(page, "/assistance/schemes/new/", "新建救助项目")
    deadline = page.locator("input[name=deadline]")
    assert deadline.get_attribute("type") == "text" and "年-月-日" in deadline.get_attribute("placeholder")
    assert deadline.input_value() == "2026-02-10"
    goto(page, "/casework/patrols/new/", "新建巡查")
    started = page.locator("input[name=started_at]")
    assert started.get_attribute("type") == "text" and "时:分" in started.get_attribute("placeholder")
    shot("date-time-in-chinese")

    goto(public, f"/training/verify/?number={a.certificate.number}&name=李秀英", "证书查验（已撤销）")
    status = public.locator("[data-status]").inner_text()
    assert "已撤销" in status and "REVOKED" not in public.locator("body").inner_text()
    pshot("verify-revoked-in-chinese")

    login(admin_page, "ux_admin")
    goto(admin_page, "/admin/", "管理后台")
    captions = admin_page.locator("#content-main caption").all_inner_texts()
    assert captions[0].strip() == "平台基础" and "登录防护" in [c.strip() for c in captions], captions
    text = admin_page.locator("body").inner_text()
    assert "AXES" not in text.upper() and "Access attempts" not in text and "无可选的" not in text
    ashot("admin-index-chinese")
    goto(admin_page, "/admin/assistance/household/", "管理后台：家庭")
    assert admin_page.locator("select[name=action] option", has_text="删除").count() == 0
    cell = admin_page.locator("#result_list td.field-address").first
    line = float(cell.evaluate("c => parseFloat(getComputedStyle(c).lineHeight) || 20"))
    assert cell.bounding_box()["height"] < 2.5 * line, cell.bounding_box()  # was one line per four characters
    ashot("admin-households")
    goto(admin_page, "/admin/axes/accessattempt/", "管理后台：登录失败记录")
    assert "Attempt Time" not in admin_page.locator("body").inner_text()
    ashot("admin-axes-chinese")


@pytest.mark.django_db(transaction=True)
def test_point10_trainer_enters_a_whole_sitting_in_one_grid(make_page, make_user):
    import datetime as dt

    from skills_training import services as training
    from skills_training.models import Assessment
    from tests.skills_training.factories import InstitutionFactory, candidate_id

    trainer = make_user(Role.TRAINING_STAFF, "341600", username="ux_trainer", first_name="陈培训")
    panel = ["张评委", "李评委", "王评委"]
    training.assessor_create(name="张评委", id_number=candidate_id(90), region_code="341602",
                             qualification_no="KPY-001", levels=[5, 4], valid_until=dt.date(2030, 1, 1), actor=trainer)
    sitting = training.sitting_create(level=5, sat_on=dt.date(2026, 5, 1), invigilators=["周监考"], assessors=panel,
                                      institution=InstitutionFactory(), actor=trainer)
    for seq, name in ((1, "王建国"), (2, "李芳")):
        training.candidate_admit(sitting=sitting, id_number=candidate_id(seq), name=name, actor=trainer)

    page, shot = make_page()
    login(page, "ux_trainer")
    goto(page, f"/training/sittings/{sitting.pk}/", "考试场次")
    page.get_by_role("link", name="录入本场成绩（按考评员逐列）").click()
    page.wait_for_url(f"**/training/sittings/{sitting.pk}/scores/")
    headers = page.locator("thead th").all_inner_texts()
    assert all(any(n in h for h in headers) for n in panel) and not any("考评员1" in h for h in headers)
    shot("grid-empty")

    def fill(name, years, theory, *scores):
        row = page.locator("tbody tr", has_text=name)
        row.get_by_label(f"{name} 从业年限").fill(str(years))
        row.get_by_label(f"{name} 理论成绩").fill(str(theory))
        for who, s in zip(panel, scores, strict=True):
            row.get_by_label(f"{name} 考评员{who}评分").fill(str(s))

    fill("王建国", 2, 80, 83, 84, 84)
    fill("李芳", 3, 101, 70, 70, 70)
    page.get_by_role("button", name="保存本场成绩").click()
    page.locator(".alert-danger").wait_for()
    assert "全部成绩均未保存" in page.locator(".alert-danger").inner_text()
    bad = page.locator("tbody tr.table-danger")
    assert bad.count() == 1 and "李芳" in bad.inner_text() and "0到100" in bad.inner_text()
    assert not Assessment.objects.exists()
    shot("grid-row-error")
    page.locator("tbody tr", has_text="李芳").get_by_label("李芳 理论成绩").fill("90")
    page.get_by_role("button", name="保存本场成绩").click()
    page.wait_for_url(f"**/training/sittings/{sitting.pk}/")
    assert "已保存 2 名考生的成绩" in page.locator("main").inner_text()
    assert "83.67" in page.locator("main").inner_text()  # (83+84+84)/3 rounded half up, not cut to 83.66
    shot("grid-saved-rounded")
