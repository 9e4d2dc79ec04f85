"""The app keeps one instance only: a second launch hands over to the first and exits, so two
windows never write to the same desk at once. On Linux the plugin meets the first instance on
the D-Bus session bus, so the test starts a private session bus."""
from __future__ import annotations

import os
import subprocess
import time

import pytest

from harness import App, default_binary


@pytest.fixture()
def session_bus():
    p = subprocess.run(["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"], capture_output=True, text=True, timeout=10)
    if p.returncode != 0:
        pytest.fail(f"could not start a D-Bus session bus: {p.stderr}")
    address, pid = p.stdout.split()[:2]
    yield address
    subprocess.run(["kill", pid])


def test_a_second_launch_exits_and_leaves_the_first_running(db, session_bus):
    first = App(db, env={"DBUS_SESSION_BUS_ADDRESS": session_bus})
    try:
        env = dict(os.environ, DISPLAY=f":{first.display}", CDESK_DB=str(db), DBUS_SESSION_BUS_ADDRESS=session_bus)
        started = time.time()
        second = subprocess.run([str(default_binary())], env=env, capture_output=True, timeout=60)
        assert second.returncode == 0, f"the second launch should hand over quietly: {second.stderr[-400:]!r}"
        assert time.time() - started < 30, "the second launch must not open a window of its own"
        # The first window still answers.
        assert first.d.execute_script("return window.__cdReady === true")
    finally:
        first.quit()
