"""Issue 19, points 1–5: the services and pages behind the daily-use journeys (tests/e2e/test_daily_use_journeys.py)."""

import pytest
from django.test import Client

from assistance import services
from assistance.models import Batch

from . import factories as f

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    c.force_login(user)
    return c


# --------------------------------------------------------------------------- 5. build and payout progress


def test_building_batch_shows_the_build_bar_and_no_payout(caseworker):
    f.household(caseworker)
    batch = services.batch_create(scheme=f.scheme(caseworker), region="610100", actor=caseworker)
    Batch.objects.filter(pk=batch.pk).update(progress=40)
    html = _client(caseworker).get(f"/assistance/batches/{batch.pk}/progress/").content.decode()
    assert "正在后台生成发放名单" in html and 'id="build-progress"' in html and 'aria-valuenow="40"' in html
    assert 'id="payout-progress"' not in html


def test_draft_batch_payout_at_zero_and_no_building_text(caseworker, approver):
    f.household(caseworker, members=2)
    batch = f.built_batch(caseworker, f.scheme(caseworker))
    assert batch.status == Batch.Status.DRAFT and batch.progress == 100 and batch.payout_percent == 0
    html = _client(caseworker).get(f"/assistance/batches/{batch.pk}/").content.decode()
    assert "正在后台生成发放名单" not in html and 'id="build-progress"' not in html
    assert 'id="payout-progress" role="progressbar" aria-label="发放进度" aria-valuenow="0"' in html
    assert "发放名单：已生成 · 对象 2 · 金额 ¥1,600.00" in html
    services.batch_approve(batch=batch, actor=approver)
    batch.refresh_from_db()
    assert batch.payout_percent == 0  # approved: the payout starts from 0, not the build's 100
    services.batch_pay(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.PAID and batch.payout_percent == 100
    html = _client(caseworker).get(f"/assistance/batches/{batch.pk}/").content.decode()
    assert 'aria-valuenow="100"' in html and "尚未发放" not in html
