"""The dashboard's budget chart after money was paid, the progress page's district rows and their detail."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from assistance import services
from assistance.dashboard import widgets
from assistance.models import Batch
from portal.charts import bar, percent
from portal.models import Role

from . import factories as f

pytestmark = pytest.mark.django_db


def test_percent_rounds_half_up_and_keeps_small_shares():
    assert percent(14615000, 5_000_000_000) == Decimal("0.29")
    assert percent(1, 200) == Decimal("0.50")
    assert percent(1, 8, 1) == Decimal("12.5") and percent(1, 16, 1) == Decimal("6.3")  # half up, not to even
    assert percent(5, 0) == 0


def _paid_batch(caseworker, approver, budget):
    f.household(caseworker, members=2)
    sch = f.scheme(caseworker, budget=budget)
    batch = f.built_batch(caseworker, sch)
    services.batch_approve(batch=batch, actor=approver)
    services.batch_pay(batch_id=batch.pk)
    sch.refresh_from_db()
    assert sch.paid == 160000 and Batch.objects.get(pk=batch.pk).status == Batch.Status.PAID
    return sch, batch


def _bar_widths(svg):
    return [float(w) for w in re.findall(r'<rect[^>]*width="([0-9.]+)"[^>]*class="rect reactive', svg)]


def test_budget_chart_shows_bars_after_a_small_share_of_a_large_budget_was_paid(caseworker, approver):
    sch, _batch = _paid_batch(caseworker, approver, budget=5_000_000_000)  # ¥1,600 of ¥50 million
    chart = next(w for w in widgets(caseworker) if w.get("chart"))["chart"]
    assert any(w > 1 for w in _bar_widths(chart)), chart  # today: every bar 0 wide on a 0–1 % axis
    assert f"{sch.name}（不足0.01%）" in chart  # 0.0032 % would round to 0.00 %


def test_budget_percent_on_the_progress_page_is_not_cut_to_zero(caseworker, approver, client):
    _paid_batch(caseworker, approver, budget=40_000_000)  # ¥1,600 of ¥400,000 = 0.40 %
    client.force_login(caseworker)
    html = client.get(reverse("assistance:deadlines")).content.decode()
    assert 'aria-valuenow="0.40"' in html and ">0.40%<" in html


def test_long_cjk_scheme_names_fit_left_of_the_bars_and_keep_their_full_name():
    long_name = "西安市未央区二〇二六年春节困难群众一次性生活补贴"
    svg = bar("t", [long_name, "短名"], {"a": [1, 2]}, horizontal=True)
    assert f"<title>{long_name}</title>" in svg and "…" in svg
    shown = re.search(r'<text x="(-?[0-9.]+)"[^>]*>([^<]*…)', svg)
    margin = re.search(r'<g transform="translate\(([0-9.]+), ', svg)
    # the label is right-aligned at its x, so its start lies len * 12 px to the left: inside the picture
    assert float(margin.group(1)) + float(shown.group(1)) - len(shown.group(2)) * 12 >= 0


def test_district_rows_open_the_district_detail(caseworker, approver, client, make_user):
    sch, batch = _paid_batch(caseworker, approver, budget=10**10)
    client.force_login(caseworker)
    html = client.get(reverse("assistance:deadlines")).content.decode()
    url = reverse("assistance:district-progress", args=[sch.pk, "610112"])
    assert f'href="{url}"' in html
    detail = client.get(url)
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "¥1,600.00" in body and reverse("assistance:batch-detail", args=[batch.pk]) in body
    assert "100.0%" in body
    # another province's caseworker: absent
    other = make_user(Role.CASEWORKER, "120000", username="cw_tj2")
    client.force_login(other)
    assert client.get(url).status_code == 404
    client.force_login(caseworker)
    assert client.get(reverse("assistance:district-progress", args=[sch.pk, "610113"])).status_code == 404
