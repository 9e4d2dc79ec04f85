#!/usr/bin/env python3
"""Writes the crafted seed files of the fuzz corpus (tests/fuzz/corpus/) that are not plain
text: small valid workbooks and the hostile ones of issue 25 (a huge uniqueCount, cells far
apart, deflate bombs, too many entries). tests/import_bounds.rs imports the hostile ones in a
memory-capped child process. Deterministic: running it again gives the same bytes."""
import os
import struct
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


if __name__ == "__main__":
    main()
