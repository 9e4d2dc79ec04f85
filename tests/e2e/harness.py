"""Drives the real Complaint Desk window through WebDriver (tauri-driver + WebKitWebDriver).

Used by the end-to-end tests and for taking screenshots of screens by hand:

    python3 tests/e2e/harness.py --db /tmp/x.db --user cs01 --route /board --out board.png

Each App starts its own Xvfb display and tauri-driver on its own ports, so several can run at
once. The database is passed to the app through CDESK_DB.
"""
from __future__ import annotations

import argparse
import os
import select
import shutil
import socket
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]


def default_binary() -> Path:
    if os.environ.get("CDESK_APP"):
        return Path(os.environ["CDESK_APP"])
    built = [p for p in [ROOT / "target/release/complaint-desk", ROOT / "target/app/debug/complaint-desk", ROOT / "target/debug/complaint-desk"] if p.exists()]
    if not built:
        raise SystemExit("the app binary is not built (set CDESK_APP)")
    return max(built, key=lambda p: p.stat().st_mtime)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 20) -> None:
    end = time.time() + timeout
    while time.time() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def start_xvfb(size=(1400, 900), timeout: float = 30) -> tuple[subprocess.Popen, int]:
    """Starts an Xvfb and returns it with its display number once it accepts clients.

    Xvfb picks a free display itself and writes its number to -displayfd when it is ready: a
    display number made up by the caller could already be taken, and a fixed sleep is too short
    on a loaded CI machine (the app then fails to open the display and the WebDriver session
    request is answered by a closed connection)."""
    r, w = os.pipe()
    proc = subprocess.Popen([shutil.which("Xvfb") or "Xvfb", "-displayfd", str(w), "-screen", "0",
                             f"{size[0]}x{size[1]}x24", "-nolisten", "tcp"],
                            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(w)
    got = b""
    end = time.time() + timeout
    try:
        while not got.endswith(b"\n") and time.time() < end:
            ready, _, _ = select.select([r], [], [], max(0.0, end - time.time()))
            if not ready:
                break
            chunk = os.read(r, 32)
            if not chunk:
                break
            got += chunk
    finally:
        os.close(r)
    if not got.strip().isdigit():
        proc.kill()
        proc.wait()
        raise RuntimeError(f"Xvfb did not report a display within {timeout} s")
    return proc, int(got)


# See App.shot: keeps the page repainting until _REPAINT_STOP.
_REPAINT_START = """
if (!window.__cdShotRepaint) {
  const el = document.createElement('div');
  el.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none;background:rgba(0,0,0,0)';
  document.body.appendChild(el);
  let n = 0;
  const timer = setInterval(() => { el.style.background = (n++ % 2) ? 'rgba(0,0,0,0)' : 'rgba(255,255,255,0)'; }, 40);
  window.__cdShotRepaint = { el, timer };
}
"""
_REPAINT_STOP = """
const r = window.__cdShotRepaint;
if (r) { clearInterval(r.timer); r.el.remove(); window.__cdShotRepaint = null; }
"""


class App:
    def __init__(self, db: str, binary: Path | None = None, display: int | None = None, size=(1400, 900), env: dict | None = None):
        self.procs: list[subprocess.Popen] = []
        if display:
            self.display = display
        else:
            xvfb, self.display = start_xvfb(size)
            self.procs.append(xvfb)
        # No scheduled backup behind a test's back (a test that wants one passes CDESK_BACKUP_TIMER).
        e = dict(os.environ, DISPLAY=f":{self.display}", CDESK_DB=str(db), CDESK_BACKUP_TIMER="off")
        e.update(env or {})
        binary = binary or default_binary()
        # A session request that the driver answers by closing the connection says nothing of why:
        # the driver's and the app's output go to a log, shown when the session cannot be made.
        self.log = Path(tempfile.mkstemp(prefix="cdesk-e2e-driver-", suffix=".log")[1])
        for attempt in (1, 2):
            try:
                self.d = self._session(binary, e)
                break
            except Exception as err:
                tail = self.log.read_text(errors="replace")[-4000:]
                if attempt == 2:
                    self._stop_processes()
                    raise RuntimeError(f"no WebDriver session: {err!r}\n--- driver/app log ---\n{tail}") from err
                # Once, the whole start is retried (a WebDriver session that failed for a reason
                # of the machine's, not the app's); the warning keeps it visible in the summary.
                warnings.warn(f"first WebDriver session failed, retrying: {err!r}\n{tail}")
        # File inputs get a local path typed in; there is no remote upload to do.
        from selenium.webdriver.remote.file_detector import UselessFileDetector
        self.d.file_detector = UselessFileDetector()
        self.d.set_window_size(*size)
        self.wait_js("return window.__cdReady === true", 30)

    def _session(self, binary: Path, env: dict) -> webdriver.Remote:
        for p in getattr(self, "_driver", []):
            # The whole group: WebKitWebDriver and an app it may have started would otherwise live
            # on and hold the database and the single-instance lock against the retry.
            try:
                os.killpg(p.pid, 9)
            except ProcessLookupError:
                pass
            p.wait()
            self.procs.remove(p)
        self.port = free_port()
        native = free_port()
        driver_bin = shutil.which("tauri-driver") or str(Path.home() / ".cargo/bin/tauri-driver")
        with open(self.log, "ab") as log:
            driver = subprocess.Popen([driver_bin, "--port", str(self.port), "--native-port", str(native),
                                       "--native-driver", "/usr/bin/WebKitWebDriver"],
                                      env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._driver = [driver]
        self.procs.append(driver)
        wait_port(self.port)
        # tauri-driver starts WebKitWebDriver at its own start but forwards the session request
        # without waiting for it: on a loaded machine the request then finds nothing on the
        # native port and the connection is closed ("tcp connect error" in the driver's log).
        wait_port(native)
        opts = webdriver.ChromeOptions()  # any Options class; only the capabilities matter
        opts.set_capability("browserName", "wry")
        opts.set_capability("tauri:options", {"application": str(binary)})
        return webdriver.Remote(command_executor=f"http://127.0.0.1:{self.port}", options=opts)

    # --- helpers -------------------------------------------------------------------------
    def wait_js(self, script: str, timeout: float = 10):
        # While the page reloads, a script can fail (no document yet); that is "not yet", not an error.
        try:
            return WebDriverWait(self.d, timeout, poll_frequency=0.1, ignored_exceptions=(WebDriverException,)).until(
                lambda d: d.execute_script(script))
        except TimeoutException as e:
            # A bare timeout in a CI log says nothing; where the window was and what it showed does.
            raise TimeoutException(f"{script[:160]!r} not true within {timeout} s; {self.where()}{self.failure_shot()}") from e

    def failure_shot(self) -> str:
        """A screenshot of the window when a wait fails, under artifacts/screens/failures/: the
        text alone does not say what covered a button or which field held what."""
        try:
            name = time.strftime("%H%M%S") + f"-{os.getpid()}.png"
            return f"; screenshot {self.shot(ROOT / 'artifacts' / 'screens' / 'failures' / name)}"
        except Exception as e:  # a failure report must not fail itself
            return f"; no screenshot ({type(e).__name__})"

    def where(self) -> str:
        """The route and the visible text of the window, for a failure message."""
        try:
            hash_, text = self.d.execute_script("return [location.hash, document.body.innerText]")
            return f"route {hash_!r}, window shows: {' '.join(text.split())[:600]!r}"
        except WebDriverException as e:
            return f"(the window could not be read: {e.msg})"

    def settled(self, el: WebElement, timeout: float = 5) -> WebElement:
        """Waits until an element stops moving: a dropdown that is still opening (Element Plus
        scales it in) moves its options under the pointer between finding one and clicking it."""
        rect = lambda: tuple(round(v) for v in self.d.execute_script(
            "const r = arguments[0].getBoundingClientRect(); return [r.x, r.y, r.width, r.height]", el))
        end = time.time() + timeout
        last = rect()
        while time.time() < end:
            time.sleep(0.1)
            now = rect()
            if now == last and now[2] > 0 and now[3] > 0:
                return el
            last = now
        return el

    def css(self, sel: str, timeout: float = 10) -> WebElement:
        return WebDriverWait(self.d, timeout, poll_frequency=0.1).until(lambda d: d.find_element(By.CSS_SELECTOR, sel))

    def all(self, sel: str) -> list[WebElement]:
        return self.d.find_elements(By.CSS_SELECTOR, sel)

    def test_id(self, tid: str, timeout: float = 10) -> WebElement:
        """The element with this data-test; a visible one when closed dialogs leave copies behind."""
        sel = f'[data-test="{tid}"]'

        def find(d):
            els = d.find_elements(By.CSS_SELECTOR, sel)
            shown = [e for e in els if e.is_displayed()]
            return (shown or els or [None])[0]

        # An element found just before a re-render goes stale: look again.
        return WebDriverWait(self.d, timeout, poll_frequency=0.1,
                             ignored_exceptions=(StaleElementReferenceException,)).until(find)

    def input(self, tid: str) -> WebElement:
        """The <input>/<textarea> of a field, whether data-test sits on it or on its wrapper."""
        el = self.test_id(tid)
        return el if el.tag_name in ("input", "textarea") else el.find_element(By.CSS_SELECTOR, "input, textarea")

    def type_into(self, tid: str, text: str, clear: bool = True) -> None:
        inp = self.input(tid)
        if clear:
            inp.send_keys(Keys.CONTROL, "a")
            inp.send_keys(Keys.DELETE)
        if text:
            inp.send_keys(text)

    def choose(self, tid: str, text: str) -> None:
        """Picks the option showing `text` in an Element Plus select."""
        el = self.test_id(tid)
        self.click_el((el.find_elements(By.CSS_SELECTOR, ".el-select__wrapper") or [el])[0])
        def find(d):
            for item in d.find_elements(By.CSS_SELECTOR, ".el-select-dropdown__item"):
                if item.is_displayed() and text in item.text:
                    return item
            return None
        self.settled(WebDriverWait(self.d, 10, poll_frequency=0.1).until(find)).click()
        time.sleep(0.2)

    def click(self, tid: str) -> None:
        self.click_el(self.test_id(tid))

    def click_el(self, el: WebElement, timeout: float = 5) -> None:
        """Clicks like a user; while an animation still covers the element, tries again."""
        end = time.time() + timeout
        while True:
            try:
                el.click()
                return
            except Exception:
                if time.time() > end:
                    raise
                time.sleep(0.2)

    def text_of(self, tid: str) -> str:
        return self.test_id(tid).text

    def goto(self, route: str) -> None:
        self.d.execute_script(f"location.hash = '#{route}'")
        time.sleep(0.6)

    def set_locale(self, loc: str) -> None:
        # Every window of the app shares its local storage: start from a clean slate each time.
        self.d.execute_script(f"localStorage.clear(); localStorage.setItem('complaint-desk.locale', '{loc}'); "
                            "window.__cdReady = false; location.reload()")
        self.wait_js("return window.__cdReady === true", 20)

    def login(self, user: str, password: str) -> None:
        self.type_into("login", user)
        self.type_into("password", password)
        self.click("signin-submit")
        self.wait_js("return !!document.querySelector('[data-test=current-user]')", 20)

    def shot(self, path: str | Path) -> Path:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        # WebKitWebDriver takes the screenshot after the web process's next paint. The app runs
        # WebKitGTK without accelerated compositing (src-tauri/src/main.rs), and then a page
        # where nothing changes is never painted again: the screenshot of a still screen (no
        # caret, no animation) waited forever. So the window is kept repainting while the
        # screenshot is taken: a 1-pixel element switches between two fully transparent
        # colours (a repaint, not a single pixel of difference), and goes when it is done.
        self.d.execute_script(_REPAINT_START)
        try:
            self.d.save_screenshot(str(p))
        finally:
            try:
                self.d.execute_script(_REPAINT_STOP)
            except WebDriverException:
                pass  # the page went away meanwhile, and the element with it
        return p

    def quit(self) -> None:
        try:
            self.d.quit()
        except Exception:
            pass
        self._stop_processes()
        self.log.unlink(missing_ok=True)

    def _stop_processes(self) -> None:
        for p in reversed(self.procs):
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--user", default="cs01")
    ap.add_argument("--password", default="Demo-e2e-2026")
    ap.add_argument("--route", default="/board")
    ap.add_argument("--locale", default="zh-CN")
    ap.add_argument("--out", required=True)
    ap.add_argument("--wait", type=float, default=1.5)
    a = ap.parse_args()
    app = App(a.db)
    try:
        app.set_locale(a.locale)  # the saved language is shared by every window of the app
        app.login(a.user, a.password)
        app.goto(a.route)
        time.sleep(a.wait)
        print(app.shot(a.out))
    finally:
        app.quit()


if __name__ == "__main__":
    main()
