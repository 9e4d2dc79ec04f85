"""The Linux installers as a user gets them (issue 9): the .deb installed into this machine by
scripts/test, started from /usr/bin like the menu entry does, and the AppImage started from its
file. Each must come up on the first-run / sign-in screen, keep its database and log in the
platform's per-user folders, make its daily backup beside the database and one more when closed
after a change, and ship its menu entry and licences.

scripts/test builds the installers with scripts/package, installs the .deb and sets
CDESK_INSTALLED_APP (and CDESK_DEB, CDESK_APPIMAGE); without them these tests are skipped.
Screenshots land in artifacts/screens/installed/: the X screen of a plain start (no WebDriver),
and the sign-in screen driven through WebDriver."""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import PASSWORD, SHOTS, cdesk
from harness import App, start_xvfb

INSTALLED = os.environ.get("CDESK_INSTALLED_APP", "")
DEB = os.environ.get("CDESK_DEB", "")
APPIMAGE = os.environ.get("CDESK_APPIMAGE", "")
OUT = SHOTS / "installed"

pytestmark = pytest.mark.skipif(not INSTALLED, reason="scripts/test installs the .deb and sets CDESK_INSTALLED_APP")


def sh(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=60).stdout


def close_window_of(pid: int, display: str) -> None:
    """Asks the program's top-level window to close, as a window manager's close button does
    (a WM_DELETE_WINDOW message), so the app ends through its normal exit path."""
    x = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    ul, vp = ctypes.c_ulong, ctypes.c_void_p
    x.XOpenDisplay.restype, x.XOpenDisplay.argtypes = vp, [ctypes.c_char_p]
    x.XDefaultRootWindow.restype, x.XDefaultRootWindow.argtypes = ul, [vp]
    x.XInternAtom.restype, x.XInternAtom.argtypes = ul, [vp, ctypes.c_char_p, ctypes.c_int]
    x.XQueryTree.argtypes = [vp, ul, ctypes.POINTER(ul), ctypes.POINTER(ul), ctypes.POINTER(ctypes.POINTER(ul)), ctypes.POINTER(ctypes.c_uint)]
    x.XGetWindowProperty.argtypes = [vp, ul, ul, ctypes.c_long, ctypes.c_long, ctypes.c_int, ul, ctypes.POINTER(ul),
                                     ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ul), ctypes.POINTER(ul), ctypes.POINTER(ctypes.c_void_p)]
    x.XSendEvent.argtypes = [vp, ul, ctypes.c_int, ctypes.c_long, vp]
    x.XFree.argtypes = [vp]
    x.XFlush.argtypes = x.XCloseDisplay.argtypes = [vp]

    class ClientMessage(ctypes.Structure):
        _fields_ = [("type", ctypes.c_int), ("serial", ul), ("send_event", ctypes.c_int), ("display", vp), ("window", ul),
                    ("message_type", ul), ("format", ctypes.c_int), ("l", ctypes.c_long * 5), ("pad", ctypes.c_long * 12)]

    dpy = x.XOpenDisplay(display.encode())
    assert dpy, f"cannot open display {display}"
    try:
        net_wm_pid = x.XInternAtom(dpy, b"_NET_WM_PID", 0)
        protocols = x.XInternAtom(dpy, b"WM_PROTOCOLS", 0)
        delete = x.XInternAtom(dpy, b"WM_DELETE_WINDOW", 0)
        root, parent, count = ul(), ul(), ctypes.c_uint()
        children = ctypes.POINTER(ul)()
        x.XQueryTree(dpy, x.XDefaultRootWindow(dpy), ctypes.byref(root), ctypes.byref(parent), ctypes.byref(children), ctypes.byref(count))
        windows = [children[i] for i in range(count.value)]
        if children:
            x.XFree(children)
        sent = 0
        for w in windows:
            actual, fmt, n, after, data = ul(), ctypes.c_int(), ul(), ul(), ctypes.c_void_p()
            x.XGetWindowProperty(dpy, w, net_wm_pid, 0, 1, 0, 0, ctypes.byref(actual), ctypes.byref(fmt), ctypes.byref(n),
                                 ctypes.byref(after), ctypes.byref(data))
            owner = ctypes.cast(data, ctypes.POINTER(ctypes.c_long))[0] if data and n.value else None
            if data:
                x.XFree(data)
            if owner != pid:
                continue
            ev = ClientMessage(type=33, send_event=1, window=w, message_type=protocols, format=32)  # 33: ClientMessage
            ev.l[0], ev.l[1] = delete, 0
            x.XSendEvent(dpy, w, 0, 0, ctypes.byref(ev))
            sent += 1
        x.XFlush(dpy)
        assert sent, f"no window of process {pid} on {display}"
    finally:
        x.XCloseDisplay(dpy)


