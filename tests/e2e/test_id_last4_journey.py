"""Issue 19: a cashier hears only the end of an ID number ("尾号903X") and finds the payment by typing those
four characters into the payment list's search box. Screenshots land in artifacts/e2e/<test name>/."""

import datetime as dt

import pytest
from django.utils import timezone

from assistance import services
from assistance.models import Batch, Scheme
from portal.models import Role
from tests.e2e.conftest import (
    AXE_JS,
    Shots,
    axe_context,
    axe_violations,
    english_words,
    login,
    record_timing,
    wait_until,
)
from tests.factories import ids_ending

TAIL = "903X"


def _seed(caseworker) -> tuple[Batch, str]:
    """A household of three in 未央区, enrolled; its heating-subsidy batch built. The first member's number
    ends with 903X, the others' do not."""
    target, = ids_ending(TAIL, ["610112"], start_year=1958)
    others = ids_ending("1234", ["610112"], start_year=1962) + ids_ending("5550", ["610112"])
    members = [("孙尾号", target, "head"), ("李其他", others[0], "spouse"), ("孙小其", others[1], "child")]
    services.household_create(region="610112", area="urban", address="西安市未央区张家堡街道8号",
                              bank_account="6222020200998877001",
                              members=[{"name": n, "id_number": i, "relation": r} for n, i, r in members],
                              actor=caseworker)
    start = timezone.localdate() - dt.timedelta(days=30)
    for _name, number, _rel in members:
        services.enrolment_create(id_number=number, category="dibao", monthly_amount=65000, start=start,
                                  actor=caseworker)
    scheme = services.scheme_create(name="未央区取暖补贴（尾号查询）", kind=Scheme.Kind.HEATING, region="610112",
                                    unit=Scheme.Unit.PERSON, categories=["dibao"], urban_amount=30000,
                                    rural_amount=20000, budget=500000, deadline=dt.date(2026, 2, 10),
                                    actor=caseworker)
    batch = services.batch_create(scheme=scheme, region="610112", actor=caseworker)
    wait_until(lambda: Batch.objects.get(pk=batch.pk).status == Batch.Status.DRAFT, message="batch built")
    return Batch.objects.get(pk=batch.pk), target


@pytest.mark.django_db(transaction=True)
def test_cashier_finds_a_payment_by_the_last_four_characters(browser, live_server, make_user, request,
                                                             celery_worker_for_live_server):
    caseworker = make_user(Role.CASEWORKER, "610112", username="l4_cw", first_name="王出纳")
    batch, target = _seed(caseworker)
    context = axe_context(browser, live_server)  # bypasses the CSP so that axe-core can run on the page
    try:
        page = context.new_page()
        shot = Shots(page, request.node.name)
        login(page, "l4_cw")
        page.goto(f"/assistance/batches/{batch.pk}/payments/")
        assert page.locator("tbody tr").count() == 3
        box = page.get_by_role("textbox", name="姓名、完整身份证号码或后四位")
        assert box.get_attribute("placeholder") == "姓名、完整身份证号码或后四位"
        assert "号码后四位" in page.locator("#q-help").inner_text()
        shot("payments-all")

        box.fill(TAIL.lower())  # typed as heard; the X may be lower-case
        box.press("Enter")
        page.wait_for_url(lambda url: "q=903x" in url)
        record_timing(page, "payments search by last four")
        rows = page.locator("tbody tr")
        assert rows.count() == 1
        row = rows.first.inner_text()
        assert "孙尾号" in row and row.count("903X") == 1 and "********" in row
        content = page.content()
        assert target not in content  # the number is masked on the page
        assert page.get_by_role("textbox", name="姓名、完整身份证号码或后四位").input_value() == "903x"
        shot("payments-by-last-four")
        assert not english_words(page.locator("body").inner_text(), allow={"l4_cw"})

        # a tail nobody in the batch has: the empty-list message, in Chinese
        box = page.get_by_role("textbox", name="姓名、完整身份证号码或后四位")
        box.fill("0000")
        box.press("Enter")
        page.wait_for_url(lambda url: "q=0000" in url)
        assert page.get_by_text("没有符合条件的发放明细。").is_visible()
        shot("payments-no-match")

        if AXE_JS is not None:
            found = axe_violations(page, f"/assistance/batches/{batch.pk}/payments/?q=903X")
            assert not found, found
    finally:
        context.close()
