import pytest
from django.urls import reverse

from portal.models import Role


@pytest.mark.django_db
def test_token_endpoint_gives_a_token_that_authenticates(api, caseworker):
    client = api()
    resp = client.post("/api/v1/auth/token/", {"username": caseworker.username, "password": "pass12345!"}, format="json")
    assert resp.status_code == 200
    token = resp.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["role"] == "caseworker"


@pytest.mark.django_db
def test_token_endpoint_refuses_a_wrong_password_in_chinese(api, caseworker):
    resp = api().post("/api/v1/auth/token/", {"username": caseworker.username, "password": "nope"}, format="json")
    assert resp.status_code == 400
    assert "无法" in str(resp.json()) or "凭证" in str(resp.json())


@pytest.mark.django_db
def test_english_on_request(api, caseworker):
    resp = api(lang="en").post("/api/v1/auth/token/", {"username": caseworker.username, "password": "nope"}, format="json")
    assert "Unable to log in" in str(resp.json())


@pytest.mark.django_db
def test_api_without_credentials_is_401(api):
    assert api().get("/api/v1/me/").status_code == 401


@pytest.mark.django_db
def test_schema_and_docs_are_served_locally(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/auth/token/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


@pytest.mark.django_db
def test_login_page_and_dashboard_in_chinese(client, caseworker):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert "登录" in page.content.decode()
    assert client.login(username=caseworker.username, password="pass12345!")
    dash = client.get(reverse("portal:dashboard"))
    assert dash.status_code == 200
    text = dash.content.decode()
    assert "工作台" in text and 'lang="zh-CN"' in text


@pytest.mark.django_db
def test_dashboard_requires_login(client):
    resp = client.get(reverse("portal:dashboard"))
    assert resp.status_code == 302 and reverse("login") in resp["Location"]


@pytest.mark.django_db
def test_english_switch_translates_the_dashboard(client, caseworker):
    client.login(username=caseworker.username, password="pass12345!")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    text = client.get(reverse("portal:dashboard")).content.decode()
    assert "Dashboard" in text and 'lang="en"' in text


@pytest.mark.django_db
def test_regions_api_lists_children(api, make_user):
    user = make_user(Role.CASEWORKER, "610100", username="r1")
    resp = api(user).get("/api/v1/regions/?parent=610100")
    assert resp.status_code == 200
    codes = [r["code"] for r in resp.json()["results"]]
    assert "610112" in codes and all(c.startswith("6101") for c in codes)


@pytest.mark.django_db
def test_admin_is_branded_and_chinese(client, admin_user):
    client.force_login(admin_user)
    text = client.get("/admin/").content.decode()
    assert "社会救助综合服务平台" in text and "审计记录" in text


@pytest.mark.django_db
def test_pages_send_a_content_security_policy_without_inline_scripts(client, caseworker):
    client.force_login(caseworker)
    resp = client.get(reverse("portal:dashboard"))
    policy = resp["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    html = resp.content.decode()
    import re

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script> found"


@pytest.mark.django_db
def test_login_is_throttled_after_five_failures(client, caseworker, settings):
    settings.AXES_ENABLED = True
    for _ in range(5):
        client.post(reverse("login"), {"username": caseworker.username, "password": "wrong"})
    locked = client.post(reverse("login"), {"username": caseworker.username, "password": "pass12345!"})
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_openapi_schema_is_valid_and_generates_without_warnings(tmp_path):
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text(encoding="utf-8")
    for path in ["/api/v1/assistance/batches/{id}/approve/", "/api/v1/pooling/spends/",
                 "/api/v1/training/certificates/verify/", "/api/v1/auth/token/"]:
        assert path in text
