#!/usr/bin/env python3
"""Writes the crafted seed files of the fuzz corpus (tests/fuzz/corpus/) that are not plain
text: small valid workbooks and the hostile ones of issue 25 (a huge uniqueCount, cells far
apart, deflate bombs, too many entries). tests/import_bounds.rs imports the hostile ones in a
memory-capped child process. Deterministic: running it again gives the same bytes.

With `--restore CDESK` (the path of a built `cdesk`), it also writes the databases of the
`restore` corpus: a real backup made by `cdesk backup` with the current schema (a desk with
three demo complaints), repacked to 512-byte pages so that the fuzzer's inputs stay small, and
the crafted hostile backups of tests/backup_hostile.rs made from it (an extra statement after a
table's definition, a view and a trigger of their own, a left-out or toothless protective
trigger, an ATTACH after a trigger's definition), plus TEXT that is not UTF-8 (the crash the
`restore` target found) and a value its table's CHECK refuses (its later find). The others' integrity check is `ok`: only the schema or a value is hostile.
The backup's manifest becomes `backup_manifest/valid-current.json`. These files differ from run
to run (a new desk's ids and password salts are random)."""
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tempfile
import sys
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
XLSX = os.path.join(HERE, "corpus", "import_xlsx")

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '</Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    '</Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    '</Relationships>'
)
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def sheet(cells):
    """cells: [(ref, xml of the <c> content and attributes)] grouped into rows by row number."""
    rows = {}
    for ref, attrs, inner in cells:
        r = int("".join(ch for ch in ref if ch.isdigit()))
        rows.setdefault(r, []).append(f'<c r="{ref}"{attrs}>{inner}</c>')
    body = "".join(f'<row r="{r}">{"".join(cs)}</row>' for r, cs in sorted(rows.items()))
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {NS}><sheetData>{body}</sheetData></worksheet>'


def shared(strings, unique_count=None):
    n = len(strings) if unique_count is None else unique_count
    si = "".join(f"<si><t>{s}</t></si>" for s in strings)
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst {NS} count="{len(strings)}" uniqueCount="{n}">{si}</sst>'


def fixed(name):
    # A fixed date: the same bytes on every run.
    return zipfile.ZipInfo(name, date_time=(2026, 3, 10, 10, 0, 0))


def workbook(path, sheet_xml, strings_xml, extra=(), level=6):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/sharedStrings.xml", strings_xml),
            ("xl/worksheets/sheet1.xml", sheet_xml),
            *extra,
        ]:
            info = fixed(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data, compresslevel=level)


