"""Every screen, in Chinese and English, as the role that uses it: screenshots for people to look
at (artifacts/screens/<locale>/), plus checks that each screen rendered in that language and
that no untranslated key or raw error code shows."""
from __future__ import annotations

import re
import time

import pytest

from conftest import ADMIN_PASSWORD, PASSWORD, SHOTS

# (route, user, ready-selector, name)
SCREENS = [
    ("/intake", "cs01", "[data-test=intake][data-ready=yes]", "intake"),
    ("/board", "cs01", "[data-test=board-card]", "board"),
    ("/survey", "cs01", "[data-test=survey-list]", "survey"),
    ("/escalations", "manager", "[data-test=escalations-table]", "escalations"),
    ("/settings", "admin", "[data-test=settings]", "settings"),
    ("/settings?tab=policy", "admin", "[data-test=settings-table-policy]", "settings-policy"),
    ("/settings?tab=calendar", "admin", "[data-test=settings-table-calendar]", "settings-calendar"),
]

# Words that must appear somewhere on each locale's screens (the app chrome).
CHROME = {"zh-CN": "退出登录", "en": "Sign out"}
RAW_KEY = re.compile(r"\b(?:app|nav|stage|field|error|intake|board|detail|action|survey|settings|escalations)\.[a-z_]+\.?[a-z_]*\b")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_every_screen_in_each_language(app_factory, locale):
    by_user: dict = {}
    for route, user, ready, name in SCREENS:
        if user not in by_user:
            if by_user:
                # One window per user keeps the run short; sign the previous user out first.
                prev = list(by_user.values())[-1]
                prev.click("logout")
                prev.wait_js("return !!document.querySelector('[data-test=login]')", 15)
                prev.login(user, ADMIN_PASSWORD if user == "admin" else PASSWORD)
                by_user = {user: prev}
            else:
                by_user[user] = app_factory(user=user, password=ADMIN_PASSWORD if user == "admin" else PASSWORD, locale=locale)
        app = by_user[user]
        app.goto(route)
        app.wait_js(f"return !!document.querySelector('{ready}')", 20)
        time.sleep(0.8)
        body = app.d.execute_script("return document.body.innerText")
        assert CHROME[locale] in body, f"{name} is not in {locale}"
        raw = RAW_KEY.findall(body)
        assert not raw, f"{name} shows untranslated keys: {raw[:5]}"
        app.shot(SHOTS / locale / f"{name}.png")


def test_sign_in_screens(app_factory, db):
    """The sign-in screen and the lock screen, in both languages."""
    app = app_factory()
    app.shot(SHOTS / "zh-CN" / "home-after-sign-in.png")
    app.click("lock")
    app.wait_js("return !!document.querySelector('[data-test=signin-title]')", 10)
    app.shot(SHOTS / "zh-CN" / "locked.png")
    app.type_into("password", PASSWORD)
    app.click("signin-submit")
    app.wait_js("return !document.querySelector('.cd-lock-overlay')", 10)
    app.click("logout")
    app.wait_js("return !!document.querySelector('[data-test=login]')", 15)
    app.shot(SHOTS / "zh-CN" / "sign-in.png")
    app.set_locale("en")
    app.shot(SHOTS / "en" / "sign-in.png")
    app.type_into("login", "cs01")
    app.type_into("password", "wrong-password")
    app.click("signin-submit")
    err = app.wait_js("const e = document.querySelector('[data-test=signin-error]'); return e && e.textContent.trim()", 10)
    assert err == "Wrong login or password", err
    app.shot(SHOTS / "en" / "sign-in-error.png")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_complaint_detail_screens(app_factory, db, locale):
    """The detail of an open complaint as CS sees it (full phone) and as the department handler
    sees it (masked, R7.8), in both languages."""
    import json

    from conftest import cdesk

    items = json.loads(cdesk(db, "call", "search", json.dumps({"filter": {"stages": ["in_handling", "dispatched"]}, "limit": 50}), user="manager"))["items"]
    hs = next(i for i in items if i["department_name"] == "家政服务部")
    app = app_factory(user="manager", locale=locale)
    app.goto(f"/complaint/{hs['number']}")
    app.wait_js("return !!document.querySelector('[data-test=detail-steps]')", 20)
    time.sleep(0.8)
    phone = app.text_of("detail-phone")
    assert "****" not in phone, "a CS manager sees the full phone number"
    app.shot(SHOTS / locale / "detail-manager.png")
    app.click("logout")
    app.wait_js("return !!document.querySelector('[data-test=login]')", 15)
    app.login("hs01", PASSWORD)
    app.goto(f"/complaint/{hs['number']}")
    app.wait_js("return !!document.querySelector('[data-test=detail-steps]')", 20)
    time.sleep(0.8)
    assert "****" in app.text_of("detail-phone"), "R7.8: the department handler sees it masked"
    app.shot(SHOTS / locale / "detail-department-handler.png")
