"""A system shutdown or logout ends the app with SIGTERM (SIGKILL only after a grace period): it
closes as when its window is closed, so what was recorded since the newest backup is backed up
at exit (issue 7) instead of the process just dying. Started like the desktop menu does (its own
display and home folder, no WebDriver), as the installed-package tests do."""
from __future__ import annotations

import signal
import time

from conftest import cdesk
from harness import default_binary
from test_installed_deb import PlainStart, backups_in


def test_sigterm_closes_the_app_with_the_backup_at_exit(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    run = PlainStart(str(default_binary().resolve()), home)
    try:
        db = run.wait_for(home / ".local/share/complaintdesk/complaint-desk.sqlite3")
        log = run.wait_for(home / ".local/share/com.complaintdesk.app/logs/complaint-desk.log")
        end = time.time() + 60
        while f"INFO database {db}" not in log.read_text() and time.time() < end:
            time.sleep(0.2)
        backups = db.parent / "backups"
        assert backups_in(backups) == [], "no backup before the first timer check (a minute)"
        # Something is recorded while the app runs (here by the command line, same database).
        cdesk(db, "demo", "--complaints", "3")
        run.app.send_signal(signal.SIGTERM)
        assert run.app.wait(120) == 0, run.stderr()
        text = log.read_text()
        assert "INFO SIGTERM: closing" in text, text
        assert "INFO backup at exit cdesk-backup-" in text and text.rstrip().endswith("INFO stopped"), text
        assert len(backups_in(backups)) == 1, (backups_in(backups), text)
    finally:
        run.stop()
