"""Admins open a holiday fast track and enter a cold-wave alert in the admin; the services make the rows."""

import pytest

from casework.models import ColdWaveAlert, FastTrackPeriod
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_admin_adds_a_fast_track_period_and_a_cold_wave_alert_through_the_services(client, admin_user):
    client.force_login(admin_user)
    resp = client.post("/admin/casework/fasttrackperiod/add/", {
        "region": "610100", "name": "2026年春节", "starts_on": "2026-02-10", "ends_on": "2026-02-24"})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    period = FastTrackPeriod.objects.get()
    assert period.name == "2026年春节" and period.created_by == admin_user
    resp = client.post("/admin/casework/coldwavealert/add/", {
        "region": "610100", "level": ColdWaveAlert.Level.values[0], "starts_on": "2026-01-20",
        "ends_on": "2026-01-25", "patrols_per_day": "4"})
    assert resp.status_code == 302
    assert ColdWaveAlert.objects.get().patrols_per_day == 4
    assert AuditEvent.objects.filter(object_type__startswith="casework.").count() >= 2
    # no edits afterwards, and a reversed period is refused
    assert client.post(f"/admin/casework/fasttrackperiod/{period.pk}/change/", {
        "region": "610100", "name": "x", "starts_on": "2026-02-10", "ends_on": "2026-02-24"}).status_code == 403
    page = client.post("/admin/casework/fasttrackperiod/add/", {
        "region": "610100", "name": "错", "starts_on": "2026-02-24", "ends_on": "2026-02-10"}).content.decode()
    assert "结束日期不能早于开始日期" in page and FastTrackPeriod.objects.count() == 1
