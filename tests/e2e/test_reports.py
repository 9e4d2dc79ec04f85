"""Reports in the real window (issue 6): the dashboard and the complaints behind a figure, the
monthly report exported through the native save dialog and filed (the reminder goes away), the
board's export, imports with a bad row, and the anonymised case library. Screens are saved in
zh-CN and en under artifacts/screens/ and checked for untranslated keys.

The native save dialog is the real GTK one: the test types the target path into it through the
X server's XTEST extension (libXtst, which at-spi2-core pulls in), exactly as a person would.
"""
from __future__ import annotations

import csv
import ctypes
import ctypes.util
import io
import json
import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
import urllib3
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By

from conftest import ADMIN_PASSWORD, PASSWORD, SHOTS, cdesk

RAW_KEY = re.compile(r"\b(?:report|app|nav|error|category|channel|stage|tier|nature|satisfaction|field)\.[a-zA-Z_]+(?:\.[a-zA-Z_]+)*\b")


# ---- the native save dialog, driven through XTEST -------------------------------------------------
class _X:
    """Just enough Xlib/XTest to see a new top-level window and type into it."""

    def __init__(self, display: int):
        self.x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
        self.xtst = ctypes.CDLL(ctypes.util.find_library("Xtst") or "libXtst.so.6")
        self.x11.XOpenDisplay.restype = ctypes.c_void_p
        self.x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self.x11.XDefaultRootWindow.restype = ctypes.c_ulong
        self.x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        self.x11.XQueryTree.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_ulong),
                                        ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)), ctypes.POINTER(ctypes.c_uint)]
        self.x11.XFetchName.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_char_p)]
        self.x11.XStringToKeysym.restype = ctypes.c_ulong
        self.x11.XStringToKeysym.argtypes = [ctypes.c_char_p]
        self.x11.XKeysymToKeycode.restype = ctypes.c_ubyte
        self.x11.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        self.x11.XKeycodeToKeysym.restype = ctypes.c_ulong
        self.x11.XKeycodeToKeysym.argtypes = [ctypes.c_void_p, ctypes.c_ubyte, ctypes.c_int]
        self.x11.XFlush.argtypes = [ctypes.c_void_p]
        self.x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        self.x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self.xtst.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
        self.dpy = self.x11.XOpenDisplay(f":{display}".encode())
        assert self.dpy, f"cannot open display :{display}"

    def names(self) -> set[tuple[int, str]]:
        """The named windows two levels under the root (GTK's toplevels and their frames)."""
        out: set[tuple[int, str]] = set()

        def walk(w: int, depth: int) -> None:
            root, parent = ctypes.c_ulong(), ctypes.c_ulong()
            kids, n = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
            if not self.x11.XQueryTree(self.dpy, w, ctypes.byref(root), ctypes.byref(parent), ctypes.byref(kids), ctypes.byref(n)):
                return
            children = [kids[i] for i in range(n.value)]
            for c in children:
                name = ctypes.c_char_p()
                if self.x11.XFetchName(self.dpy, c, ctypes.byref(name)) and name.value is not None:
                    out.add((c, name.value.decode("utf-8", "replace")))
                if depth < 1:
                    walk(c, depth + 1)

        walk(self.x11.XDefaultRootWindow(self.dpy), 0)
        return out

    def key(self, keysym_name: str, shift: bool = False) -> None:
        ks = self.x11.XStringToKeysym(keysym_name.encode())
        kc = self.x11.XKeysymToKeycode(self.dpy, ks)
        assert kc, f"no key for {keysym_name}"
        shift_kc = self.x11.XKeysymToKeycode(self.dpy, self.x11.XStringToKeysym(b"Shift_L"))
        need_shift = shift or self.x11.XKeycodeToKeysym(self.dpy, kc, 0) != ks
        if need_shift:
            self.xtst.XTestFakeKeyEvent(self.dpy, shift_kc, True, 0)
        self.xtst.XTestFakeKeyEvent(self.dpy, kc, True, 0)
        self.xtst.XTestFakeKeyEvent(self.dpy, kc, False, 0)
        if need_shift:
            self.xtst.XTestFakeKeyEvent(self.dpy, shift_kc, False, 0)
        self.x11.XSync(self.dpy, False)
        time.sleep(0.02)

    def type(self, text: str) -> None:
        names = {"/": "slash", ".": "period", "-": "minus", "_": "underscore", " ": "space"}
        for ch in text:
            self.key(names.get(ch, ch))

    def close(self) -> None:
        self.x11.XCloseDisplay(self.dpy)


