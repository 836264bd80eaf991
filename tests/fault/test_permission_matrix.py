"""Who may see what, generated: every role crawls the portal's pages from its dashboard (following every
link) on the demo data, and every API list endpoint; then a user of the same role in another region (or
another citizen, or another institution) asks for every object page the first one reached.

Proven: no page or endpoint answers 5xx to any role; an object page or API object reached by one user
is 403/404 (or a redirect to login) for the intruder, never 200 — out-of-scope objects do not leak.
"""

import re
from collections import defaultdict, deque
from urllib.parse import urljoin, urlparse

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from medical_pooling.models import Insured
from portal.models import Role, User
from tests.factories import UserFactory, token_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

HREF = re.compile(r'href="([^"#]+)"')
SKIP = ("/static/", "/media/", "/i18n/", "/accounts/logout", "/api/docs", "/api/schema", "/jsi18n")
# Public by design: the certificate check behind a QR code (it proves possession of the signed link).
PUBLIC = ("/training/verify/",)
MAX_PAGES = 250
PER_SHAPE = 3

# (owner, intruder): the intruder has the same role somewhere else. Pooling relations and spends join
# two regions (pooler's and institution's or beneficiary's) and are rightly seen by the officers of both,
# so the officers' intruder sits in a region where the demo has nobody (Urumqi).
PAIRS = [
    ("caseworker", "caseworker_tj"),
    ("caseworker_tj", "caseworker"),
    ("approver", "approver_tj"),
    ("officer_bz", "officer_xj"),
    ("trainer", "trainer_tj"),
    ("insured", "insured_other"),
    ("hospital", "pharmacy_other"),
]


def shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def crawl(client: Client, start="/") -> dict[str, int]:
    """GET every same-site link reachable from `start`; returns {url: status}."""
    seen: dict[str, int] = {}
    per_shape = defaultdict(int)
    queue = deque([start])
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        resp = client.get(url)
        seen[url] = resp.status_code
        if resp.status_code != 200 or "text/html" not in resp.get("Content-Type", ""):
            continue
        for href in HREF.findall(resp.content.decode("utf-8", "replace")):
            target = urljoin(url, href.replace("&amp;", "&"))
            parsed = urlparse(target)
            if parsed.netloc and parsed.netloc != "testserver":
                continue
            path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
            if any(path.startswith(s) for s in SKIP) or path in seen:
                continue
            key = shape(parsed.path)
            if per_shape[key] >= PER_SHAPE:
                continue
            per_shape[key] += 1
            queue.append(path)
    return seen


def object_pages(seen: dict[str, int]) -> list[str]:
    """Pages of one object: a path segment with digits (ids, certificate numbers), answered 200."""
    out = []
    for url, status in seen.items():
        path = urlparse(url).path
        if (status == 200 and re.search(r"/[A-Za-z]?\d+[A-Za-z0-9-]*/", path) and not path.startswith("/admin/")
                and not path.startswith(PUBLIC)):
            out.append(url)
    return out


@pytest.fixture
def world(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    UserFactory(username="officer_xj", role=Role.INSURANCE_OFFICER, region_id="650100")
    UserFactory(username="trainer_tj", role=Role.TRAINING_STAFF, region_id="120000")
    UserFactory(username="pharmacy_other", role=Role.INSTITUTION, region_id=None, institution_code="P12010100001")
    demo_people = User.objects.filter(person__isnull=False).values_list("person_id", flat=True)
    stranger = Insured.objects.exclude(person_id__in=demo_people).select_related("person").first()
    UserFactory(username="insured_other", role=Role.INSURED, region_id=None, person=stranger.person)
    return {u.username: u for u in User.objects.all()}


def test_no_role_gets_a_server_error_and_no_object_leaks_across_scopes(world):
    report = []
    api_objects: dict[str, list[str]] = {}
    pages_by_role: dict[str, set[str]] = defaultdict(set)
    for owner_name, intruder_name in PAIRS:
        owner, intruder = world[owner_name], world[intruder_name]
        c_owner, c_intruder = Client(), Client()
        c_owner.force_login(owner)
        c_intruder.force_login(intruder)
        seen = crawl(c_owner)
        errors = {u: s for u, s in seen.items() if s >= 500}
        assert not errors, f"{owner_name}: server errors {errors}"
        pages = object_pages(seen)
        pages_by_role[owner.role].update(pages)
        leaks = []
        for url in pages:
            status = c_intruder.get(url).status_code
            assert status < 500, f"{intruder_name} got {status} on {url}"
            if status == 200:
                leaks.append(url)
        assert not leaks, f"{intruder_name} can open {owner_name}'s pages: {leaks[:10]}"
        report.append(f"{owner_name:>14}: {len(seen):>3} pages, {len(pages):>3} object pages refused to {intruder_name}")

        # API: every list endpoint the owner can read, then each object of it by id, as the intruder
        a_owner, a_intruder = APIClient(), APIClient()
        a_owner.credentials(HTTP_AUTHORIZATION=f"Token {token_for(owner)}")
        a_intruder.credentials(HTTP_AUTHORIZATION=f"Token {token_for(intruder)}")
        schema = a_owner.get("/api/schema/", HTTP_ACCEPT="application/json").json()
        checked = []
        for path, ops in schema["paths"].items():
            if "{" in path or "get" not in ops:
                continue
            resp = a_owner.get(path)
            assert resp.status_code < 500, f"{owner_name}: {resp.status_code} on {path}"
            if resp.status_code != 200:
                continue
            body = resp.json()
            items = body.get("results", []) if isinstance(body, dict) else body
            detail = path + "{id}/"
            if detail not in schema["paths"] or "get" not in schema["paths"][detail]:
                continue
            for item in items[:3]:
                if isinstance(item, dict) and "id" in item:
                    url = f"{path}{item['id']}/"
                    assert a_owner.get(url).status_code == 200, url
                    status = a_intruder.get(url).status_code
                    assert status in (403, 404), f"{intruder_name} got {status} on {url}"
                    checked.append(url)
        api_objects[owner_name] = checked
        report.append(f"{'':>14}  {len(checked):>3} API objects refused to {intruder_name}")

    # other roles: a caseworker's object page is nothing to a citizen, an institution or training staff
    representatives = {}
    for user in world.values():
        if not user.is_portal_admin:
            representatives.setdefault(user.role, user)
    civil = {Role.CASEWORKER, Role.APPROVER}
    for role, pages in pages_by_role.items():
        for other_role, user in representatives.items():
            if other_role == role or {role, other_role} <= civil:
                continue
            c = Client()
            c.force_login(user)
            opened = [u for u in sorted(pages)[:40] if c.get(u).status_code == 200]
            assert not opened, f"a {other_role} can open {role} pages: {opened[:5]}"
    report.append(f"cross-role: {sum(len(p) for p in pages_by_role.values())} object pages refused to "
                  f"{len(representatives) - 1} other roles each")

    # every role: the admin is closed to all but admins
    for name, user in world.items():
        if user.is_portal_admin:
            continue
        c = Client()
        c.force_login(user)
        assert c.get("/admin/").status_code == 302, name
        assert c.get("/admin/portal/auditevent/").status_code == 302, name
    print("\n".join(report))
    assert sum(len(v) for v in api_objects.values()) > 10
