"""Resident ID numbers and bank accounts never reach a log line: the main flows run with every logger at
DEBUG, and the captured records are searched for every ID number and account in the database; the access
logs (runserver's django.server lines, gunicorn's access log of a live server) mask them too, ID searches
by GET included."""

import datetime as dt
import logging
import urllib.request

import pytest
from django.core.management import call_command
from django.test import Client

from assistance.models import Household
from portal import pii
from portal.gunicorn_logging import mask_atoms
from portal.logging import MaskPIIFilter
from portal.models import Person, Role
from tests.factories import UserFactory, id_number_for
from tests.server import gunicorn

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
        # an ID search by GET (page and API), by someone allowed and someone not
        web = Client()
        web.force_login(cw)
        web.get(f"/assistance/households/?q={good}")
        Client().get(f"/assistance/households/?q={good}&account=6222020200112233445")
        client.get(f"/api/v1/assistance/households/?search={good}")

    text = "\n".join(r.getMessage() for r in caplog.records)
    assert caplog.records, "the flows should have logged something"
    numbers = {pii.decrypt(pii.ID, b) for b in Person.objects.values_list("id_number_enc", flat=True)} | {good, bad}
    accounts = {a for a in (pii.decrypt(pii.ACCOUNT, blob) for blob in  # encrypted at rest (portal.pii)
                            Household.objects.values_list("bank_account_enc", flat=True)) if a}
    assert len(numbers) > 100 and accounts
    leaked = [n for n in numbers | accounts if n in text]
    assert not leaked, f"{len(leaked)} ID numbers / accounts in the logs, e.g. {leaked[0][:6]}…"


ID = id_number_for("610112", seq=4343)
ACCOUNT = "6222020200112233445"


def test_request_line_handlers_mask_ids():
    """runserver's access lines (logger django.server) and everything else go through the masking filter."""
    def ours(logger):  # pytest adds its capture handlers while tests run; look at the configured ones
        return [h for h in logger.handlers if not type(h).__module__.startswith("_pytest")]

    for name in ("django.server", "django", "django.request", ""):
        logger = logging.getLogger(name)
        while logger is not None:  # every handler a record of this logger reaches
            for handler in ours(logger):
                assert any(isinstance(f, MaskPIIFilter) for f in handler.filters), (name, logger.name, handler)
            logger = logger.parent if logger.propagate else None
    assert ours(logging.getLogger("django.server"))
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, '"%s" %s %s',
                               (f"GET /assistance/households/?q={ID}&a={ACCOUNT} HTTP/1.1", 200, 10), None)
    MaskPIIFilter().filter(record)
    assert ID not in record.getMessage() and ACCOUNT not in record.getMessage()


def test_gunicorn_access_atoms_are_masked():
    atoms = mask_atoms({"r": f"GET /assistance/households/?q={ID} HTTP/1.1", "q": f"q={ID}", "s": 200,
                        "f": f"http://x/?acct={ACCOUNT}", "{location}o": f"/accounts/login/?next=%3Fq%3D{ID}"})
    text = " ".join(str(v) for v in atoms.values())
    assert ID not in text and ACCOUNT not in text and f"{ID[:6]}********{ID[14:]}" in text and atoms["s"] == 200


@pytest.mark.django_db(transaction=True)
def test_live_gunicorn_access_log_has_no_id_numbers(tmp_path):
    log = tmp_path / "gunicorn.log"
    with gunicorn(workers=1, env_extra={"GUNICORN_CMD_ARGS": "--access-logfile -"}, log_path=log) as base:
        # not logged in: redirected to the login page, whose `next` carries the query again
        urllib.request.urlopen(f"{base}/assistance/households/?q={ID}&account={ACCOUNT}", timeout=10).read()
    text = log.read_text()
    assert "GET /assistance/households/?q=" in text and "/accounts/login/" in text  # the access log is on
    assert ID not in text and ACCOUNT not in text
    assert f"{ID[:6]}********{ID[14:]}" in text