class PlainStart:
    """The program started as from the desktop menu: its own X display, a fresh home folder, no
    CDESK_DB and no WebDriver, so the default per-user folders are the ones used."""

    def __init__(self, program: str, home: Path, backup_timer: str | None = None):
        self.home = home
        self.xvfb, self.display = start_xvfb((1280, 800))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "CDESK_", "DBUS_SESSION"))}
        env.update(HOME=str(home), DISPLAY=f":{self.display}")
        if backup_timer is not None:
            env["CDESK_BACKUP_TIMER"] = backup_timer
        self.log = open(home / "stderr.log", "wb")
        self.app = subprocess.Popen([program], env=env, cwd=home, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_for(self, path: Path, timeout: float = 60) -> Path:
        end = time.time() + timeout
        while time.time() < end:
            if path.exists():
                return path
            assert self.app.poll() is None, f"the app exited ({self.app.returncode}): {self.stderr()}"
            time.sleep(0.2)
        raise AssertionError(f"{path} did not appear: {self.stderr()}")

    def stderr(self) -> str:
        return (self.home / "stderr.log").read_text(errors="replace")[-2000:]

    def screenshot_when_painted(self, out: Path, timeout: float = 60) -> Path:
        """The X screen, once the window shows more than one colour."""
        out.parent.mkdir(parents=True, exist_ok=True)
        end = time.time() + timeout
        spread = 0.0
        while time.time() < end:
            subprocess.run(["import", "-display", f":{self.display}", "-window", "root", str(out)], check=True, timeout=30)
            spread = float(sh("convert", str(out), "-colorspace", "Gray", "-format", "%[fx:standard_deviation]", "info:"))
            if spread > 0.03:
                time.sleep(1.5)  # let the fonts and the card settle, then take the final picture
                subprocess.run(["import", "-display", f":{self.display}", "-window", "root", str(out)], check=True, timeout=30)
                return out
            assert self.app.poll() is None, f"the app exited ({self.app.returncode}): {self.stderr()}"
            time.sleep(1)
        raise AssertionError(f"the window stayed blank (spread {spread}): {self.stderr()}")

    def close(self, timeout: float = 120) -> int:
        """Closes the window as a user does and waits for the program to end."""
        close_window_of(self.app.pid, f":{self.display}")
        return self.app.wait(timeout)

    def stop(self) -> None:
        for p in (self.app, self.xvfb):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.log.close()


def test_the_deb_installs_the_program_its_menu_entry_and_licences():
    status = sh("dpkg-query", "-W", "-f", "${Status} ${Version}", "complaint-desk")
    assert status.startswith("install ok installed"), status
    files = sh("dpkg", "-L", "complaint-desk").split("\n")
    assert "/usr/bin/complaint-desk" in files and Path(INSTALLED).resolve() == Path("/usr/bin/complaint-desk")
    desktop = [f for f in files if f.startswith("/usr/share/applications/") and f.endswith(".desktop")]
    assert len(desktop) == 1, desktop
    entry = Path(desktop[0]).read_text()
    assert "Exec=complaint-desk" in entry and "Name=Complaint Desk" in entry and "Name[zh_CN]=客诉台" in entry, entry
    assert any(f.endswith("/icons/hicolor/128x128/apps/complaint-desk.png") for f in files)
    assert "/usr/share/doc/complaint-desk/copyright" in files
    licences = [f for f in files if "/licenses/" in f]
    assert any(f.endswith("NotoSansSC-OFL.txt") for f in licences), licences
    if DEB:
        control = sh("dpkg-deb", "-f", DEB, "Package", "Depends", "Recommends")
        assert "libwebkit2gtk-4.1-0" in control and "cups-client" in control, control


def backups_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("cdesk-backup-*")) if folder.is_dir() else []


