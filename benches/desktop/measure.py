#!/usr/bin/env python3
"""Issue 8, case 7: the desktop app's cold start and memory against a bare Tauri window.

    target/tools/venv/bin/python benches/desktop/measure.py \
        --app target/release/complaint-desk --floor target/release/minimal-window \
        --db target/bench-data/demo-10000-seed42-v5.sqlite3 --runs 5 --out target/bench/desktop.json

Both programs are started the same way, through tauri-driver and WebKitWebDriver on a private
Xvfb display (that is how the app can be signed in to), in turn, after one warm-up run each (the
OS file cache is warm: this is a second start of the day, not the first after boot). Each run:

* start = the program's process start time (/proc/<pid>/stat, 10 ms ticks, on the wall clock);
* the floor (benches/minimal-window) sets `__cdShownAt` in the frame after its page shows the
  answer of one IPC call: cold start = __cdShownAt - start;
* the app sets `__cdReadyAt` when the sign-in screen is up: (a) = __cdReadyAt - start; the
  clerk's login and password are typed, the button pressed (t0, in the page), and the app sets
  `__cdBoardShownAt` in the frame after every board column has its first cards:
  (b) = __cdBoardShownAt - t0. Cold start to the board = (a) + (b): the typing is left out.
* memory, `--settle` seconds after that: PSS and RSS (/proc/<pid>/smaps_rollup) summed over the
  program and every process it started (WebKitWebProcess, WebKitNetworkProcess, ...). PSS
  shares the libraries out between the processes instead of counting them in each: the honest
  sum; RSS is given too (the figures in /work/shared/NOTES-tauri.md are RSS).

The program is ended with SIGKILL, its process tree with it: a clean exit would make the app's
backup at exit, a copy of the whole database. The app signs in (an event in its database), so the
dataset is copied first unless --in-place (for a dataset too big to copy; its only change is
the sign-in events). The WebKit profile (local storage, caches) lives in a temporary folder
shared by the runs of one program, so every run starts on the board's default view.

Prints a table and writes JSON (README Performance; benches/desktop.rs returns it).
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

# The end-to-end harness's port helpers: one implementation for both.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "e2e"))
from harness import free_port, start_xvfb, wait_port  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
PR_SET_CHILD_SUBREAPER = 36
SESSION_TIMEOUT = 180


# --- /proc ------------------------------------------------------------------------------------

def boot_epoch() -> float:
    """The wall-clock time of boot, to the microsecond (/proc/stat's btime is whole seconds)."""
    return time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)


def stat_fields(pid: int) -> list[str]:
    raw = Path(f"/proc/{pid}/stat").read_text()
    # The command name is in parentheses and may hold spaces; the fields after it are plain.
    return raw[raw.rindex(")") + 2:].split()


def start_epoch_ms(pid: int) -> float:
    ticks = int(stat_fields(pid)[19])  # field 22, starttime, counted from field 3
    return (boot_epoch() + ticks / CLK_TCK) * 1000


def children_of() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                ppid = int(stat_fields(int(d))[1])
            except (OSError, ValueError, IndexError):
                continue
            kids.setdefault(ppid, []).append(int(d))
    return kids


