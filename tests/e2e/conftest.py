"""Fixtures for the end-to-end tests: a demo database made with the real `cdesk`, and the real
app started under its own Xvfb through tauri-driver (see harness.py)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from harness import ROOT, App  # noqa: E402

SHOTS = ROOT / "artifacts" / "screens"
# Given to every demo account by `cdesk demo` through CDESK_DEMO_PASSWORD (without it they get
# random ones); it meets the password rules (R7.7, issue 25).
PASSWORD = "Demo-e2e-2026"
ADMIN_PASSWORD = "admin-e2e-pass"


def cdesk_bin() -> str:
    if os.environ.get("CDESK_BIN"):
        return os.environ["CDESK_BIN"]
    built = [p for p in [ROOT / "target/release/cdesk", ROOT / "target/debug/cdesk"] if p.exists()]
    if not built:
        raise RuntimeError("cdesk is not built")
    return str(max(built, key=lambda p: p.stat().st_mtime))


def cdesk_env(user: str = "admin") -> dict:
    """`cdesk` acting as a login that has a password needs it (CDESK_PASSWORD)."""
    return {**os.environ, "CDESK_DEMO_PASSWORD": PASSWORD, "CDESK_PASSWORD": ADMIN_PASSWORD if user == "admin" else PASSWORD}


def cdesk(db: Path, *args: str, user: str = "admin") -> str:
    r = subprocess.run([cdesk_bin(), "--db", str(db), "--user", user, *args], capture_output=True, text=True, timeout=600,
                       env=cdesk_env(user))
    if r.returncode != 0:
        raise AssertionError(f"cdesk {' '.join(args)} failed: {r.stderr}")
    return r.stdout


@pytest.fixture(scope="session")
def db(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("e2e") / "desk.sqlite3"
    cdesk(d, "init")
    cdesk(d, "demo", "--complaints", os.environ.get("E2E_DEMO_COMPLAINTS", "300"))
    cdesk(d, "call", "set_password", f'{{"new_password": "{ADMIN_PASSWORD}"}}')
    return d


@pytest.fixture()
def app_factory(db):
    apps: list[App] = []

    def make(user: str = "cs01", password: str = PASSWORD, locale: str = "zh-CN") -> App:
        a = App(db)
        apps.append(a)
        a.set_locale(locale)  # the saved language is shared by every window of the app
        a.login(user, password)
        return a

    yield make
    for a in apps:
        a.quit()


@pytest.fixture()
def app(app_factory) -> App:
    return app_factory()