def save_through_dialog(app, click, target: Path, timeout: float = 30) -> None:
    """Clicks what opens the native save dialog, types the file name and presses Enter; returns
    when the file has been written. The dialog opens in the app's working folder, which the test
    set to `target`'s folder (`in_folder`), so only a bare name is typed: a typed path would race
    the dialog's inline completion of folder names."""
    x = _X(app.display)
    try:
        before = x.names()
        click()
        end = time.time() + 15
        while not (x.names() - before):
            assert time.time() < end, "the native save dialog did not open"
            time.sleep(0.2)
        time.sleep(0.8)  # the dialog fills its folder list and selects the proposed name
        # Ctrl+A selects the proposed name; the typed name replaces it.
        ctrl = x.x11.XKeysymToKeycode(x.dpy, x.x11.XStringToKeysym(b"Control_L"))
        x.xtst.XTestFakeKeyEvent(x.dpy, ctrl, True, 0)
        x.key("a")
        x.xtst.XTestFakeKeyEvent(x.dpy, ctrl, False, 0)
        x.type(target.name)
        x.key("Return")
    finally:
        x.close()
    end = time.time() + timeout
    while not (target.exists() and target.stat().st_size > 0):
        assert time.time() < end, f"nothing was saved to {target}"
        time.sleep(0.2)
    time.sleep(0.3)


@pytest.fixture()
def in_folder(tmp_path, monkeypatch) -> Path:
    """A folder for saved files, made the working folder of the app started next (the native
    save dialog opens there)."""
    d = tmp_path / "saved"
    d.mkdir()
    monkeypatch.chdir(d)
    return d


# ---- helpers ------------------------------------------------------------------------------------
def open_app(app_factory, user: str, password: str = PASSWORD, locale: str = "zh-CN"):
    """app_factory, tried a second time when the window's start-up trips over itself: on a busy
    machine the WebDriver session can drop while the window starts, and the sign-in form can be
    replaced under the driver while the locale's reload is still under way (harness.set_locale
    can see the old page's ready flag). Neither is what these tests check."""
    try:
        return app_factory(user=user, password=password, locale=locale)
    except (StaleElementReferenceException, WebDriverException, ConnectionError, urllib3.exceptions.ProtocolError):
        time.sleep(2)
        return app_factory(user=user, password=password, locale=locale)


def visible(app, sel: str, timeout: float = 15):
    return app.wait_js(f"const e = [...document.querySelectorAll('{sel}')].find((x) => x.offsetParent !== null); return e || null", timeout)


def no_raw_keys(app, name: str) -> None:
    body = app.d.execute_script("return document.body.innerText")
    raw = RAW_KEY.findall(body)
    assert not raw, f"{name} shows untranslated keys: {raw[:5]}"


def confirm_box(app) -> None:
    btn = visible(app, ".el-message-box__btns .el-button--primary")
    time.sleep(0.3)
    app.click_el(btn)


def open_dashboard(app) -> None:
    app.goto("/dashboard")
    app.wait_js("const v = document.querySelector('[data-test=kpi-tile-volume] [data-test=kpi-value]'); return v && /\\d/.test(v.textContent)", 30)


def last_month_with_data(app) -> None:
    app.click("dash-last-month")
    app.wait_js("const r = document.querySelector('[data-test=dash-range]'); return r && !document.querySelector('.dash .el-loading-mask')", 20)
    time.sleep(1.2)  # the charts draw after the figures


def shoot_charts(app, locale: str) -> None:
    """The dashboard's charts and its breakdown table, scrolled into view."""
    app.d.execute_script("document.querySelector('[data-test=dash-chart-trend]').scrollIntoView({block: 'start'})")
    time.sleep(0.8)
    app.shot(SHOTS / locale / "dashboard-charts.png")
    app.d.execute_script("document.querySelector('[data-test=dash-breakdown-tabs]').scrollIntoView({block: 'start'})")
    time.sleep(0.6)
    app.shot(SHOTS / locale / "dashboard-breakdown.png")
    app.d.execute_script("document.querySelector('[data-test=dashboard]').scrollIntoView({block: 'start'})")
    time.sleep(0.3)


