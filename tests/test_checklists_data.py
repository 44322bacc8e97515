"""The legal checklists are data: they must validate, keep stable unique ids, use only what the engine implements,
and cover what each decree requires (legal.md §3, §5, §6)."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from portal_audit.audit.checklist import NOT_CHECKLISTS, available, load_checklist
from portal_audit.audit.detectors import phrase_regex
from portal_audit.text import fold

CHECKLISTS = Path(__file__).resolve().parent.parent / "checklists"
SCHEMA = json.loads((CHECKLISTS / "checklist.schema.json").read_text("utf-8"))
UNIT_TYPES = set(SCHEMA["$defs"]["unit_type"]["enum"])
OURS = {"decree-43-2011": "nd43_2011", "decree-42-2022": "nd42_2022", "decree-224-2026": "nd224_2026"}
ALL_FILES = sorted(p for p in CHECKLISTS.glob("*.yaml")
                   if p.name not in NOT_CHECKLISTS and not p.name.startswith("targets-"))
OUR_FILES = [CHECKLISTS / f"{name}.yaml" for name in OURS]
ART_10_POINTS = {"a", "b", "c", "d", "đ", "e", "g", "h", "i", "k", "l"}  # Vietnamese letters: no f, no j
# The engine matches keywords with these separators treated alike (detectors.phrase_regex).
_SEPARATORS = re.compile(r"[\s\-_,.:/]+")


def _plain(value: Any) -> Any:
    """YAML gives dates as date objects; the schema speaks ISO strings (as the engine's loader does)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _load(path: Path) -> dict[str, Any]:
    return _plain(yaml.safe_load(path.read_text("utf-8")))


def _key(keyword: str) -> str:
    """fold (NFD, no marks, đ→d, lower-case) plus the separators the engine treats alike."""
    return _SEPARATORS.sub(" ", fold(keyword)).strip()


def _slug_key(slug: str) -> str:
    return fold(slug).replace("_", "-")


def _detectors(data: dict[str, Any]):
    for item in data["items"]:
        for element in item.get("elements", []):
            for det in element["detect"]:
                yield item, element, det


def _by_regime() -> dict[str, dict[str, Any]]:
    return {_load(p)["checklist"]["regime"]: _load(p) for p in ALL_FILES}


def _ids(path: Path) -> str:
    return path.stem


def test_our_checklists_exist_and_are_offered_by_the_engine():
    for name in OURS:
        assert (CHECKLISTS / f"{name}.yaml").is_file(), name
        assert name in available()
    assert not any(name.startswith("targets-") for name in available())


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids)
def test_validates_against_schema(path: Path):
    validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(_load(path))]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids)
def test_engine_loader_accepts(path: Path):
    checklist = load_checklist(str(path))
    assert checklist.items


@pytest.mark.parametrize("path", OUR_FILES, ids=_ids)
def test_header_matches_regimes_file(path: Path):
    meta = _load(path)["checklist"]
    assert meta["id"] == path.stem
    assert meta["regime"] == OURS[path.stem]
    regimes = {r["id"]: _plain(r) for r in yaml.safe_load((CHECKLISTS / "regimes.yaml").read_text("utf-8"))["regimes"]}
    regime = regimes[meta["regime"]]
    assert (meta["doc"], meta["in_force_from"], meta["in_force_until"]) == (
        regime["doc"], regime["in_force_from"], regime["in_force_until"])


def test_every_cited_text_has_a_status_and_the_decrees_agree_with_the_regimes_file():
    """The report states a text's in-force status from legal-texts.yaml: a cited text missing there would show
    no status, and a decree whose dates differ from regimes.yaml would contradict the checklist's own dates."""
    texts = {t["doc"]: t for t in yaml.safe_load((CHECKLISTS / "legal-texts.yaml").read_text("utf-8"))["texts"]}
    cited = {part.strip() for path in ALL_FILES for item in _load(path)["items"] if item.get("ref")
             for part in str(item["ref"]["doc"]).split(";")}
    assert not cited - set(texts), cited - set(texts)
    for regime in yaml.safe_load((CHECKLISTS / "regimes.yaml").read_text("utf-8"))["regimes"]:
        text = texts[regime["doc"]]
        assert (text["in_force_from"], text["in_force_until"]) == (regime["in_force_from"], regime["in_force_until"])


