"""Rebuild the demo's generated files: legacy-encoded pages and the small PDF/DOCX/XLSX documents.

These cannot be written by hand (windows-1258 and TCVN3 bytes, zip containers), so their UTF-8 sources live
in ``tools/src`` and this script writes the served bytes into ``hosts/``. Output is deterministic (fixed zip
timestamps), so re-running it changes nothing unless a source changed.

Usage: ``python -m portal_audit.demo.tools.build_assets``
"""

from __future__ import annotations

import re
import zipfile
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from portal_audit.demo.tools.legacy import encode_cp1258, encode_tcvn3

DEMO = Path(__file__).resolve().parents[1]
HOSTS = DEMO / "hosts"
SRC = Path(__file__).resolve().parent / "src"
ZIP_TIME = (2026, 11, 20, 8, 0, 0)

# (host, path, title lines) of every document that exists; documents that 404 are simply not listed.
DOCUMENTS: list[tuple[str, str, list[str]]] = [
    ("portal", "upload/van-ban/2026/qd-25-2026-qd-ubnd.pdf",
     ["UBND TINH TRUONG GIANG", "QUYET DINH SO 25/2026/QD-UBND ngay 10/11/2026",
      "Quy dinh phan cap quan ly nha nuoc ve an toan thuc pham"]),
    ("portal", "upload/van-ban/2026/qd-24-2026-qd-ubnd.docx",
     ["ỦY BAN NHÂN DÂN TỈNH TRƯỜNG GIANG", "Quyết định số 24/2026/QĐ-UBND ngày 28/10/2026",
      "Ban hành Quy chế quản lý, vận hành Cổng Thông tin điện tử tỉnh Trường Giang"]),
    ("portal", "upload/van-ban/2026/ct-15-ct-ubnd.pdf",
     ["UBND TINH TRUONG GIANG", "CHI THI SO 15/CT-UBND ngay 12/11/2026",
      "Tang cuong cong tac phong, chong thien tai cuoi nam 2026"]),
    ("portal", "upload/van-ban/2026/cv-4872-ubnd-kt.pdf",
     ["UBND TINH TRUONG GIANG", "CONG VAN SO 4872/UBND-KT ngay 05/11/2026",
      "Ve day nhanh tien do giai ngan von dau tu cong nam 2026"]),
    ("portal", "upload/quy-hoach/ke-hoach-su-dung-dat-2026.xlsx",
     ["Chỉ tiêu sử dụng đất năm 2026", "Đất nông nghiệp|312450", "Đất phi nông nghiệp|84210",
      "Đất chưa sử dụng|9340"]),
    ("portal", "upload/dau-thau/danh-muc-du-an-2026.xlsx",
     ["Danh mục dự án đầu tư công năm 2026", "Nâng cấp đường tỉnh 512|486", "Kè sông Trường xã Tân Hòa|312"]),
    ("portal", "upload/du-thao/du-thao-quy-dinh-quan-ly-cum-cong-nghiep.docx",
     ["DỰ THẢO", "Quy định quản lý cụm công nghiệp trên địa bàn tỉnh Trường Giang",
      "Chương I. Những quy định chung"]),
    ("portal", "upload/so-noi-vu/ket-qua-par-index-2025.pdf",
     ["SO NOI VU TINH TRUONG GIANG", "KET QUA CHI SO CAI CACH HANH CHINH NAM 2025"]),
    ("portal", "upload/so-noi-vu/kh-3120-snv-tuyen-dung-2026.pdf",
     ["SO NOI VU TINH TRUONG GIANG", "KE HOACH SO 3120/KH-SNV", "Tuyen dung cong chuc nam 2026"]),
    ("soyte", "uploads/news/2026_11/ke-hoach-tiem-chung-2026.pdf",
     ["SO Y TE TINH TRUONG GIANG", "KE HOACH SO 412/KH-SYT", "Tiem chung mo rong nam 2026"]),
    ("sotaichinh", "Documents/CongKhai/du-toan-ngan-sach-2026.xlsx",
     ["Công khai dự toán ngân sách địa phương năm 2026", "Tổng thu NSNN trên địa bàn|13000",
      "Tổng chi ngân sách địa phương|21450"]),
    ("sotaichinh", "Documents/VanBan/qd-1820-qd-stc.pdf",
     ["SO TAI CHINH TINH TRUONG GIANG", "QUYET DINH SO 1820/QD-STC", "Quy che chi tieu noi bo nam 2026"]),
    ("xa", "sites/default/files/van-ban/ke-hoach-phat-trien-kt-xh-2024.pdf",
     ["UBND XA DONG SON", "KE HOACH PHAT TRIEN KINH TE - XA HOI NAM 2024"]),
    ("dvc", "Portals/0/BieuMau/mau-don-de-nghi-cap-giay-phep-hoat-dong-kcb.docx",
     ["Mẫu 01", "Đơn đề nghị cấp giấy phép hoạt động khám bệnh, chữa bệnh"]),
    ("dvc", "Portals/0/BieuMau/mau-don-de-nghi-cap-giay-phep-hanh-nghe.docx",
     ["Mẫu 02", "Đơn đề nghị cấp mới giấy phép hành nghề khám bệnh, chữa bệnh"]),
    ("dvc", "Portals/0/BieuMau/mau-giay-de-nghi-dang-ky-doanh-nghiep.docx",
     ["Phụ lục I-1", "Giấy đề nghị đăng ký doanh nghiệp"]),
    ("dvc", "Portals/0/BieuMau/mau-to-khai-ho-tich.docx",
     ["Mẫu tờ khai", "Tờ khai đăng ký hộ tịch"]),
    ("dvc", "Portals/0/BieuMau/mau-van-ban-de-nghi-chung.pdf",
     ["MAU VAN BAN DE NGHI", "Dung chung cho cac thu tuc hanh chinh cap tinh"]),
]

