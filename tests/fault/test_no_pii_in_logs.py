"""Resident ID numbers and bank accounts never reach a log line: the main flows run with every logger at
DEBUG, and the captured records are searched for every ID number and account in the database."""

import datetime as dt
import logging

import pytest
from django.core.management import call_command

from assistance.models import Household
from portal.models import Person, Role
from tests.factories import UserFactory, id_number_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def test_main_flows_log_no_id_number_or_bank_account(api, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    cw = UserFactory(username="pii_cw", role=Role.CASEWORKER, region_id="610100")
    client = api(cw)
    good = id_number_for("610112", seq=4242)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/api/v1/assistance/households/", {
            "region": "610112", "area": "urban", "address": "未央路1号", "bank_account": "6222020200112233445",
            "members": [{"name": "日志测试", "id_number": bad, "relation": "head"}]}, format="json").status_code == 400
        assert client.post("/api/v1/assistance/households/", {
            "region": "610112", "area": "urban", "address": "未央路1号", "bank_account": "6222020200112233445",
            "members": [{"name": "日志测试", "id_number": good, "relation": "head"}]}, format="json").status_code == 201
        client.post("/api/v1/assistance/enrolments/", {"id_number": good, "category": "dibao",
                                                       "monthly_amount": "800.00", "start": str(dt.date(2025, 1, 1))},
                    format="json")
        # a 404 and a refused login also log
        client.get("/api/v1/assistance/households/999999/")
        api().post("/api/v1/auth/token/", {"username": good, "password": "x"}, format="json")
        api().get(f"/api/v1/training/certificates/verify/?number=S000&name={good}")

    text = "\n".join(r.getMessage() for r in caplog.records)
    assert caplog.records, "the flows should have logged something"
    numbers = set(Person.objects.values_list("id_number", flat=True)) | {good, bad}
    accounts = {a for a in Household.objects.values_list("bank_account", flat=True) if a}
    assert len(numbers) > 100 and accounts
    leaked = [n for n in numbers | accounts if n in text]
    assert not leaked, f"{len(leaked)} ID numbers / accounts in the logs, e.g. {leaked[0][:6]}…"