def test_maps_to_names_items_that_exist_in_the_named_checklist():
    """``maps_to`` folds a baseline item into its successor on the scorecard: a typo would silently keep both."""
    by_regime: dict[str, set[str]] = {}
    for path in ALL_FILES:
        data = _load(path)
        key = data["checklist"].get("regime") or data["checklist"]["id"]
        by_regime.setdefault(key, set()).update(item["id"] for item in data["items"])
    for path in ALL_FILES:
        for item in _load(path)["items"]:
            for regime, target in (item.get("maps_to") or {}).items():
                assert target in by_regime.get(regime, set()), f"{item['id']}: maps_to {regime}: {target}"


def test_item_ids_unique_within_and_across_files():
    seen: dict[str, str] = {}
    for path in ALL_FILES:
        for item in _load(path)["items"]:
            assert item["id"] not in seen, f"{item['id']} in {path.name} and {seen.get(item['id'])}"
            seen[item["id"]] = path.name


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids)
def test_element_ids_unique_within_item(path: Path):
    for item in _load(path)["items"]:
        ids = [e["id"] for e in item.get("elements", [])]
        assert len(ids) == len(set(ids)), item["id"]


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids)
def test_text_patterns_compile_and_are_written_folded(path: Path):
    for item, element, det in _detectors(_load(path)):
        for pattern in det.get("patterns", []):
            re.compile(pattern)
            where = f"{item['id']}/{element['id']}: {pattern!r}"
            assert pattern.isascii(), f"{where} must be folded (no diacritics)"
            assert not re.search(r"(?<!\\)[A-Z]", pattern), f"{where} must be lower-case (matched on folded text)"


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids)
def test_applies_to_known_unit_types(path: Path):
    for item in _load(path)["items"]:
        assert set(item["applies_to"]) <= UNIT_TYPES, item["id"]
        for element in item.get("elements", []):
            narrowed = set(element.get("applies_to", item["applies_to"]))
            assert narrowed <= UNIT_TYPES, f"{item['id']}/{element['id']}"
            assert narrowed <= set(item["applies_to"]), f"{item['id']}/{element['id']} widens its item's applies_to"
            assert narrowed, f"{item['id']}/{element['id']}: empty applies_to"


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids)
def test_keywords_and_slugs_have_no_duplicates_after_folding(path: Path):
    for item, element, det in _detectors(_load(path)):
        for field in ("keywords", "exclude"):
            words = det.get(field, [])
            keys = [_key(w) for w in words]
            dupes = {k for k in keys if keys.count(k) > 1}
            assert not dupes, f"{item['id']}/{element['id']} {det['type']}.{field}: {sorted(dupes)}"
            for word in words:
                assert unicodedata.is_normalized("NFC", word), f"{word!r} is not NFC"
        slugs = [_slug_key(s) for s in det.get("slugs", [])]
        assert len(slugs) == len(set(slugs)), f"{item['id']}/{element['id']}: duplicate slugs"
        assert all(s.isascii() for s in det.get("slugs", [])), f"{item['id']}/{element['id']}: slugs must be ASCII"


@pytest.mark.parametrize("path", OUR_FILES, ids=_ids)
def test_no_keyword_or_slug_is_covered_by_another_of_the_same_list(path: Path):
    """A phrase matches every longer text containing it: "Tin tức - Sự kiện" next to "Tin tức" adds nothing."""
    for item, element, det in _detectors(_load(path)):
        where = f"{item['id']}/{element['id']} {det['type']}"
        words = det.get("keywords", [])
        for a in words:
            for b in words:
                if a != b:
                    assert not phrase_regex(a).search(_key(b)), f"{where}: {b!r} is already matched by {a!r}"
        slugs = [_slug_key(s) for s in det.get("slugs", [])]
        for a in slugs:
            for b in slugs:
                assert a == b or a not in b, f"{where}: slug {b!r} is already matched by {a!r}"


@pytest.mark.parametrize("path", OUR_FILES, ids=_ids)
def test_keywords_are_not_too_generic(path: Path):
    too_generic = {"thong tin", "tin", "trang chu", "gioi thieu", "lien ket", "van ban", "du an", "hoat dong", "so",
                   "thong bao", "dich vu"}
    for item, element, det in _detectors(_load(path)):
        for word in det.get("keywords", []):
            assert _key(word) not in too_generic, f"{item['id']}/{element['id']}: {word!r} would match almost anything"


@pytest.mark.parametrize("path", OUR_FILES, ids=_ids)
def test_items_are_complete(path: Path):
    for item in _load(path)["items"]:
        assert 0 < item["weight"] <= 10, item["id"]
        assert re.search(r"[^\x00-\x7f]", item["fix_vi"]) and fold(item["fix_vi"]) != item["fix_vi"].lower(), \
            f"{item['id']}: fix_vi must be Vietnamese with diacritics"
        ascii_share = sum(ch.isascii() for ch in item["fix_en"]) / len(item["fix_en"])
        assert ascii_share > 0.95, f"{item['id']}: fix_en must be English"
        if "legal_text" in item:
            assert item["legal_text"].strip(), item["id"]
        fresh = item.get("freshness")
        if fresh:
            assert "ref" in fresh, f"{item['id']}: freshness needs the legal ref of its deadline"
            ids = [e["id"] for e in item["elements"]]  # freshness only exists on content items
            assert fresh.get("element", ids[0]) in set(ids), item["id"]