# (source in tools/src, host, served file, encoder)
LEGACY_PAGES = [
    ("soyte-sot-xuat-huyet.html", "soyte",
     "vi/news/thong-tin-tuyen-truyen/huong-dan-phong-chong-sot-xuat-huyet-87.html", "cp1258"),
    ("sotaichinh-thong-bao-cu.html", "sotaichinh", "Pages/ThongBao2009.aspx.html", "tcvn3"),
]
_VNTIMEH = re.compile(r'(<font face="\.VnTimeH"[^>]*>)(.*?)(</font>)', re.S)


def pdf(lines: list[str]) -> bytes:
    """A minimal valid PDF 1.4 with one page of ASCII text (offsets computed, so readers accept it)."""
    text = " T* ".join(f"({line.replace('(', '[').replace(')', ']')}) Tj" for line in lines)
    stream = f"BT /F1 14 Tf 16 TL 72 760 Td {text} ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _zip(files: dict[str, str]) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(zipfile.ZipInfo(name, ZIP_TIME), content.encode("utf-8"), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def docx(lines: list[str]) -> bytes:
    paragraphs = "".join(f"<w:p><w:r><w:t>{escape(line)}</w:t></w:r></w:p>" for line in lines)
    ns = "http://schemas.openxmlformats.org"
    return _zip({
        "[Content_Types].xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{ns}/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
            f'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            f"</Types>"),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" '
            f'Target="word/document.xml"/></Relationships>'),
        "word/document.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{ns}/wordprocessingml/2006/main">'
            f"<w:body>{paragraphs}</w:body></w:document>"),
    })


def xlsx(lines: list[str]) -> bytes:
    rows = []
    for r, line in enumerate(lines, start=1):
        cells = []
        for c, value in enumerate(line.split("|")):
            ref = f"{'AB'[c]}{r}"
            if value.isdigit():
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
        rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    ns = "http://schemas.openxmlformats.org"
    return _zip({
        "[Content_Types].xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{ns}/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" '
            f'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" '
            f'Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}/spreadsheetml/2006/main" '
            f'xmlns:r="{ns}/officeDocument/2006/relationships"><sheets>'
            f'<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" '
            f'Target="worksheets/sheet1.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{ns}/spreadsheetml/2006/main">'
            f'<sheetData>{"".join(rows)}</sheetData></worksheet>'),
    })


def legacy_bytes(source: str, encoder: str) -> bytes:
    if encoder == "cp1258":
        return encode_cp1258(source)
    # .VnTimeH is the capitals font of TCVN3: text in it is typed in lower case and shown in upper case.
    source = _VNTIMEH.sub(lambda m: m.group(1) + m.group(2).lower() + m.group(3), source)
    return encode_tcvn3(source)


def build() -> list[Path]:
    written = []
    builders = {".pdf": pdf, ".docx": docx, ".xlsx": xlsx}
    for host, rel, lines in DOCUMENTS:
        target = HOSTS / host / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(builders[target.suffix](lines))
        written.append(target)
    for source, host, rel, encoder in LEGACY_PAGES:
        target = HOSTS / host / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(legacy_bytes((SRC / source).read_text("utf-8"), encoder))
        written.append(target)
    return written


if __name__ == "__main__":
    for path in build():
        print(path.relative_to(DEMO), path.stat().st_size)
