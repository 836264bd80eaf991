"""axe-core on every journey page (logged in as the journey's role, in its viewport): no serious or
critical violations. Needs axe-core from npm: `npm install --prefix .ci/node axe-core@4`
(or PORTAL_AXE_JS=/path/to/axe.min.js)."""

import pytest

from tests.e2e.conftest import AXE_JS, axe_context, axe_violations, login
from tests.e2e.journey_data import MOBILE, seed

pytestmark = pytest.mark.skipif(AXE_JS is None, reason="axe-core is not installed: "
                                "npm install --prefix .ci/node axe-core@4 (or set PORTAL_AXE_JS)")


@pytest.mark.django_db(transaction=True)
def test_journey_pages_have_no_serious_accessibility_violations(browser, live_server, make_user,
                                                                 celery_worker_for_live_server):
    pages = seed(make_user)
    problems = {}
    checked = 0
    for username, urls in pages.items():
        context = axe_context(browser, live_server, viewport=(390, 844) if username in MOBILE else (1366, 900))
        try:
            page = context.new_page()
            if username:
                login(page, username)
            for url in urls:
                found = axe_violations(page, url)
                checked += 1
                if found:
                    problems[f"{username or '匿名'} {url}"] = found
        finally:
            context.close()
    assert checked >= 25
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())