def test_maps_to_points_at_items_of_the_named_regime():
    by_regime = _by_regime()
    for regime, data in by_regime.items():
        for item in data["items"]:
            for other, target in item.get("maps_to", {}).items():
                assert other != regime, f"{item['id']} maps to its own regime"
                assert other in by_regime, f"{item['id']}: unknown regime {other}"
                assert target in {i["id"] for i in by_regime[other]["items"]}, f"{item['id']} → {other}:{target}"


def _items(name: str) -> list[dict[str, Any]]:
    return _load(CHECKLISTS / f"{name}.yaml")["items"]


def test_decree_43_covers_every_point_of_article_10_clause_1():
    items = [i for i in _items("decree-43-2011") if i["ref"]["doc"] == "43/2011/NĐ-CP" and i["ref"]["article"] == 10]
    assert {i["ref"]["point"] for i in items if i["ref"]["clause"] == 1} == ART_10_POINTS
    point_a = [i for i in items if i["ref"]["point"] == "a"]
    # The first dash of point a: ministries, their general departments and departments, provincial departments.
    assert any(set(i["applies_to"]) == {"bo_nganh", "cuc_tong_cuc", "so_ban_nganh"} for i in point_a), \
        "Art. 10(1)(a) for ministries and departments"
    assert any({"ubnd_tinh", "ubnd_huyen"} <= set(i["applies_to"]) for i in point_a), "Art. 10(1)(a) for committees"
    gazette = [i for i in items if i["ref"]["point"] == "g"]
    assert [i["applies_to"] for i in gazette] == [["ubnd_tinh"]]
    assert all("dvc" not in i["applies_to"] for i in items), "dvc is judged on its services, not on Art. 10"
    detector_types = {d["type"] for i in items for e in i["elements"] for d in e["detect"]}
    assert {"documents_list", "document_search", "gazette", "consultation", "contact", "leader_bios"} <= detector_types


def test_decree_43_point_c_and_e_elements():
    by_point = {i["ref"]["point"]: i for i in _items("decree-43-2011")
                if i["ref"]["article"] == 10 and i["ref"]["point"] in ("c", "e", "i", "l")}
    assert len(by_point["c"]["elements"]) == 4  # directions, petitions, commendation/sanctions, schedule
    fields = {f for e in by_point["e"]["elements"] for d in e["detect"] if d["type"] == "documents_list"
              for f in d.get("fields", [])}
    assert {"number", "issue_date", "effective_date", "abstract", "file", "doc_type", "issuer"} <= fields
    assert any(d["type"] == "document_search" for e in by_point["e"]["elements"] for d in e["detect"])
    assert any(d["type"] == "consultation" for e in by_point["i"]["elements"] for d in e["detect"])
    contact_fields = {f for e in by_point["l"]["elements"] for d in e["detect"] if d["type"] == "contact"
                      for f in d["fields"]}
    assert {"address", "phone", "fax"} <= contact_fields


def test_decree_43_support_functions_and_services():
    items = _items("decree-43-2011")
    refs = {(i["ref"]["doc"], i["ref"]["article"], i["ref"]["clause"], i["ref"]["point"]) for i in items}
    for clause, point in ((1, "a"), (1, "b"), (1, "c"), (2, None)):
        assert ("43/2011/NĐ-CP", 15, clause, point) in refs
    services = [i for i in items if i["area"] == "services"]
    assert any(i["ref"]["article"] == 18 and "dvc" in i["applies_to"] for i in services)
    assert any(d["type"] == "service_catalogue" for i in services for e in i["elements"] for d in e["detect"])


def test_decree_43_freshness_follows_article_17():
    fresh = {i["ref"]["point"]: i["freshness"] for i in _items("decree-43-2011")
             if i["ref"]["article"] == 10 and "freshness" in i}
    assert fresh["d"]["max_days"] == 15 and fresh["d"]["working_days"]
    assert fresh["e"]["max_days"] in (2, 10) and fresh["e"]["working_days"]
    for rule in fresh.values():
        assert rule["ref"]["doc"] == "43/2011/NĐ-CP" and rule["ref"]["article"] == 17


