"""The admin in Chinese, the portal's apps first, and no deletion of records kept by law."""

import re

import pytest

from assistance.models import Household
from tests.assistance import factories as f

pytestmark = pytest.mark.django_db


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_admin_index_is_chinese_and_starts_with_the_portals_apps(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/admin/").content.decode()
    text = _visible_text(html)
    for english in ("Axes", "AXES", "Access attempts", "Access logs", "Access failures", "无可选的"):
        assert english not in text, english
    assert "登录防护" in text and "登录失败记录" in text and "暂无操作记录" in text
    captions = re.findall(r'<caption>\s*<a [^>]*>([^<]+)</a>', html)
    assert captions[:5] == ["平台基础", "社会救助", "救助业务经办", "医保个人账户共济", "药膳制作师技能评价"], captions


def test_axes_pages_speak_chinese(client, admin_user):
    client.force_login(admin_user)
    for url in ("/admin/axes/accessattempt/", "/admin/axes/accesslog/"):
        text = _visible_text(client.get(url).content.decode())
        for english in ("Attempt Time", "IP Address", "User Agent", "Path", "Locked Out", "Username"):
            assert english not in text, (url, english)


def test_records_kept_by_law_cannot_be_deleted_in_the_admin(client, admin_user, caseworker):
    hh = f.household(caseworker, members=1)
    client.force_login(admin_user)
    html = client.get("/admin/assistance/household/").content.decode()
    assert "delete_selected" not in html and "删除所选" not in html
    for url in ("/admin/assistance/payment/", "/admin/assistance/batch/", "/admin/portal/person/",
                "/admin/portal/auditevent/", "/admin/skills_training/sitting/"):
        resp = client.get(url)
        assert resp.status_code == 200 and "delete_selected" not in resp.content.decode(), url
    resp = client.post(f"/admin/assistance/household/{hh.pk}/delete/", {"post": "yes"})
    assert resp.status_code == 403 and Household.objects.filter(pk=hh.pk).exists()
    resp = client.post("/admin/assistance/household/", {"action": "delete_selected", "_selected_action": [hh.pk],
                                                        "post": "yes"})
    assert Household.objects.filter(pk=hh.pk).exists()


def test_household_list_gives_the_address_room(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/admin/assistance/household/").content.decode()
    assert "portal/admin.css" in html


def test_date_inputs_are_text_with_a_chinese_format_hint(client, caseworker):
    client.force_login(caseworker)
    html = client.get("/assistance/schemes/new/").content.decode()
    tag = re.search(r'<input[^>]*name="deadline"[^>]*>', html).group(0)
    assert 'type="text"' in tag and "年-月-日" in tag and 'value="2026-02-10"' in tag
    resp = client.get("/casework/patrols/new/")
    html = resp.content.decode()
    assert resp.status_code == 200 and "datetime-local" not in html and 'type="date"' not in html
    assert "年-月-日 时:分" in html


def test_a_date_typed_the_chinese_way_is_accepted():
    from assistance.forms import EnrolmentActionForm

    for typed in ("2026-02-10", "2026/2/10", "2026/02/10"):
        form = EnrolmentActionForm({"on": typed})
        assert form.is_valid(), (typed, form.errors)
        assert str(form.cleaned_data["on"]) == "2026-02-10"
