"""Unit types (#12 class 1): the law's agencies each get their own requirements, and a site whose type the
registry does not name is never silently let off."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from test_contacts import LIFERAY_LEADERS, corpus, liferay

from portal_audit import unit_types
from portal_audit.audit.checklist import load_checklist
from portal_audit.audit.engine import judge_item
from portal_audit.reasons import split_reason
from portal_audit.registry import load_registry
from portal_audit.registry_csv import _unit_type
from portal_audit.report.reasons import translated_reason

HOME = liferay("Bộ Tài chính", "<h1>Tin tức</h1><p>Hoạt động của Bộ trong tuần.</p>")


def _shown(reason: Any) -> str:
    """The reason as the Vietnamese report shows it."""
    template, params = split_reason(reason)
    return str(translated_reason({"reason_template": template, "reason_params": params}, "vi"))


def _judge(unit_type: str, item_id: str, checklist: str = "decree-43-2011") -> Any:
    cl = load_checklist(checklist)
    item = next(i for i in cl.items if i["id"] == item_id)
    site = {"id": "s", "url": "https://snv.thanhhoa.gov.vn/", "unit_type": unit_type, "status": "ok"}
    pages = corpus({"/": HOME, "/web/snv/lanh-dao-so": LIFERAY_LEADERS})
    return judge_item(pages, site, item, cl, [], [], date(2026, 12, 1))


def test_a_ministry_is_judged_on_the_introduction_the_law_asks_of_it() -> None:
    assert _judge("bo_nganh", "nd43.10.1.a.gioi-thieu-so").outcome in ("passed", "partial", "failed")
    assert _judge("bo_nganh", "nd43.10.1.a.gioi-thieu-dia-phuong").outcome == "not_applicable"
    assert _judge("cuc_tong_cuc", "nd43.10.1.a.gioi-thieu-so").outcome != "not_applicable"
    assert _judge("bo_nganh", "nd224.9.1.b.gioi-thieu-so", "decree-224-2026").outcome != "not_applicable"


@pytest.mark.parametrize("item_id", ["nd43.10.1.a.gioi-thieu-so", "nd43.10.1.c.chi-dao-dieu-hanh",
                                     "nd43.10.1.g.cong-bao"])
def test_other_is_not_checked_and_says_why(item_id: str) -> None:
    finding = _judge("other", item_id)
    assert finding.outcome == "not_checked"
    assert "no unit type the law names" in str(finding.reason)
    shown = _shown(finding.reason)
    assert "loại đơn vị" in shown and "Khác" in shown and "other" not in shown


def test_other_is_still_judged_on_what_binds_every_website() -> None:
    assert _judge("other", "nd43.7.1.unicode").outcome in ("passed", "failed", "partial")


def test_a_public_service_unit_is_told_the_content_list_does_not_bind_it_in_its_own_words() -> None:
    finding = _judge("don_vi_su_nghiep", "nd43.10.1.c.chi-dao-dieu-hanh")
    assert finding.outcome == "not_applicable"
    shown = _shown(finding.reason)
    assert "Đơn vị sự nghiệp công lập" in shown and "don_vi" not in shown


@pytest.mark.parametrize(("cell", "code"), [
    ("Bộ Tài chính", "bo_nganh"), ("Cơ quan ngang Bộ", "bo_nganh"), ("Văn phòng Chính phủ", "bo_nganh"),
    ("Cục Thuế", "cuc_tong_cuc"), ("Tổng cục Thống kê", "cuc_tong_cuc"), ("Sở Y tế", "so_ban_nganh"),
    ("Ban Quản lý khu kinh tế", "so_ban_nganh"), ("Bệnh viện Đa khoa tỉnh", "don_vi_su_nghiep"),
    ("Ủy ban nhân dân xã Đông Sơn", "ubnd_xa"), ("UBND tỉnh", "ubnd_tinh"), ("Phường Hạc Thành", "ubnd_xa"),
    ("so_ban_nganh", "so_ban_nganh"), ("khác", "other"),
])
def test_a_spreadsheet_names_unit_types_in_words(cell: str, code: str) -> None:
    assert _unit_type(cell) == code


def test_every_unit_type_has_a_report_label_in_both_catalogues() -> None:
    from portal_audit.report.i18n import translations

    for code in unit_types.codes():
        label = unit_types.label(code)
        assert translations("vi").gettext(label) != label, f"{code}: {label!r} has no Vietnamese label"


def test_the_registry_warns_of_a_site_whose_unit_type_says_nothing(tmp_path: Path) -> None:
    path = tmp_path / "sites.yaml"
    path.write_text("province: X\nsites:\n  - id: a\n    name: A\n    unit_type: other\n"
                    "    url: https://a.gov.vn/\n  - id: b\n    name: B\n    unit_type: bo_nganh\n"
                    "    url: https://b.gov.vn/\n", encoding="utf-8")
    registry = load_registry(path)
    assert [w for w in registry.warnings if "unit_type" in w] == [
        f"{path}:5: sites[0].unit_type: 'other' says which law applies to nothing: the content requirements are "
        "reported as not checked; set the site's unit type"]
