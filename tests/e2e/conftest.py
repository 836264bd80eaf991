"""Browser journeys: headless Chromium (Debian's package) driven by Playwright against a live server.

Screenshots of every step land in artifacts/e2e/<test name>/ (the README names the folder).
With REDIS_URL set a real Celery worker process serves the live server's tasks.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.worker import broker_mode, start_worker, stop_worker

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "artifacts" / "e2e"

pytestmark = pytest.mark.e2e


def pytest_collection_modifyitems(config, items):
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
        for item in items:
            if "tests/e2e/" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                  "--no-first-run", "--disable-component-update", "--disable-sync"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def celery_worker_for_live_server(transactional_db, tmp_path):
    """A real worker when a broker is configured; otherwise tasks run inside the live server."""
    if not settings.REDIS_URL or connection.vendor != "postgresql":
        yield None
        return
    proc = start_worker(log_path=tmp_path / "worker.log")
    with broker_mode():
        yield proc
    stop_worker(proc)


class Shots:
    def __init__(self, page, name):
        self.page, self.dir, self.n = page, ARTIFACTS / name, 0
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True, exist_ok=True)

    def __call__(self, label: str):
        self.n += 1
        self.page.screenshot(path=str(self.dir / f"{self.n:02d}-{label}.png"), full_page=True)


@pytest.fixture
def make_page(browser, live_server, request):
    contexts = []

    def _make(*, viewport=(1366, 900), locale="zh-CN", mobile=False):
        context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, locale=locale,
            extra_http_headers={"Accept-Language": locale}, is_mobile=mobile, has_touch=mobile,
            base_url=live_server.url,
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        return page, Shots(page, request.node.name)

    yield _make
    for context in contexts:
        context.close()


def login(page, username, password="pass12345!"):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