def descendants(pid: int) -> list[int]:
    kids = children_of()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in kids.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def exe_of(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/exe").removesuffix(" (deleted)")
    except OSError:
        return ""


def comm_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def memory_kb(pid: int) -> tuple[int, int]:
    """(PSS, RSS) in kB of one process; (0, 0) if it is gone."""
    pss = rss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
            elif line.startswith("Rss:"):
                rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def tree_memory(pid: int) -> dict:
    procs = [pid] + descendants(pid)
    per: dict[str, dict] = {}
    pss = rss = 0
    for p in procs:
        ps, rs = memory_kb(p)
        name = comm_of(p)
        e = per.setdefault(name, {"count": 0, "pss_mb": 0.0, "rss_mb": 0.0})
        e["count"] += 1
        e["pss_mb"] += ps / 1024
        e["rss_mb"] += rs / 1024
        pss += ps
        rss += rs
    return {"pss_mb": pss / 1024, "rss_mb": rss / 1024, "processes": per}


def kill_tree(pid: int) -> None:
    """SIGKILL the program and what it started; reaps them (this process is their subreaper)."""
    tree = [pid] + descendants(pid)
    for p in tree:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    pending = set(tree)
    end = time.time() + 5
    while pending and time.time() < end:
        for p in list(pending):
            try:
                if os.waitpid(p, os.WNOHANG)[0]:
                    pending.discard(p)
                continue
            except ChildProcessError:
                pass
            # Not (or not yet) our child: gone, or a zombie its own parent will reap.
            try:
                f = stat_fields(p)
            except OSError:
                pending.discard(p)
                continue
            if f[0] == "Z" and int(f[1]) != os.getpid():
                pending.discard(p)
        time.sleep(0.02)


# --- the dataset -------------------------------------------------------------------------------

# The demo datasets are made by the generator alone, without the first-run setup, so the app
# would open on "set the administrator's password". The setup is done once in a real branch, not
# at every start: the administrator gets the demo accounts' password hash (no event, nothing
# else changes), and loses it again at the end when the dataset is used in place.
ADMIN_UNSET = "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1 AND password_hash IS NULL"


def set_up_admin(db: Path, user: str) -> bool:
    with sqlite3.connect(db, timeout=30) as c:
        if not c.execute(ADMIN_UNSET).fetchone()[0]:
            return False
        c.execute("UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE login = ?) "
                  "WHERE role = 'admin' AND password_hash IS NULL", (user,))
    c.close()
    return True


def undo_admin(db: Path, user: str) -> None:
    with sqlite3.connect(db, timeout=30) as c:
        c.execute("UPDATE users SET password_hash = NULL WHERE role = 'admin' "
                  "AND password_hash = (SELECT password_hash FROM users WHERE login = ?)", (user,))
    c.close()


def end_orphans() -> None:
    """Ends what the programs left behind and handed to us: GTK's D-Bus autolaunch and the
    accessibility bus daemonise (they would otherwise outlive the display), then reaps them."""
    time.sleep(0.5)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for p in descendants(os.getpid()):
            try:
                os.kill(p, sig)
            except ProcessLookupError:
                pass
        end = time.time() + 3
        while time.time() < end:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    time.sleep(0.05)
            except ChildProcessError:
                return


# --- one run ------------------------------------------------------------------------------------

class Session:
    """tauri-driver on its own port, a WebDriver session of one program, and the program's pid."""

    def __init__(self, binary: Path, env: dict, driver: str):
        self.binary = binary
        port, native = free_port(), free_port()
        self.driver = subprocess.Popen([driver, "--port", str(port), "--native-port", str(native),
                                        "--native-driver", "/usr/bin/WebKitWebDriver"],
                                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.d = None
        self.pid = None
        try:
            wait_port(port)
            wait_port(native)  # see tests/e2e/harness.py: the driver does not wait for it
            opts = webdriver.ChromeOptions()  # any Options class; only the capabilities matter
            opts.set_capability("browserName", "wry")
            opts.set_capability("tauri:options", {"application": str(binary)})
            # A program that never opens its window must not hang the run: every WebDriver
            # request, the session's start included, gives up after SESSION_TIMEOUT seconds.
            from selenium.webdriver.remote.client_config import ClientConfig
            url = f"http://127.0.0.1:{port}"
            self.d = webdriver.Remote(command_executor=url, options=opts,
                                      client_config=ClientConfig(remote_server_addr=url, timeout=SESSION_TIMEOUT))
            self.pid = self._find_program()
        except BaseException:
            self.close()
            raise

    def _find_program(self) -> int:
        want = os.path.realpath(self.binary)
        end = time.time() + 10
        while time.time() < end:
            for p in descendants(self.driver.pid):
                if exe_of(p) == want:
                    return p
            time.sleep(0.02)
        raise RuntimeError(f"no process of {want} under tauri-driver")

    def wait_number(self, name: str, timeout: float) -> float:
        """The marker `window[name]` once it holds a time (a page still loading is 'not yet')."""
        return WebDriverWait(self.d, timeout, poll_frequency=0.05, ignored_exceptions=(WebDriverException,)).until(
            lambda d: d.execute_script(f"const v = window.{name}; return typeof v === 'number' ? v : null"))

    def close(self) -> None:
        if self.pid:
            kill_tree(self.pid)
        if self.d:
            try:
                self.d.quit()
            except Exception:
                pass
        self.driver.terminate()
        try:
            self.driver.wait(5)
        except subprocess.TimeoutExpired:
            self.driver.kill()
            self.driver.wait()


def field(d, tid: str):
    el = WebDriverWait(d, 20, poll_frequency=0.05).until(lambda d: d.find_element(By.CSS_SELECTOR, f'[data-test="{tid}"]'))
    return el if el.tag_name in ("input", "textarea") else el.find_element(By.CSS_SELECTOR, "input, textarea")


OPEN_COLUMNS = ["registered", "reviewed", "dispatched", "in_handling", "awaiting_customer", "implementing", "follow_up"]


def run_app(binary: Path, env: dict, driver: str, a: argparse.Namespace) -> dict:
    s = Session(binary, env, driver)
    try:
        start = start_epoch_ms(s.pid)
        ready = s.wait_number("__cdReadyAt", 60)
        for tid, text in (("login", a.user), ("password", a.password)):
            inp = field(s.d, tid)
            inp.send_keys(Keys.CONTROL, "a")
            inp.send_keys(Keys.DELETE)
            inp.send_keys(text)
        # The press and its time in one script: no WebDriver round trip in between.
        t0 = s.d.execute_script(
            "const t = performance.timeOrigin + performance.now();"
            "document.querySelector('[data-test=\"signin-submit\"]').click(); return t")
        board = s.wait_number("__cdBoardShownAt", a.board_timeout)
        counts = s.d.execute_script(
            "return Object.fromEntries([...document.querySelectorAll('[data-test^=board-count-]')]"
            ".map(e => [e.dataset.test.slice(12), Number(e.dataset.count)]))")
        time.sleep(a.settle)
        mem = tree_memory(s.pid)
        return {"ready_ms": ready - start, "signin_to_board_ms": board - t0,
                "cold_start_ms": (ready - start) + (board - t0),
                "open_on_board": sum(int(counts.get(c) or 0) for c in OPEN_COLUMNS), **mem}
    finally:
        s.close()


def run_floor(binary: Path, env: dict, driver: str, a: argparse.Namespace) -> dict:
    s = Session(binary, env, driver)
    try:
        start = start_epoch_ms(s.pid)
        shown = s.wait_number("__cdShownAt", 60)
        time.sleep(a.settle)
        return {"cold_start_ms": shown - start, **tree_memory(s.pid)}
    finally:
        s.close()


# --- statistics and output ----------------------------------------------------------------------

def stats(xs: list[float]) -> dict:
    xs = sorted(xs)
    # p95 by nearest rank: with few runs it is the slowest run, which is what it should say.
    p95 = xs[max(0, -(-95 * len(xs) // 100) - 1)]
    return {"median": round(statistics.median(xs), 1), "p95": round(p95, 1), "min": round(xs[0], 1),
            "max": round(xs[-1], 1), "n": len(xs)}


def summarise(runs: list[dict], keys: list[str]) -> dict:
    out = {k: stats([r[k] for r in runs]) for k in keys}
    names = sorted({n for r in runs for n in r["processes"]})
    out["processes"] = {n: {
        "count": max(r["processes"].get(n, {}).get("count", 0) for r in runs),
        "pss_mb": round(statistics.median(r["processes"].get(n, {}).get("pss_mb", 0) for r in runs), 1),
        "rss_mb": round(statistics.median(r["processes"].get(n, {}).get("rss_mb", 0) for r in runs), 1)} for n in names}
    out["samples"] = [{k: (round(v, 1) if isinstance(v, float) else v) for k, v in r.items() if k != "processes"} for r in runs]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--app", required=True, type=Path)
    ap.add_argument("--floor", required=True, type=Path, help="the minimal window (benches/minimal-window)")
    ap.add_argument("--db", required=True, type=Path, help="a demo dataset (copied unless --in-place)")
    ap.add_argument("--in-place", action="store_true", help="let the app sign in to the dataset itself")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--settle", type=float, default=5.0, help="seconds between the board and the memory reading")
    ap.add_argument("--user", default="cs01")
    # The demo accounts' password in the bench datasets (BENCH_PASSWORD in benches/suite.rs).
    ap.add_argument("--password", default="Bench-Desk-2026")
    ap.add_argument("--board-timeout", type=float, default=180)
    ap.add_argument("--app-env", action="append", default=[], metavar="NAME=VALUE",
                    help="an environment variable for the app only (to try a setting against the same floor)")
    ap.add_argument("--out", type=Path)
    a = ap.parse_args()
    for b in (a.app, a.floor, a.db):
        if not b.exists():
            print(f"not found: {b}", file=sys.stderr)
            return 2
    driver = shutil.which("tauri-driver") or str(Path.home() / ".cargo/bin/tauri-driver")
    root = Path(__file__).resolve().parents[2]
    for c in (root / "target/tools/bin/tauri-driver",):
        if not Path(driver).exists() and c.exists():
            driver = str(c)
    if not Path(driver).exists() or not Path("/usr/bin/WebKitWebDriver").exists() or not shutil.which("Xvfb"):
        print("needs tauri-driver, /usr/bin/WebKitWebDriver and Xvfb (./scripts/test installs them)", file=sys.stderr)
        return 2
    # Orphans (WebKit children of a killed program) come back to us, to be reaped, not to init.
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

    tmp = Path(tempfile.mkdtemp(prefix="cdesk-desktop-bench-"))
    admin_set = False
    xvfb, display = start_xvfb((1400, 900))
    try:
        db = a.db.resolve()
        if not a.in_place:
            for ext in ("", "-wal", "-shm"):
                src = Path(f"{db}{ext}")
                if src.exists():
                    shutil.copyfile(src, tmp / (db.name + ext))
            db = tmp / db.name
        admin_set = set_up_admin(db, a.user)

        def env_for(name: str) -> dict:
            home = tmp / name
            e = dict(os.environ, DISPLAY=f":{display}", CDESK_DB=str(db), CDESK_BACKUP_TIMER="off",
                     XDG_DATA_HOME=str(home / "data"), XDG_CACHE_HOME=str(home / "cache"),
                     XDG_CONFIG_HOME=str(home / "config"))
            e.pop("WAYLAND_DISPLAY", None)
            if name == "app":
                e.update(v.split("=", 1) for v in a.app_env)
            return e

        subjects = {"floor": (a.floor.resolve(), run_floor), "app": (a.app.resolve(), run_app)}
        results: dict[str, list[dict]] = {"floor": [], "app": []}
        # A warm-up run each (file cache, WebKit profile, the app's migration check), then the
        # two in turn, so that whatever else the machine does falls on both alike.
        for i in range(-1, a.runs):
            for name, (binary, fn) in subjects.items():
                for attempt in range(3):
                    # A window that fails to start (WebKitWebDriver drops the session now and
                    # then on a busy machine) is started again; a third failure is reported.
                    try:
                        r = fn(binary, env_for(name), driver, a)
                        break
                    except Exception as e:
                        if attempt == 2:
                            raise
                        print(f"  {name}: {type(e).__name__} ({str(e).strip()[:120]}); trying again", file=sys.stderr)
                print(f"  {'warm-up' if i < 0 else f'run {i + 1}'} {name}: cold start {r['cold_start_ms']:.0f} ms, "
                      f"PSS {r['pss_mb']:.0f} MB, RSS {r['rss_mb']:.0f} MB", file=sys.stderr, flush=True)
                if i >= 0:
                    results[name].append(r)
    finally:
        if a.in_place and admin_set:
            undo_admin(db, a.user)
        xvfb.terminate()
        xvfb.wait()
        end_orphans()
        shutil.rmtree(tmp, ignore_errors=True)

    app = summarise(results["app"], ["ready_ms", "signin_to_board_ms", "cold_start_ms", "pss_mb", "rss_mb"])
    floor = summarise(results["floor"], ["cold_start_ms", "pss_mb", "rss_mb"])
    ratio = lambda k: round(app[k]["median"] / floor[k]["median"], 2)
    out = {
        "case": "desktop: cold start to the board and memory, against a bare Tauri window",
        "dataset": str(a.db), "dataset_copied": not a.in_place, "user": a.user,
        "open_on_board": results["app"][0]["open_on_board"] if results["app"] else None,
        "runs": a.runs, "settle_s": a.settle, "app_env": a.app_env,
        "method": "both started by tauri-driver/WebKitWebDriver under Xvfb, warm OS file cache, one warm-up run each; "
                  "start = /proc process start time; app cold start = (sign-in screen shown - start) + "
                  "(board shown - sign-in pressed), the typing left out; memory = PSS/RSS summed over the "
                  "process tree (WebKit processes included) after the settle time",
        "app": {"binary": str(a.app), **app},
        "floor": {"binary": str(a.floor), **floor},
        "ratio": {"cold_start": ratio("cold_start_ms"), "pss": ratio("pss_mb"), "rss": ratio("rss_mb")},
        "target": {"cold_start": 2.0, "memory": 1.5},
    }
    out["pass"] = {"cold_start": out["ratio"]["cold_start"] < 2.0, "memory": out["ratio"]["pss"] < 1.5}

    print(f"desktop, {out['open_on_board']} open complaints on the board, {a.runs} runs (median / p95):")
    print("| measure | app | minimal window | ratio (target) |")
    print("|---|---|---|---|")
    print(f"| sign-in screen shown after start | {app['ready_ms']['median']:.0f} / {app['ready_ms']['p95']:.0f} ms | | |")
    print(f"| sign-in pressed → board shown | {app['signin_to_board_ms']['median']:.0f} / {app['signin_to_board_ms']['p95']:.0f} ms | | |")
    print(f"| cold start to the board (typing excluded) | {app['cold_start_ms']['median']:.0f} / {app['cold_start_ms']['p95']:.0f} ms "
          f"| {floor['cold_start_ms']['median']:.0f} / {floor['cold_start_ms']['p95']:.0f} ms | {out['ratio']['cold_start']} (< 2) |")
    print(f"| memory, PSS of the process tree | {app['pss_mb']['median']:.0f} / {app['pss_mb']['p95']:.0f} MB "
          f"| {floor['pss_mb']['median']:.0f} / {floor['pss_mb']['p95']:.0f} MB | {out['ratio']['pss']} (< 1.5) |")
    print(f"| memory, RSS of the process tree | {app['rss_mb']['median']:.0f} / {app['rss_mb']['p95']:.0f} MB "
          f"| {floor['rss_mb']['median']:.0f} / {floor['rss_mb']['p95']:.0f} MB | {out['ratio']['rss']} |")
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
        print(f"written {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