# ---- the tests ----------------------------------------------------------------------------------
def test_dashboard_figure_opens_its_complaints(app_factory, db):
    """R7.4: each KPI with its definition; a figure opens the complaints it counts, and a row of
    that list opens the complaint."""
    app = open_app(app_factory, "manager")
    open_dashboard(app)
    last_month_with_data(app)
    tile = app.test_id("kpi-tile-volume")
    volume = int(re.sub(r"\D", "", tile.find_element(By.CSS_SELECTOR, "[data-test=kpi-value]").text))
    assert volume > 0, "the demo has complaints last month"
    definition = tile.find_element(By.CSS_SELECTOR, "[data-test=kpi-definition]").get_attribute("textContent").strip()
    assert len(definition) > 6, "the definition is next to the figure"
    # Every chart drew on its canvas (no CDN, nothing blocked by the CSP).
    drawn = app.d.execute_script(
        "return [...document.querySelectorAll('[data-test^=dash-chart-] canvas')].filter((c) => c.width > 0 && c.height > 0).length")
    assert drawn >= 4, f"the four charts are drawn ({drawn})"
    no_raw_keys(app, "dashboard")
    app.shot(SHOTS / "zh-CN" / "dashboard.png")
    shoot_charts(app, "zh-CN")

    app.click_el(tile.find_element(By.CSS_SELECTOR, "[data-test=kpi-value]"))
    visible(app, "[data-test=kpi-drawer] [data-test=drill-row]", 20)
    summary = app.text_of("drill-summary")
    assert str(volume) in summary.replace(",", ""), f"the list counts the figure: {summary!r}"
    time.sleep(0.5)
    no_raw_keys(app, "drill-down")
    app.shot(SHOTS / "zh-CN" / "dashboard-drill-down.png")
    number = app.d.execute_script("const r = [...document.querySelectorAll('[data-test=drill-row]')].find((x) => x.offsetParent !== null); return r.textContent.trim()")
    app.click_el(visible(app, "[data-test=drill-row]"))
    app.wait_js("return location.hash.startsWith('#/complaint/') && !!document.querySelector('[data-test=detail-steps]')", 20)
    shown = app.d.execute_script("return document.body.innerText")
    assert number.split()[0] in shown, "the row opened that complaint"


def test_monthly_report_export_and_filing(app_factory, db, in_folder):
    """R7.3: the reminder shows until last month's report is filed; the report is saved as
    Excel through the native dialog; filing it with suggestions removes the reminder."""
    status = json.loads(cdesk(db, "call", "report_status", "{}", user="manager"))
    if status["filed"]:
        pytest.skip("last month's report is already filed in this database")
    assert status["reminder"], "from the 1st until it is filed, the core asks for the reminder"
    app = open_app(app_factory, "manager")
    app.goto("/board")
    reminder = visible(app, "[data-test=report-reminder]", 20)
    time.sleep(0.4)
    no_raw_keys(app, "reminder")
    app.shot(SHOTS / "zh-CN" / "report-reminder.png")
    app.click_el(reminder.find_element(By.CSS_SELECTOR, "[data-test=report-reminder-open]"))
    app.wait_js(f"return location.hash.includes('/reports') && !!document.querySelector('[data-test=report-kpi-current-volume]')", 30)
    time.sleep(1.0)
    no_raw_keys(app, "monthly report")
    app.shot(SHOTS / "zh-CN" / "report-kpis.png")
    volume = int(re.sub(r"\D", "", app.text_of("report-kpi-current-volume")))

    for tab, name in [("departments", "report-departments"), ("flags", "report-flags"), ("ledger", "report-ledger")]:
        app.click_el(app.css(f"#tab-{tab}"))
        time.sleep(0.8)
        no_raw_keys(app, name)
        app.shot(SHOTS / "zh-CN" / f"{name}.png")

    target = in_folder / "report.xlsx"
    save_through_dialog(app, lambda: app.click("report-export-xlsx"), target)
    with zipfile.ZipFile(target) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) >= 3, f"one sheet per table: {sheets}"
        book = z.read("xl/workbook.xml").decode()
        cells = "".join(z.read(s).decode() for s in sheets)
    assert "<v>%d</v>" % volume in cells, "the month's volume is a number cell of the workbook"
    assert "sheet" in book

    pdf = in_folder / "report.pdf"
    save_through_dialog(app, lambda: app.click("report-export-pdf"), pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "月度" in text and str(volume) in text, "the PDF is the month's report"
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout).group(1))
    assert pages >= 2, pages
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(pdf), str(in_folder / "page")], check=True)
    for i, page in enumerate(sorted(in_folder.glob("page*.png")), 1):
        shutil.copy(page, SHOTS / "zh-CN" / f"report-pdf-page{i}.png")

    app.click_el(app.css("#tab-file"))
    app.type_into("report-suggestions", "加强保洁员上门前的电话确认；月嫂培训增加夜间护理内容。")
    time.sleep(0.3)
    app.shot(SHOTS / "zh-CN" / "report-file.png")
    app.click("report-file")
    confirm_box(app)
    app.wait_js("const s = document.querySelector('[data-test=report-status]'); return s && s.dataset.filed === 'true'", 20)
    assert "王建华" in app.text_of("report-filed-by")
    app.goto("/board")
    time.sleep(1.0)
    assert not app.d.execute_script("const r = document.querySelector('[data-test=report-reminder]'); return !!(r && r.offsetParent !== null)"), \
        "the reminder is gone once the report is filed"
    filed = json.loads(cdesk(db, "call", "report_status", json.dumps({"month": status["month"]}), user="manager"))
    assert filed["filed"] and "电话确认" in filed["suggestions"]


