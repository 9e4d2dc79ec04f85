"""Printing the signed receipt from the intake screen through the platform (CUPS here, with a
PDF printer standing in for paper), and checking what came out of the printer: the QR code on
the printed page carries the complaint number and the digest of what was signed (R7.11)."""
from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import SHOTS, cdesk
from test_intake import draw_signature, fill_basic, open_intake

OUT = Path.home() / "PDF"


def printer_ready() -> bool:
    r = subprocess.run(["lpstat", "-e"], capture_output=True, text=True)
    return r.returncode == 0 and "PDF" in r.stdout.split()


@pytest.mark.skipif(shutil.which("lpstat") is None, reason="CUPS client tools are installed by scripts/test")
def test_print_the_signed_receipt_from_intake(app, db, tmp_path):
    assert printer_ready(), "scripts/test sets up a CUPS PDF printer named PDF"
    before = set(OUT.glob("*.pdf")) if OUT.exists() else set()
    open_intake(app)
    fill_basic(app, phone="13500005555", name="赵丽华", description="护工照顾老人时态度不好，晚上没有按时翻身。")
    app.choose("intake-channel", "来访")
    draw_signature(app)
    app.wait_js("return /[1-9]/.test(document.querySelector('[data-test=signature-points]').textContent)")
    app.click("intake-save")
    number = app.wait_js("const n = document.querySelector('[data-test=intake-saved-number]'); return n && n.textContent.trim()", 15)
    app.click("docs-open")
    app.wait_js("const d = document.querySelector('[data-test=docs-printer]'); return d && d.offsetParent !== null", 15)
    time.sleep(0.4)
    app.shot(SHOTS / "zh-CN" / "print-receipt-dialog.png")
    app.click("docs-print")
    # CUPS writes the file empty first and fills it a moment later.
    deadline = time.time() + 60
    printed = None
    while time.time() < deadline and printed is None:
        subprocess.run(["lpstat", "-W", "completed", "-o"], capture_output=True)
        new = [p for p in (set(OUT.glob("*.pdf")) if OUT.exists() else set()) - before if p.stat().st_size > 1000]
        printed = new[0] if new else None
        time.sleep(0.5)
    assert printed, "the receipt reached the printer"
    time.sleep(2)
    png = tmp_path / "page"
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(printed), str(png)], check=True)
    page = next(tmp_path.glob("page*.png"))
    shutil.copy(page, SHOTS / "zh-CN" / "printed-receipt.png")
    qr = subprocess.run(["zbarimg", "--raw", "-q", str(page)], capture_output=True, text=True).stdout.strip()
    assert number in qr, f"the printed QR code names the complaint: {qr!r}"
    digest = json.loads(cdesk(db, "call", "get_complaint", json.dumps({"complaint": number}), user="manager"))["records"]["signatures"][0]["digest"]
    assert digest in qr, "the printed QR code carries the digest of what the customer signed"
    from conftest import cdesk_env

    check = subprocess.run([*cdesk_cmd(db), "verify-receipt", "--payload", qr], capture_output=True, text=True, env=cdesk_env("manager"))
    assert check.returncode == 0 and '"matches"' in check.stdout, check.stdout + check.stderr


def cdesk_cmd(db):
    from conftest import cdesk_bin

    return [cdesk_bin(), "--db", str(db), "--user", "manager"]
