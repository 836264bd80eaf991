"""The labour brand 亳州养生: trades as data (with their standard where one exists), events, the standard's
pilot region — pages for training staff (create/edit, Chinese validation, scope), API lists, the dashboard
beside the employment follow-up, and the demo."""

import datetime as dt

import pytest
from django.test import Client

from portal.models import AuditEvent, Role
from skills_training import services
from skills_training.models import BrandEvent, BrandTrade, PilotRegion

from .factories import BOZHOU, QIAOCHENG

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def an_event(actor, **over):
    data = {"kind": "expo", "name": "第1届亳州药膳产品展销会", "held_on": dt.date(2024, 10, 16),
            "place": "亳州中药材交易中心", "region_code": QIAOCHENG, "trades": ["cuisine", "tea"],
            "participants": 1200, "deals_signed": 12, "deal_amount": 800_000_000, "jobs_offered": 260}
    data.update(over)
    return services.brand_event_save(actor=actor, **data)


def test_trades_are_seeded_as_data_with_their_standard():
    trades = {t.code: t for t in BrandTrade.objects.select_related("standard")}
    assert {"cuisine", "tea", "massage"} <= set(trades)
    assert trades["cuisine"].name == "药膳" and trades["cuisine"].standard.code == "4-03-02-01"
    assert trades["tea"].name == "药茶" and trades["tea"].standard is None and trades["tea"].standard_note
    assert trades["massage"].name == "推拿" and trades["cuisine"].region_id == BOZHOU


def test_event_create_and_edit_through_the_form(trainer):
    c = client_for(trainer)
    assert c.get("/training/brand/events/new/").status_code == 200
    r = c.post("/training/brand/events/new/", {
        "kind": "forum", "name": "第7届全国药膳学术论坛", "held_on": "2025-09-18", "place": "亳州市国际会展中心",
        "region_code": QIAOCHENG, "trades": ["cuisine"], "participants": "420", "deals_signed": "3",
        "deal_amount": "1,200,000.00", "jobs_offered": "35", "note": ""})
    assert r.status_code == 302, r.content.decode()
    event = BrandEvent.objects.get()
    assert (event.participants, event.deals_signed, event.deal_amount, event.jobs_offered) == (420, 3, 120_000_000, 35)
    assert [t.code for t in event.trades.all()] == ["cuisine"]
    assert AuditEvent.objects.filter(action="training.brand_event_save").count() == 1
    page = c.get(f"/training/brand/events/{event.pk}/").content.decode()
    assert "第7届全国药膳学术论坛" in page and "1200000.00" in page
    r = c.post(f"/training/brand/events/{event.pk}/", {
        "kind": "forum", "name": "第7届全国药膳学术论坛", "held_on": "2025-09-18", "place": "亳州市国际会展中心",
        "region_code": QIAOCHENG, "trades": ["cuisine", "tea"], "participants": "450", "deals_signed": "3",
        "deal_amount": "1200000", "jobs_offered": "35"})
    assert r.status_code == 302
    event.refresh_from_db()
    assert event.participants == 450 and event.trades.count() == 2
    listing = c.get("/training/brand/").content.decode()
    assert "第7届全国药膳学术论坛" in listing and "药膳制作师" in listing and "4-03-02-01" in listing


def test_bad_event_refused_in_chinese_and_nothing_saved(trainer):
    c = client_for(trainer)
    base = {"kind": "expo", "name": "展销会", "held_on": "2025-10-16", "place": "亳州", "region_code": QIAOCHENG,
            "participants": "10", "deals_signed": "0", "deal_amount": "0", "jobs_offered": "0"}
    cases = [
        ({"held_on": (dt.date.today() + dt.timedelta(days=3)).isoformat()}, "举办日期不能晚于今天"),
        ({"participants": "-5"}, "大于或等于"),
        ({"deal_amount": "12abc"}, "金额"),
        ({"deal_amount": "5000"}, "请填写签约项目数"),
        ({"name": ""}, "该字段是必填项"),
        ({"region_code": "12"}, "请填写6位行政区划代码"),
        ({"trades": ["nope"]}, "所选板块不存在"),
        ({"region_code": "120101"}, "不在您的管辖范围内"),
    ]
    for change, message in cases:
        r = c.post("/training/brand/events/new/", {**base, **change})
        html = r.content.decode()
        assert r.status_code in (200, 403), change
        assert message in html or r.status_code == 403, (change, html[:2000])
    assert not BrandEvent.objects.exists()


def test_trade_and_pilot_region_forms(trainer):
    c = client_for(trainer)
    r = c.post("/training/brand/trades/new/", {"code": "huacha", "name": "花草茶", "occupation": "茶艺",
                                               "region_code": BOZHOU, "standard_code": "", "standard_note": "",
                                               "description": "", "position": "4"})
    assert r.status_code == 200 and "没有国家职业标准时，请写明依据" in r.content.decode()
    r = c.post("/training/brand/trades/new/", {"code": "Hua Cha", "name": "花草茶", "region_code": BOZHOU,
                                               "standard_note": "团体标准", "position": "4"})
    assert "板块代码只能由小写字母" in r.content.decode()
    r = c.post("/training/brand/trades/new/", {"code": "huacha", "name": "花草茶", "region_code": BOZHOU,
                                               "standard_note": "亳州市花草茶团体标准", "position": "4"})
    assert r.status_code == 302 and BrandTrade.objects.filter(code="huacha").exists()
    tea = BrandTrade.objects.get(code="tea")
    r = c.post(f"/training/brand/trades/{tea.pk}/", {"code": "tea", "name": "药茶", "region_code": BOZHOU,
                                                     "standard_code": "4-03-02-01", "standard_note": "",
                                                     "position": "2"})
    assert r.status_code == 302
    tea.refresh_from_db()
    assert tea.standard.code == "4-03-02-01"
    r = c.post("/training/brand/pilots/new/", {"region_code": BOZHOU, "standard_code": "4-03-02-01",
                                               "approved_by": "人力资源社会保障部", "approved_on": "", "note": ""})
    assert r.status_code == 302 and PilotRegion.objects.get().region_id == BOZHOU
    r = c.post("/training/brand/pilots/new/", {"region_code": BOZHOU, "standard_code": "4-03-02-01",
                                               "approved_by": "人力资源社会保障部"})
    assert "该地区已是该标准的先行试点地区" in r.content.decode() and PilotRegion.objects.count() == 1


