"""Browser journeys: headless Chromium (Debian's package) driven by Playwright against a live server.

Screenshots of every step land in artifacts/e2e/<test name>/ (the README names the folder).
With REDIS_URL set a real Celery worker process serves the live server's tasks.
"""

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.e2e.bank import ENV as BANK_ENV
from tests.e2e.bank import FailureSuffixes, SimulatedBank
from tests.worker import broker_mode, start_worker, stop_worker

ROOT = Path(__file__).resolve().parent.parent.parent
CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts" / "e2e"
# axe-core from npm: `npm install --prefix .ci/node axe-core@4` (CI) or PORTAL_AXE_JS=/path/to/axe.min.js
AXE_CANDIDATES = [os.environ.get("PORTAL_AXE_JS", ""), ROOT / ".ci/node/node_modules/axe-core/axe.min.js",
                  ROOT / "node_modules/axe-core/axe.min.js", Path("/tmp/node_modules/axe-core/axe.min.js")]
AXE_JS = next((Path(p) for p in AXE_CANDIDATES if p and Path(p).is_file()), None)
WORKER_SETTINGS = "tests.e2e.worker_settings"
TIMINGS: dict[str, list[float]] = {}

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
def simulated_bank(tmp_path, monkeypatch, settings):
    """The simulated payment channel's failure switch, seen by the live server and by the worker
    (which reads ASSISTANCE_SIMULATED_FAILURE_SUFFIXES from tests.e2e.worker_settings)."""
    bank = SimulatedBank(tmp_path / "failing-suffixes.txt")
    monkeypatch.setenv(BANK_ENV, str(bank.path))
    settings.ASSISTANCE_SIMULATED_FAILURE_SUFFIXES = FailureSuffixes()
    return bank


@pytest.fixture
def celery_worker_for_live_server(transactional_db, tmp_path, simulated_bank, monkeypatch):
    """A real worker when a broker is configured; otherwise tasks run inside the live server.

    The worker pays one payment per chunk with a 0.5 s bank latency, so the payout progress bar moves
    visibly in the browser."""
    if not settings.REDIS_URL or connection.vendor != "postgresql":
        yield None
        return
    monkeypatch.setenv("E2E_PAY_CHUNK", "1")
    monkeypatch.setenv("E2E_PAY_LATENCY_MS", "500")
    log = tmp_path / "worker.log"
    proc = start_worker(log_path=log, settings_module=WORKER_SETTINGS)
    with broker_mode():
        yield proc
    stop_worker(proc)
    if proc.returncode not in (0, -15, None):
        print(log.read_text()[-3000:])


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
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for context in contexts:
        if failed:
            for i, page in enumerate(context.pages):
                page.screenshot(path=str(ARTIFACTS / request.node.name / f"99-failure-{i}.png"), full_page=True)
        context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def record_timing(page, label: str) -> float:
    """Server time of the page just loaded (request sent -> first byte), from the Navigation Timing API.
    Collected into artifacts/e2e/timings.json at the end of the session."""
    ms = page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
        return n ? n.responseStart - n.requestStart : -1; }""")
    TIMINGS.setdefault(label, []).append(round(ms, 1))
    return ms


def goto(page, url: str, label: str | None = None):
    response = page.goto(url)
    record_timing(page, label or url)
    return response


@pytest.fixture(scope="session", autouse=True)
def _write_timings():
    yield
    if TIMINGS:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "timings.json").write_text(json.dumps(TIMINGS, ensure_ascii=False, indent=1))


def wait_until(predicate, *, timeout: float = 30.0, interval: float = 0.2, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


# Latin-script tokens allowed in the Chinese UI: technical abbreviations and the language switch's own name.
ALLOWED_LATIN = {"api", "id", "pdf", "qr", "csv", "xlsx", "ok", "english", "valid", "revoked", "svg", "url",
                 "cn", "hr", "gb", "t"}


def english_words(text: str, *, allow=()) -> list[str]:
    """Latin-letter words in `text` that are not technical tokens: codes with digits (S3416…, H3416…),
    usernames and other strings in `allow`, and ALLOWED_LATIN are ignored."""
    allowed = ALLOWED_LATIN | {a.lower() for a in allow}
    found = []
    for token in re.findall(r"[A-Za-z][A-Za-z0-9_.@-]*", text):
        if any(c.isdigit() for c in token) or token.lower() in allowed or token.isupper() and len(token) <= 5:
            continue
        found.append(token)
    return found


def axe_context(browser, live_server, *, viewport=(1366, 900)):
    """A browser context that bypasses the CSP so that axe-core can be injected into its pages."""
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, locale="zh-CN",
                                  extra_http_headers={"Accept-Language": "zh-CN"},
                                  viewport={"width": viewport[0], "height": viewport[1]})
    context.set_default_timeout(20_000)
    return context


def axe_violations(page, url: str) -> list[dict]:
    """Serious or critical axe-core violations of `url` (opened in `page`, from an axe_context)."""
    page.goto(url)
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))""")


# Users of roles that need a second factor (approvers, insurance officers, training staff, admins) made by
# `make_user` in the journeys get this TOTP secret; `login` types their current code on the code page.
E2E_OTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def make_user(make_user):
    """tests/conftest.py's make_user, with a TOTP device for the roles that must have one."""
    from portal import twofactor

    def _make(*args, **kwargs):
        user = make_user(*args, **kwargs)
        if twofactor.required_for(user):
            twofactor.set_totp_secret(user, E2E_OTP_SECRET)
        return user

    return _make


def current_code(username: str) -> str:
    """The user's TOTP code for now, computed from the device's key (django-otp's RFC 6238 function). A code
    is good once: if this time step's code was already used (a second sign-in within 30 s), wait for the
    next step."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    now = time.time()
    if device.last_t >= int(now // device.step):
        time.sleep(device.step - now % device.step + 0.2)
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):0{device.digits}d}"


def login(page, username, password="pass12345!"):
    """Sign in through the login page; where the user has a TOTP device, type its current code on the code
    page that follows (a user who must enrol first is left on the enrolment page)."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if "/accounts/otp/verify/" in page.url:
        page.fill("#id_otp_token", current_code(username))
        page.click("#otp-submit")
        page.wait_for_url(lambda url: "/accounts/otp/" not in url)