def test_board_export_csv_is_masked(app_factory, db, in_folder):
    """R7.8: an export of the board as CS masks phone numbers unless asked otherwise."""
    app = open_app(app_factory, "cs01")
    app.goto("/board")
    app.wait_js("return !!document.querySelector('[data-test=board-card]')", 20)
    app.click("board-export")
    visible(app, "[data-test=export-dialog] [data-test=export-go]")
    csv_chosen = "const b = [...document.querySelectorAll('[data-test=export-format-csv]')].find((x) => x.offsetParent !== null); return !!b && b.classList.contains('is-active')"
    for _ in range(3):  # the dialog may still be opening: click until CSV is the chosen format
        app.click("export-format-csv")
        time.sleep(0.4)
        if app.d.execute_script(csv_chosen):
            break
    assert app.d.execute_script(csv_chosen), "CSV is chosen"
    no_raw_keys(app, "export dialog")
    app.shot(SHOTS / "zh-CN" / "board-export.png")
    target = in_folder / "board.csv"
    save_through_dialog(app, lambda: app.click("export-go"), target)
    visible(app, "[data-test=export-result]")
    assert app.test_id("export-masked").get_attribute("data-masked") == "true"
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), f"a UTF-8 CSV with its BOM (Excel opens it right): {data[:8]!r}"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) > 1, "the open complaints are in the file"
    phones = [c for r in rows[1:] for c in r if re.fullmatch(r"1\d\*{4}\d{4}|1\d{2}\*{4}\d{4}", c)]
    assert phones, "phone numbers are masked"
    assert not any(re.fullmatch(r"1\d{10}", c) for r in rows[1:] for c in r), "no full phone number in a masked export"
    app.shot(SHOTS / "zh-CN" / "board-export-done.png")


def test_import_preview_shows_the_bad_row_and_applies_nothing(app_factory, db, tmp_path):
    """Customers from CSV: a bad phone is reported on its row and nothing can be applied; the
    corrected file applies all rows."""
    bad = tmp_path / "customers.csv"
    bad.write_text("姓名,手机,客户等级,地址\n孙美玲,13811112222,vip,朝阳区一号\n周大伟,待补充,regular,海淀区二号\n", encoding="utf-8")
    app = open_app(app_factory, "admin", ADMIN_PASSWORD)
    app.goto("/imports")
    app.test_id("imports")
    pick_file(app, bad)
    visible(app, "[data-test=import-error-row]", 20)
    assert "3" in app.text_of("import-error-row"), "the error names the file's row"
    assert app.test_id("import-apply").get_attribute("disabled") is not None or "is-disabled" in app.test_id("import-apply").get_attribute("class")
    time.sleep(0.4)
    no_raw_keys(app, "imports")
    app.shot(SHOTS / "zh-CN" / "imports-errors.png")

    good = tmp_path / "customers-ok.csv"
    good.write_text("姓名,手机,客户等级,地址\n孙美玲,13811112222,vip,朝阳区一号\n周大伟,13911113333,regular,海淀区二号\n", encoding="utf-8")
    pick_file(app, good)
    app.wait_js("const b = document.querySelector('[data-test=import-apply]'); return b && !b.disabled", 20)
    app.click("import-apply")
    confirm_box(app)
    visible(app, "[data-test=import-applied]", 20)
    app.wait_js("return !document.querySelector('.el-message-box__wrapper') || document.querySelector('.el-message-box__wrapper').offsetParent === null", 10)
    time.sleep(0.4)
    app.shot(SHOTS / "zh-CN" / "imports-applied.png")
    found = json.loads(cdesk(db, "call", "lookup_customer", json.dumps({"phone": "13911113333"}), user="manager"))
    assert "周大伟" in json.dumps(found, ensure_ascii=False)


