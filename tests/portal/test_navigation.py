"""Grouped navigation per role and the one breadcrumb component."""

import pytest
from django.apps import apps
from django.template import Context, Template

from portal.models import Role
from portal.navigation import NavItem, nav_groups
from tests.assistance import factories as f

pytestmark = pytest.mark.django_db


def test_caseworker_menu_is_a_few_groups_with_every_entry_inside(caseworker):
    groups = nav_groups(caseworker, "/assistance/batches/7/")
    labels = [str(g["label"]) for g in groups]
    assert len(groups) <= 8, labels  # twelve and more single entries wrapped onto two rows at 1366 px
    assert {"救助对象", "资金发放", "救助经办"} <= set(labels)
    entries = [str(i["label"]) for g in groups for i in g["items"]]
    assert {"救助家庭", "发放批次", "发放进度", "救助申请", "主动发现", "救助统计"} <= set(entries)
    money = next(g for g in groups if str(g["label"]) == "资金发放")
    assert money["active"] and [str(i["label"]) for i in money["items"] if i["active"]] == ["发放批次"]


def test_an_entry_without_a_group_falls_into_its_apps_group(caseworker, monkeypatch):
    config = apps.get_app_config("assistance")
    monkeypatch.setattr(config, "nav_items", (*config.nav_items,
                                              NavItem("外来条目", "assistance:review-queue", frozenset({Role.CASEWORKER}))))
    groups = {str(g["label"]): g for g in nav_groups(caseworker)}
    assert [str(i["label"]) for i in groups[str(config.verbose_name)]["items"]] == ["外来条目"]


def test_menu_renders_dropdowns_and_single_entries_as_links(client, caseworker, make_user):
    client.force_login(caseworker)
    html = client.get("/").content.decode()
    assert html.count('class="nav-link dropdown-toggle') >= 3 and 'data-bs-toggle="dropdown"' in html
    insured = make_user(Role.INSURED, None, username="ins_nav")
    client.force_login(insured)
    html = client.get("/").content.decode()
    assert "dropdown-toggle" not in html


def test_breadcrumb_tag_links_each_level_and_marks_the_current_page():
    html = Template('{% load portal_tags %}{% breadcrumb "发放批次" "assistance:batch-list" "项目甲" "/x/" "发放明细" %}') \
        .render(Context())
    assert 'href="/assistance/batches/">发放批次</a>' in html and 'href="/x/">项目甲</a>' in html
    assert '<li class="breadcrumb-item active" aria-current="page">发放明细</li>' in html
    assert ">工作台</a>" in html


def test_household_batch_and_form_pages_carry_the_breadcrumb(client, caseworker, approver):
    hh = f.household(caseworker, members=1)
    batch = f.built_batch(caseworker, f.scheme(caseworker))
    client.force_login(caseworker)
    for url, trail in [
        (f"/assistance/households/{hh.pk}/", ["救助家庭", "家庭详情"]),
        (f"/assistance/households/{hh.pk}/edit/", ["救助家庭", "家庭详情", "编辑家庭信息"]),
        ("/assistance/households/new/", ["救助家庭", "登记家庭"]),
        ("/assistance/enrolments/new/", ["救助家庭", "新增救助对象认定"]),
        (f"/assistance/batches/{batch.pk}/", ["发放批次", batch.scheme.name]),
        (f"/assistance/batches/{batch.pk}/payments/", ["发放批次", batch.scheme.name, "发放明细"]),
        ("/assistance/batches/new/", ["发放批次", "新建发放批次"]),
    ]:
        html = client.get(url).content.decode()
        crumb = html[html.index('class="portal-breadcrumb"'):]
        crumb = crumb[:crumb.index("</nav>")]
        positions = [crumb.index(t) for t in trail]
        assert positions == sorted(positions), (url, crumb)
    html = client.get("/assistance/batches/").content.decode()
    assert f'<a href="/assistance/batches/{batch.pk}/">{batch.scheme.name}</a>' in html