def test_decree_42_covers_articles_4_7_and_11():
    items = _items("decree-42-2022")
    art4 = [i for i in items if i["ref"]["doc"] == "42/2022/NĐ-CP" and i["ref"]["article"] == 4]
    assert {i["ref"]["point"] for i in art4} >= {"a", "e"}  # the only letters legal.md confirms
    assert {i["ref"]["point"] for i in art4} <= {"a", "e", None}, "unverified Art. 4 letters must stay null"
    assert sum(1 for i in items if i["ref"]["doc"] == "42/2022/NĐ-CP" and i["ref"]["article"] == 7) >= 3
    services = [i for i in items if i["area"] == "services"]
    assert services and all("dvc" in i["applies_to"] for i in services)
    levels = [p for i in services for e in i["elements"] for d in e["detect"] for p in d.get("patterns", [])]
    assert any("toan trinh" in p for p in levels), "Art. 11 levels: toàn trình / một phần"
    assert all("dvc" not in i["applies_to"] for i in items if i["area"] == "content")


def test_decree_224_covers_article_9_and_law_148():
    items = _items("decree-224-2026")
    art9 = {i["ref"]["point"] for i in items if i["ref"]["doc"] == "224/2026/NĐ-CP" and i["ref"]["article"] == 9}
    assert art9 == {"a", "b", "c"}
    # Art. 9(1)(d) is carried by Law 148 Art. 34(2) and the Law on Access to Information Art. 19(1).
    assert any(i["ref"]["doc"] == "148/2025/QH15" and i["ref"]["article"] == 34 for i in items)
    tctt = {i["ref"]["point"] for i in items if i["ref"]["doc"] == "104/2016/QH13" and i["ref"]["article"] == 19}
    assert tctt == {"a", "b", "c", "d", "đ", "e", "g"}
    assert all(i["id"].startswith("nd224.") for i in items)
    assert all("ubnd_huyen" not in i["applies_to"] for i in items), "no district level since 2025-07-01"
    commune = [i for i in items if i["ref"] == {"doc": "224/2026/NĐ-CP", "article": 9, "clause": 1, "point": "c"}]
    assert commune and {"ubnd_tinh", "ubnd_xa"} == set(commune[0]["applies_to"])
    assert all("dvc" not in i["applies_to"] for i in items if i["area"] == "content")


def test_province_targets():
    data = yaml.safe_load((CHECKLISTS / "targets-province-plan.yaml").read_text("utf-8"))
    targets = {t["id"]: t for t in data["targets"]}
    assert data["plan"]["legal_status"].startswith("policy")
    full = targets["full-decree-43-information"]
    assert full["target"] == 1.0 and set(full["unit_types"]) <= UNIT_TYPES
    assert {"so_ban_nganh", "ubnd_xa"} <= set(full["unit_types"])
    assert (CHECKLISTS / f"{full['items']['checklist']}.yaml").is_file()
    assert any(i["ref"]["article"] == full["items"]["article"] for i in _items(full["items"]["checklist"]))
    levels = {t["level"]: t for t in targets.values() if t["measure"] == "services_at_level"}
    assert levels[3]["target"] == pytest.approx(0.40) and levels[4]["target"] == pytest.approx(0.035)
    assert all(t["counting"] in ("at_least", "exactly") for t in levels.values())
    assert all(t["level_basis"] in ("evidenced", "declared") for t in levels.values())


def test_every_art10_point_binds_every_state_agency_the_law_names():
    """Art. 10(1) lists what every state agency's portal publishes: each point's items, together, apply to each
    state-agency unit type (points a and đ split by type, the others apply to all), and to no other type. Point
    g (the e-gazette) binds only the Government's and the provincial committees' portals, as it says."""
    from portal_audit import unit_types

    agencies = set(unit_types.state_agencies())
    assert {"bo_nganh", "cuc_tong_cuc", "so_ban_nganh", "ubnd_tinh", "ubnd_xa"} <= agencies
    for name in ("decree-43-2011",):
        items = [i for i in _items(name) if i["ref"]["article"] == 10 and i["ref"].get("clause") == 1]
        for point in ART_10_POINTS:
            covered = set().union(*(set(i["applies_to"]) for i in items if i["ref"]["point"] == point))
            expected = {"ubnd_tinh"} if point == "g" else agencies
            assert covered == expected, f"{name} Art. 10(1)({point}) applies to {sorted(covered)}"


def test_every_unit_type_of_the_checklists_is_a_registry_unit_type():
    from portal_audit import unit_types

    schema = json.loads((CHECKLISTS / "checklist.schema.json").read_text(encoding="utf-8"))
    assert schema["$defs"]["unit_type"]["enum"] == list(unit_types.codes())
