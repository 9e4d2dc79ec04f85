"""End to end: one complaint from the clerk's intake to closing, through the real window, as the
staff who would do each step. Screens are saved in zh-CN and en under artifacts/screens/."""
from __future__ import annotations

import json
import time

from selenium.webdriver.common.by import By

from conftest import PASSWORD, SHOTS, cdesk
from test_intake import draw_signature, fill_basic, open_intake


def complaint_of(db, number: str) -> dict:
    return json.loads(cdesk(db, "call", "get_complaint", json.dumps({"complaint": number}), user="manager"))


def stage_of(db, number: str) -> str:
    return complaint_of(db, number)["stage"]


def open_detail(app, number: str) -> None:
    app.goto(f"/complaint/{number}")
    app.wait_js(f"const n = document.querySelector('[data-test=detail-number]'); return n && n.textContent.includes('{number}')", 15)


def run_action(app, name: str, fill=None, shot: str | None = None) -> None:
    """Opens the action's dialog from the detail page, fills it, submits, waits for it to close."""
    app.click(f"action-{name}")
    app.wait_js(f"const d = document.querySelector('[data-test=action-dialog][data-action={name}]'); return d && d.offsetParent !== null && !document.querySelector('[data-test=action-loading]')", 15)
    time.sleep(0.4)  # the dialog's opening animation
    if fill:
        fill()
    if shot:
        app.shot(shot)
    app.click("action-submit")
    app.wait_js(f"const d = document.querySelector('[data-test=action-dialog][data-action={name}]'); return !d || d.offsetParent === null", 20)
    time.sleep(0.5)


def pick(app, select_tid: str, option_tid: str) -> None:
    """Picks an option of an Element Plus select, and checks that it is the one the select shows:
    a click while the dropdown still opens can land on the option beside it."""
    el = app.test_id(select_tid)
    app.click_el((el.find_elements(By.CSS_SELECTOR, ".el-select__wrapper") or [el])[0])
    app.wait_js(f"return [...document.querySelectorAll('[data-test={option_tid}]')].some(o => o.offsetParent !== null)")
    option = app.settled(app.test_id(option_tid))
    label = (option.find_elements(By.CSS_SELECTOR, "span") or [option])[0].text.strip()  # the label, not its hint
    app.click_el(option)
    app.wait_js(f"return document.querySelector('[data-test={select_tid}]').textContent.includes({json.dumps(label)})", 5)
    time.sleep(0.2)


def relogin(app, user: str) -> None:
    app.click("logout")
    app.wait_js("return !!document.querySelector('[data-test=login]')", 15)
    app.login(user, PASSWORD)