def pick_file(app, path: Path) -> None:
    inp = app.d.find_element(By.CSS_SELECTOR, "[data-test=import-file]")
    app.d.execute_script("arguments[0].style.display = 'block'", inp)
    app.d.execute_script("arguments[0].value = ''", inp)
    inp.send_keys(str(path))
    # Hidden again: people pick the file with the screen's own button.
    app.d.execute_script("arguments[0].style.display = 'none'", inp)


def test_case_library_search_is_anonymised(app_factory, db):
    """R7.6: a closed complaint added as a case is found by a word of its lessons; the customer's
    name and phone never show."""
    items = json.loads(cdesk(db, "call", "search", json.dumps({"filter": {"stages": ["closed"]}, "limit": 5}), user="manager"))["items"]
    c = items[0]
    name = c["customer_name"]
    cdesk(db, "call", "add_case", json.dumps({
        "complaint": c["number"], "title": f"{name}投诉上门迟到",
        "analysis": f"{name}反映服务人员迟到，调度未提前告知。", "lessons": "排班冲突时提前电话告知客户",
    }, ensure_ascii=False), user="manager")
    app = open_app(app_factory, "cs01")
    menu = app.d.execute_script("return document.querySelector('.cd-aside').innerText")
    assert "案例库" in menu and "统计看板" not in menu and "月度报告" not in menu, f"a CS agent is offered what the role may do: {menu!r}"
    app.goto("/cases")
    app.type_into("cases-search", "排班冲突")
    row = visible(app, "[data-test=case-row]", 20)
    app.click_el(row)
    visible(app, "[data-test=case-detail]")
    time.sleep(0.5)
    body = app.d.execute_script("return document.body.innerText")
    assert "排班冲突" in body
    assert name not in body, "the case library never shows the customer's name"
    no_raw_keys(app, "cases")
    app.shot(SHOTS / "zh-CN" / "cases.png")


@pytest.mark.parametrize("locale", ["en"])
def test_report_screens_in_english(app_factory, locale):
    """The new screens in English, for people to look at, with no untranslated key."""
    app = open_app(app_factory, "manager", locale=locale)
    open_dashboard(app)
    last_month_with_data(app)
    no_raw_keys(app, "dashboard (en)")
    assert "Volume" in app.d.execute_script("return document.body.innerText") or "volume" in app.d.execute_script("return document.body.innerText").lower()
    app.shot(SHOTS / locale / "dashboard.png")
    shoot_charts(app, locale)
    app.click_el(app.test_id("kpi-tile-resolution_rate").find_element(By.CSS_SELECTOR, "[data-test=kpi-value]"))
    visible(app, "[data-test=kpi-drawer] [data-test=drill-summary]", 20)
    time.sleep(0.6)
    no_raw_keys(app, "drill-down (en)")
    app.shot(SHOTS / locale / "dashboard-drill-down.png")
    app.goto("/reports")
    app.wait_js("return !!document.querySelector('[data-test=report-kpi-current-volume]')", 30)
    time.sleep(1.0)
    no_raw_keys(app, "monthly report (en)")
    app.shot(SHOTS / locale / "report-kpis.png")
    for tab in ["departments", "flags", "ledger", "file"]:
        app.click_el(app.css(f"#tab-{tab}"))
        time.sleep(0.8)
        no_raw_keys(app, f"report {tab} (en)")
        app.shot(SHOTS / locale / f"report-{tab}.png")
    app.goto("/cases")
    app.test_id("cases-table")
    time.sleep(0.8)
    no_raw_keys(app, "cases (en)")
    app.shot(SHOTS / locale / "cases.png")
    app.goto("/board")
    app.wait_js("return !!document.querySelector('[data-test=board-card]')", 20)
    app.click("board-export")
    visible(app, "[data-test=export-dialog] [data-test=export-go]")
    time.sleep(0.4)
    no_raw_keys(app, "export (en)")
    app.shot(SHOTS / locale / "board-export.png")
    app.click("export-close")
    app.wait_js("const d = document.querySelector('[data-test=export-dialog]'); return !d || d.offsetParent === null", 10)
    app.click("logout")
    app.wait_js("return !!document.querySelector('[data-test=login]')", 15)
    app.login("admin", ADMIN_PASSWORD)
    app.goto("/imports")
    app.test_id("imports")
    time.sleep(0.6)
    no_raw_keys(app, "imports (en)")
    app.shot(SHOTS / locale / "imports.png")