def test_scope_and_roles(trainer, trainer_xian, caseworker, api):
    event = an_event(trainer)
    other = client_for(trainer_xian)
    assert other.get(f"/training/brand/events/{event.pk}/").status_code == 404
    assert "第1届亳州药膳产品展销会" not in other.get("/training/brand/").content.decode()
    assert api(trainer_xian).get("/api/v1/training/brand/events/").json()["count"] == 0
    r = other.post("/training/brand/events/new/", {
        "kind": "expo", "name": "展销会", "held_on": "2025-10-16", "place": "亳州", "region_code": QIAOCHENG,
        "participants": "10", "deals_signed": "0", "deal_amount": "0", "jobs_offered": "0"})
    assert r.status_code in (200, 403) and BrandEvent.objects.count() == 1
    for url in ("/training/brand/", "/training/brand/events/new/", "/training/brand/trades/new/",
                "/training/brand/pilots/new/"):
        assert client_for(caseworker).get(url).status_code == 403
    for url in ("/api/v1/training/brand/trades/", "/api/v1/training/brand/events/",
                "/api/v1/training/brand/pilot-regions/"):
        assert api(caseworker).get(url).status_code == 403
        assert api().get(url).status_code == 401


def test_api_lists(trainer, api):
    an_event(trainer)
    an_event(trainer, kind="forum", name="第2届全国药膳学术论坛", trades=["cuisine"], deals_signed=0, deal_amount=0)
    services.pilot_region_save(region_code=BOZHOU, standard_code="4-03-02-01", approved_by="人力资源社会保障部",
                               actor=trainer)
    client = api(trainer)
    trades = client.get("/api/v1/training/brand/trades/").json()
    assert {t["code"]: t["standard_code"] for t in trades["results"]}["cuisine"] == "4-03-02-01"
    events = client.get("/api/v1/training/brand/events/").json()
    assert events["count"] == 2
    expo = client.get("/api/v1/training/brand/events/?kind=expo").json()["results"]
    assert expo == [{"id": expo[0]["id"], "kind": "expo", "kind_display": "产品展销会", "name": "第1届亳州药膳产品展销会",
                     "held_on": "2024-10-16", "place": "亳州中药材交易中心", "region": QIAOCHENG,
                     "trades": ["cuisine", "tea"], "participants": 1200, "deals_signed": 12,
                     "deal_amount": "8000000.00", "jobs_offered": 260, "note": ""}]
    pilots = client.get("/api/v1/training/brand/pilot-regions/").json()["results"]
    assert pilots[0]["region"] == BOZHOU and pilots[0]["standard_code"] == "4-03-02-01"


def test_dashboard_shows_the_brand_beside_the_follow_up(trainer):
    from skills_training.models import EmploymentFollowUp
    from tests.skills_training.test_write_gate import an_old_certificate

    cert = an_old_certificate(trainer)
    services.followup_record(certificate=cert, followed_on=dt.date(2025, 8, 1), outcome="tea_shop", brand="tea",
                             income_before=180000, income_after=760000, jobs_created=8, actor=trainer)
    assert EmploymentFollowUp.objects.count() == 1
    an_event(trainer)
    services.pilot_region_save(region_code=BOZHOU, standard_code="4-03-02-01", approved_by="人力资源社会保障部",
                               actor=trainer)
    html = client_for(trainer).get("/training/dashboard/").content.decode()
    trades = html.split('id="brand-trades"')[1].split("</table>")[0]
    assert "药茶" in trades and "<td class=\"text-end\">8</td>" in trades
    events = html.split('id="brand-events"')[1].split("</table>")[0]
    assert "产品展销会" in events and "1200" in events and "260" in events and "¥8,000,000.00" in events
    assert "亳州市" in html.split('id="brand-pilots"')[1].split("</ul>")[0]
    assert 'href="/training/brand/"' in html


def test_demo_has_the_brand(capsys):
    from portal.demo import seed as seed_portal
    from skills_training import demo

    class Out:
        def write(self, text):
            print(text)

    seed_portal(Out(), password="demo12345")
    demo.seed(Out())
    assert BrandEvent.objects.filter(kind="forum").count() == 7
    assert BrandEvent.objects.filter(kind="expo").count() == 8
    assert PilotRegion.objects.filter(region_id=BOZHOU, standard__code="4-03-02-01").exists()
    trainer = __import__("portal.models", fromlist=["User"]).User.objects.get(username="trainer")
    assert trainer.role == Role.TRAINING_STAFF
    html = client_for(trainer).get("/training/dashboard/").content.decode()
    assert "学术论坛" in html and "产品展销会" in html