def test_a_complaint_from_intake_to_closing(app, db):
    """R3.1–R3.2 intake with signature, R4.6 countdown on the board, R5.1 dispatch, R5.3 findings,
    R5.4 the customer agrees, R5.5 implementation, R6.1 survey, R6.2 close."""
    zh = SHOTS / "zh-CN"
    # 1. The clerk registers a walk-in complaint and the customer signs.
    open_intake(app)
    fill_basic(app, phone="13700007777", name="刘建国", description="月嫂不会给新生儿洗澡，冲奶粉比例也不对。")
    app.choose("intake-channel", "来访")
    draw_signature(app)
    app.wait_js("return document.querySelectorAll('[data-test=intake-deadline]').length >= 3")
    app.click("intake-save")
    number = app.wait_js("const n = document.querySelector('[data-test=intake-saved-number]'); return n && n.textContent.trim()", 15)
    app.click("intake-another")

    # 2. It is on the board, in the registered column, with a live countdown.
    app.goto("/board")
    card = app.wait_js(f"return document.querySelector('[data-test=board-card][data-number=\"{number}\"]')", 20)
    countdown = card.find_element(By.CSS_SELECTOR, "[data-test=countdown]")
    assert countdown.get_attribute("data-urgency") in ("on_time", "due_soon"), "a fresh complaint is not overdue"
    first = countdown.get_attribute("textContent")
    assert first.strip(), "the card shows its remaining time"
    time.sleep(2.2)
    assert countdown.get_attribute("textContent") != first, "the countdown is live"
    app.shot(zh / "board.png")

    # 3. Review and dispatch to the home-service department (R3.5, R5.1).
    open_detail(app, number)
    app.shot(zh / "detail-registered.png")
    run_action(app, "review", lambda: app.type_into("action-field-opinion", "情况属实，予以受理"), shot=zh / "dialog-review.png")
    run_action(app, "dispatch", lambda: (pick(app, "action-field-department", "action-field-department-opt-HS"),
                                         app.type_into("action-field-note", "请于时限内核实并提出处理方案")),
               shot=zh / "dialog-dispatch.png")
    dispatched = complaint_of(db, number)
    assert (dispatched["stage"], dispatched["department_name"]) == ("dispatched", "家政服务部"), "dispatched to home service, where hs01 works"

    # 4. The department handler accepts it and records the findings (R5.3).
    relogin(app, "hs01")
    open_detail(app, number)
    run_action(app, "accept_dispatch")
    run_action(app, "record_findings", lambda: (app.click("action-field-finding-true"),
                                                app.type_into("action-field-root_cause", "月嫂培训不到位"),
                                                app.type_into("action-field-solution", "公司道歉，安排金牌月嫂重新上门示范，并赠送一次育儿嫂服务")),
               shot=zh / "dialog-findings.png")
    assert stage_of(db, number) == "awaiting_customer"

    # 5. CS tells the customer; the customer agrees; CS records the implementation (R5.4, R5.5).
    relogin(app, "cs01")
    open_detail(app, number)
    run_action(app, "record_customer_decision", shot=zh / "dialog-decision.png")
    run_action(app, "implement", lambda: app.type_into("action-field-actions", "已道歉并安排金牌月嫂上门示范"), shot=zh / "dialog-implement.png")
    assert stage_of(db, number) == "follow_up"

    # 6. Follow-up survey: very satisfied, then close (R6.1, R6.2).
    run_action(app, "survey", lambda: app.click("action-field-overall-very_satisfied"), shot=zh / "dialog-survey.png")
    run_action(app, "close")
    app.wait_js("const s = document.querySelector('[data-test=detail-stage]'); return s && s.dataset.stage === 'closed'", 15)
    app.shot(zh / "detail-closed.png")
    assert stage_of(db, number) == "closed"
    kinds = [e["kind"] for e in json.loads(cdesk(db, "call", "timeline", json.dumps({"complaint": number}), user="manager"))]
    for k in ["registered", "signed", "reviewed", "dispatched", "surveyed", "closed"]:
        assert k in kinds, f"the timeline records {k}"

    # 7. R7.10 status: the closed complaint is found again by its number. The board's columns and
    #    the table's default are open complaints; asking for finished ones shows them in the table.
    app.goto("/board")
    app.type_into("board-filter-text", number)
    app.click("board-search")
    pick(app, "board-filter-scope", "board-filter-scope-finished")
    row = app.wait_js(f"return document.querySelector('[data-test=board-row][data-number=\"{number}\"]')", 20)
    assert app.test_id("board-view").get_attribute("data-mode") == "table", "finished complaints are listed in the table"
    assert "已结案" in row.text, row.text
    app.wait_js("const l = document.querySelector('[data-test=board-table-loaded]'); return l && l.dataset.total === '1'", 20)
    app.shot(zh / "board-finished.png")
    pick(app, "board-filter-scope", "board-filter-scope-open")
    app.wait_js("const l = document.querySelector('[data-test=board-table-loaded]'); return l && l.dataset.total === '0'", 20)
    app.click("board-toggle-board")
    app.wait_js("return document.querySelector('[data-test=board-view]').dataset.mode === 'board'", 10)
    assert app.test_id("board-filter-scope").text.strip() == "未结案的投诉", "back on the board, the bar says the columns are open complaints"