def test_the_installed_app_starts_on_first_run_with_platform_folders_and_backs_up(tmp_path):
    """Started from /usr/bin with a new home folder: the first-run screen shows, the database
    is created in ~/.local/share/complaintdesk/ and the log in the platform's log folder. Shortly
    after the start (a minute; here 5 s through CDESK_BACKUP_TIMER) the timer makes the day's
    backup in `backups/` beside the database; closed after a change, the app makes one more before
    it ends."""
    home = tmp_path / "home"
    home.mkdir()
    # The first check comes after 5 s instead of a minute, to keep the test short.
    run = PlainStart(INSTALLED, home, backup_timer="5")
    try:
        db = run.wait_for(home / ".local/share/complaintdesk/complaint-desk.sqlite3")
        log = run.wait_for(home / ".local/share/com.complaintdesk.app/logs/complaint-desk.log")
        shot = run.screenshot_when_painted(OUT / "deb-first-start.png")
        text = log.read_text()
        assert "INFO Complaint Desk 0.1.0 starting (linux x86_64" in text, text
        assert f"INFO database {db}" in text, text
        assert shot.stat().st_size > 10_000

        backups = db.parent / "backups"
        end = time.time() + 90
        while not backups_in(backups) and time.time() < end:
            assert run.app.poll() is None, f"the app exited ({run.app.returncode}): {run.stderr()}"
            time.sleep(1)
        first = backups_in(backups)
        assert len(first) == 1, f"no scheduled backup in {backups}: {log.read_text()}"
        assert f"INFO scheduled backup {first[0]} written to {backups}" in log.read_text()

        # Something is recorded while the window is open (here by the command line, on the
        # same database), then the window is closed: the backup at exit keeps it.
        cdesk(db, "demo", "--complaints", "3")
        assert run.close() == 0, run.stderr()
        text = log.read_text()
        assert "INFO backup at exit cdesk-backup-" in text and text.rstrip().endswith("INFO stopped"), text
        # The rotation keeps one backup a day: the one made at exit replaces the morning's.
        after = backups_in(backups)
        assert len(after) == 1 and after != first and f"rotation removed {first[0]}" in text, (after, text)
    finally:
        run.stop()


def test_the_installed_app_shows_sign_in_and_signs_in(db):
    """The installed program, driven through WebDriver on a database that is set up: the
    sign-in screen (not the first-run one), then a clerk's board."""
    app = App(db, binary=Path(INSTALLED))
    try:
        app.set_locale("zh-CN")
        app.wait_js("return !!document.querySelector('[data-test=signin] [data-test=login]')", 20)
        assert not app.all("[data-test=password2]"), "a set-up database must not show the first-run form"
        app.shot(OUT / "deb-sign-in.png")
        app.login("cs01", PASSWORD)
        app.wait_js("return !!document.querySelector('[data-test=board-card]')", 30)
        time.sleep(0.8)
        app.shot(OUT / "deb-signed-in.png")
        paths = app.d.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "window.__TAURI_INTERNALS__.invoke('app_paths').then(done, e => done({error: String(e)}))")
        assert paths["database"] == str(db), paths
        assert paths["log_file"] and paths["log_file"].endswith("/logs/complaint-desk.log"), paths
    finally:
        app.quit()


@pytest.mark.skipif(not APPIMAGE, reason="scripts/test sets CDESK_APPIMAGE when the AppImage was built")
def test_the_appimage_starts_on_its_own_libraries(tmp_path):
    """The AppImage, started from its file: it unpacks into the user's cache, comes up on the
    first-run screen, and its WebKitGTK is the bundled one, not this machine's."""
    home = tmp_path / "home"
    home.mkdir()
    image = home / "Complaint-Desk.AppImage"
    shutil.copy(APPIMAGE, image)
    assert image.read_bytes()[8:11] == b"AI\x02", "not marked as a type-2 AppImage"
    run = PlainStart(str(image), home)
    try:
        run.wait_for(home / ".local/share/complaintdesk/complaint-desk.sqlite3", timeout=120)
        run.screenshot_when_painted(OUT / "appimage-first-start.png")
        maps = Path(f"/proc/{run.app.pid}/maps").read_text()
        webkit = {line.split()[-1] for line in maps.splitlines() if "libwebkit2gtk-4.1.so" in line}
        assert webkit and all(p.startswith(str(home / ".cache/complaint-desk-appimage/")) for p in webkit), webkit
    finally:
        run.stop()
        # The unpacked copy (~290 MB) and the image are not needed after the test.
        shutil.rmtree(home / ".cache/complaint-desk-appimage", ignore_errors=True)
        image.unlink(missing_ok=True)
