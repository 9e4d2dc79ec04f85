"""End to end, issue 7 item 1: the intake draft survives the app being killed.

A clerk types a complaint; the app is then killed with SIGKILL (a crash, the power button held,
the task manager's "end process"): no window close, no unload handler, no flush. On the next
start the draft is there. The draft is saved by the core as the clerk types (a committed SQLite
transaction in WAL mode with synchronous=FULL), so what the window said was saved is on disk.
"""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from pathlib import Path

from conftest import ADMIN_PASSWORD, PASSWORD, SHOTS, cdesk
from harness import App, default_binary
from test_intake import open_intake


def children() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        out.setdefault(ppid, []).append(int(d))
    return out


def app_pid(app: App) -> int:
    """The app process started for this window: a descendant of its tauri-driver running the
    app's binary (tauri-driver → WebKitWebDriver → complaint-desk)."""
    binary = default_binary().resolve()
    tree = children()
    todo = [p.pid for p in app.procs]
    while todo:
        pid = todo.pop()
        try:
            if Path(f"/proc/{pid}/exe").resolve() == binary:
                return pid
        except OSError:
            pass
        todo.extend(tree.get(pid, []))
    raise AssertionError("the app process was not found")


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_the_intake_draft_survives_a_kill(tmp_path):
    db = tmp_path / "office" / "complaint-desk.sqlite3"
    cdesk(db, "init")
    cdesk(db, "demo", "--complaints", "20")
    cdesk(db, "call", "set_password", json.dumps({"new_password": ADMIN_PASSWORD}))
    name, text = "断电测试客户", "保洁员打碎了花瓶，客户要求赔偿——这段话在程序被强行结束后也不能丢。"

    app = App(db)
    try:
        app.set_locale("zh-CN")
        app.login("cs01", PASSWORD)
        open_intake(app)
        app.type_into("intake-phone", "13911112222")
        app.type_into("intake-name", name)
        app.type_into("intake-description", text)
        # The window says the draft is saved; from that moment it must survive anything.
        app.wait_js(f"return /草稿已自动保存/.test(document.querySelector('[data-test=intake-draft-note]').textContent)"
                    f" && document.querySelector('[data-test=intake-description] textarea, textarea[data-test=intake-description]').value === {json.dumps(text)}", 10)
        time.sleep(0.6)  # the draft of the last keystrokes (saved 400 ms after typing stops)
        pid = app_pid(app)
        os.kill(pid, signal.SIGKILL)
        end = time.time() + 10
        while alive(pid) and time.time() < end:
            time.sleep(0.1)
        assert not alive(pid), "the app was killed"
    finally:
        app.quit()

    # On disk, before anything opens the database again.
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = c.execute("SELECT json FROM drafts WHERE form = 'intake'").fetchone()
    finally:
        c.close()
    assert row is not None, "the draft is in the database after the kill"
    saved = json.loads(row[0])
    assert text in json.dumps(saved, ensure_ascii=False)

    app2 = App(db)
    try:
        app2.set_locale("zh-CN")
        app2.login("cs01", PASSWORD)
        open_intake(app2)
        restored = app2.wait_js("const d = document.querySelector('[data-test=intake-description]'); return d && (d.value || (d.querySelector('textarea') || {}).value)", 10)
        assert restored == text
        assert app2.input("intake-name").get_attribute("value") == name
        assert "已恢复" in app2.text_of("intake-draft-note")
        time.sleep(0.8)
        app2.shot(SHOTS / "zh-CN" / "intake-draft-after-kill.png")
        # The database is sound after the kill.
        report = json.loads(cdesk(db, "verify"))
        assert report["ok"] is True, report
    finally:
        app2.quit()
