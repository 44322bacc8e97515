"""Circular 32/2017 Art. 16 header: the agency's full name, as Vietnamese sites print it."""

from __future__ import annotations

import pytest

from portal_audit.audit.technical import agency_name


@pytest.mark.parametrize(("site_name", "agency"), [
    ("Trang thông tin điện tử Sở Y tế tỉnh Trường Giang", "so y te tinh truong giang"),
    ("Cổng Thông tin điện tử tỉnh Thanh Hóa", "ubnd tinh thanh hoa"),
    ("Cổng Dịch vụ công tỉnh Thanh Hóa", "ubnd tinh thanh hoa"),
    ("Ủy ban nhân dân phường Hạc Thành", "ubnd phuong hac thanh"),
    ("Trang thông tin điện tử UBND xã Đông Sơn", "ubnd xa dong son"),
    ("Cổng thông tin điện tử huyện Lạc Xuyên (cũ)", "ubnd huyen lac xuyen"),
])
def test_the_agency_is_the_site_name_without_the_kind_of_site(site_name: str, agency: str) -> None:
    assert agency_name(site_name) == agency
