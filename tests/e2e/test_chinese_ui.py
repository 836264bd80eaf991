"""Every journey page, in the Chinese locale, shows no English words (technical tokens such as API, ID,
PDF, QR, codes with digits and usernames are allowed)."""

import pytest

from tests.e2e.conftest import english_words, goto, login
from tests.e2e.journey_data import MOBILE, seed


@pytest.mark.django_db(transaction=True)
def test_journey_pages_show_no_english_in_the_chinese_ui(make_page, make_user, celery_worker_for_live_server):
    pages = seed(make_user)
    found = {}
    for username, urls in pages.items():
        page, _shot = make_page(viewport=(390, 844) if username in MOBILE else (1366, 900))
        if username:
            login(page, username)
        for url in urls:
            response = goto(page, url)
            assert response.status < 500, url
            assert page.locator("html").get_attribute("lang") == "zh-CN"
            words = english_words(page.locator("body").inner_text(), allow={username or ""})
            if words:
                found[f"{username or '匿名'} {url}"] = sorted(set(words))
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())