def bomb(path, size=1 << 30, lie_to=None):
    """sheet1.xml is `size` zero bytes, deflated (about 1 MB for 1 GB). With lie_to, the archive
    declares that size for it instead of the real one."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(1 << 20)
    packed = bytearray()
    crc = 0
    for _ in range(size // len(chunk)):
        packed += co.compress(chunk)
        crc = zlib.crc32(chunk, crc)
    packed += co.flush()
    small = [("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS), ("xl/workbook.xml", WORKBOOK),
             ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS), ("xl/sharedStrings.xml", shared(["name", "phone"]))]
    out = bytearray()
    central = bytearray()
    entries = [(n, zlib.compress(d.encode(), 9)[2:-4], zlib.crc32(d.encode()), len(d.encode())) for n, d in small]
    entries.append(("xl/worksheets/sheet1.xml", bytes(packed), crc, size if lie_to is None else lie_to))
    for name, data, crc, usize in entries:
        nb = name.encode()
        off = len(out)
        # local file header: deflate (8), DOS time/date of 2026-03-10 10:00
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0x5000, 0x5C6A, crc, len(data), usize, len(nb), 0) + nb + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0x5000, 0x5C6A, crc, len(data), usize,
                               len(nb), 0, 0, 0, 0, 0, off) + nb
    cd_off = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), cd_off, 0)
    with open(path, "wb") as f:
        f.write(out)


def main():
    os.makedirs(XLSX, exist_ok=True)
    p = lambda n: os.path.join(XLSX, n)
    header = [("A1", ' t="s"', "<v>0</v>"), ("B1", ' t="s"', "<v>1</v>"), ("C1", ' t="s"', "<v>2</v>")]
    workbook(p("valid-customers.xlsx"), sheet(header + [
        ("A2", ' t="s"', "<v>3</v>"), ("B2", "", "<v>13812345678</v>"), ("C2", ' t="s"', "<v>4</v>"),
        ("A3", ' t="inlineStr"', "<is><t>李四</t></is>"), ("B3", ' t="str"', "<v>021-62345678</v>"),
    ]), shared(["name", "phone", "tier", "王芳", "VIP"]))
    workbook(p("valid-workers.xlsx"), sheet([
        ("A1", ' t="inlineStr"', "<is><t>工号</t></is>"), ("B1", ' t="inlineStr"', "<is><t>姓名</t></is>"),
        ("A2", ' t="inlineStr"', "<is><t>W001</t></is>"), ("B2", ' t="inlineStr"', "<is><t>张师傅</t></is>"),
    ]), shared([]))
    # Issue 25, item 5: about 1 KB each.
    workbook(p("unique-count-4e9.xlsx"), sheet(header), shared(["name", "phone", "tier"], unique_count=4_000_000_000), level=9)
    workbook(p("cells-far-apart.xlsx"), sheet([("A1", ' t="s"', "<v>0</v>"), ("XFD1048576", ' t="s"', "<v>1</v>")]),
             shared(["name", "phone"]), level=9)
    # Far apart, but within the 64 columns the import reads: read as a header and one row.
    workbook(p("cells-far-apart-in-bounds.xlsx"), sheet(header + [("A1048576", ' t="s"', "<v>3</v>"), ("BL1048576", ' t="s"', "<v>4</v>")]),
             shared(["name", "phone", "tier", "王芳", "x"]), level=9)
    workbook(p("many-entries.xlsx"), sheet(header), shared(["name", "phone", "tier"]),
             extra=[(f"xl/media/pad{i}.xml", "<x/>") for i in range(1100)], level=9)
    if "--no-bombs" not in sys.argv:
        bomb(p("bomb-1gb-zeros.xlsx"))
        bomb(p("bomb-1gb-zeros-declared-1kb.xlsx"), lie_to=1000)


RESTORE = os.path.join(HERE, "corpus", "restore")
NOW = "2026-03-10T02:00:00Z"


def restore_seeds(cdesk):
    os.makedirs(RESTORE, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "hq", "complaint-desk.sqlite3")
        os.makedirs(os.path.dirname(db))
        run = lambda *a: subprocess.run([cdesk, "--db", db, "--now", NOW, *a], check=True, capture_output=True, text=True).stdout
        run("init")
        run("demo", "--complaints", "3", "--seed", "7")
        path = json.loads(run("backup", "-o", os.path.join(tmp, "usb")))["path"]
        shutil.copy(os.path.join(path, "manifest.json"), os.path.join(HERE, "corpus", "backup_manifest", "valid-current.json"))
        good = os.path.join(tmp, "good.sqlite3")
        shutil.copy(os.path.join(path, "complaint-desk.sqlite3"), good)
        c = sqlite3.connect(good, isolation_level=None)
        # The one random value of a new desk, fixed so that the file is the same on every run.
        c.execute("UPDATE settings SET value = '\"00000000-0000-4000-8000-00000000f022\"' WHERE key = 'installation_id'")
        c.execute("PRAGMA journal_mode = DELETE")
        c.execute("PRAGMA page_size = 512")
        c.execute("VACUUM")
        c.close()

        def crafted(name, sql=(), smuggle=None):
            out = os.path.join(RESTORE, name + ".sqlite3")
            shutil.copy(good, out)
            c = sqlite3.connect(out, isolation_level=None)
            for q in sql:
                c.executescript(q)
            if smuggle:
                # What a hostile program can do: the schema is just a table.
                c.execute("PRAGMA writable_schema = ON")
                n = c.execute("UPDATE sqlite_master SET sql = sql || ? WHERE name = ?", (smuggle[1], smuggle[0])).rowcount
                assert n == 1, smuggle
                c.execute("PRAGMA writable_schema = OFF")
            c.close()
            c = sqlite3.connect(out)
            assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok", name
            c.close()

        crafted("valid-backup")
        crafted("extra-statement", smuggle=("drafts", "; INSERT INTO users (id, login, name, role, created_at) VALUES "
                                                      "('x', 'intruder', 'I', 'admin', '2026-01-01T00:00:00Z')"))
        crafted("extra-view", ["CREATE VIEW all_phones AS SELECT phone FROM customers;"])
        crafted("audit-dropper", ["CREATE TRIGGER zz_quiet BEFORE INSERT ON events WHEN NEW.kind IN "
                                  "('personal_data_viewed', 'personal_data_search') BEGIN SELECT RAISE(IGNORE); END;"])
        crafted("no-append-only", ["DROP TRIGGER events_no_delete;"])
        crafted("toothless", ["DROP TRIGGER complaints_no_delete; CREATE TRIGGER complaints_no_delete BEFORE DELETE ON "
                              "complaints WHEN 0 BEGIN SELECT RAISE(ABORT, 'complaint records are kept; anonymise instead'); END;"])
        crafted("attach", smuggle=("events_no_update", "; ATTACH DATABASE '/tmp/attached-by-backup.sqlite3' AS y"))
        crafted("invalid-utf8-text", ["UPDATE workers SET name = CAST(x'e5bca0fffe61' AS TEXT) WHERE rowid = (SELECT MIN(rowid) FROM workers);"])
        # What the restore target's long run found: a value that its table's CHECK refuses
        # (`holiday` → `ho<TAB>iday`). A plain connection's integrity check reports it, so it is
        # written apart from `crafted`, which insists on a clean one.
        out = os.path.join(RESTORE, "check-violation.sqlite3")
        shutil.copy(good, out)
        c = sqlite3.connect(out, isolation_level=None)
        c.execute("PRAGMA ignore_check_constraints = ON")
        n = c.execute("UPDATE calendar_days SET kind = 'ho' || char(9) || 'iday' WHERE (calendar, date) = "
                      "(SELECT calendar, date FROM calendar_days WHERE kind = 'holiday' ORDER BY calendar, date LIMIT 1)").rowcount
        assert n == 1, "the demo calendar has a holiday"
        c.close()


if __name__ == "__main__":
    if "--restore" in sys.argv:
        restore_seeds(sys.argv[sys.argv.index("--restore") + 1])
        sys.exit(0)
    main()
