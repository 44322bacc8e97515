"""The site registry: which sites a province audits and how politely to crawl each.

IT departments edit this file by hand (or generate it from a spreadsheet), so every problem must come back as
one precise line: ``file:line: field: what is wrong``. YAML is composed into nodes first so that each value
keeps its source line; pydantic then validates the plain data and its error locations are mapped back to lines.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from portal_audit import unit_types

UNIT_TYPES = unit_types.codes()
RenderMode = Literal["sample", "all", "none"]
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class RegistryError(Exception):
    """All problems found in one registry, one line each, so a user fixes them in one pass."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"bad URL {value!r}: scheme must be http or https")
    if not parts.hostname:
        raise ValueError(f"bad URL {value!r}: no host name")
    try:
        parts.port  # noqa: B018 - raises on a non-numeric port
    except ValueError as exc:
        raise ValueError(f"bad URL {value!r}: {exc}") from None
    if any(ch.isspace() for ch in value):
        raise ValueError(f"bad URL {value!r}: contains white space")
    return value


def parse_networks(value: Any) -> bool | list[IPNetwork]:
    if isinstance(value, bool):
        return value
    if not isinstance(value, list):
        raise ValueError("must be true, false or a list of CIDR networks such as 127.0.0.1/32")
    nets: list[IPNetwork] = []
    for item in value:
        try:
            nets.append(ipaddress.ip_network(str(item), strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not a CIDR network such as 127.0.0.1/32") from None
    return nets


class CrawlOverrides(BaseModel):
    """Crawl settings a site may override; ``None`` means "inherit from defaults".

    Strict types: ``concurrency: true`` or ``delay: "2"`` is a mistake to report, not a value to coerce."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, strict=True)

    max_pages: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    max_depth: Annotated[int, Field(ge=0, le=100)] | None = None
    delay: Annotated[float, Field(ge=0, le=60)] | None = None
    autothrottle: bool | None = None
    concurrency: Annotated[int, Field(ge=1, le=64)] | None = None
    timeout: Annotated[float, Field(gt=0, le=600)] | None = None
    retries: Annotated[int, Field(ge=0, le=10)] | None = None
    max_page_bytes: Annotated[int, Field(ge=10_000)] | None = None
    render: RenderMode | None = None
    render_budget: Annotated[int, Field(ge=1, le=100_000)] | None = None
    render_per_template: Annotated[int, Field(ge=1, le=100)] | None = None
    axe_best_practice: bool | None = None
    tls_ca_file: str | None = None
    allow_private_networks: Any = None
    check_external_links: bool | None = None
    max_external_checks: Annotated[int, Field(ge=0)] | None = None
    max_documents: Annotated[int, Field(ge=0)] | None = None
    checklists: list[str] | None = None

    @field_validator("allow_private_networks")
    @classmethod
    def _networks(cls, value: Any) -> Any:
        return None if value is None else parse_networks(value)


class Defaults(CrawlOverrides):
    """Province-wide settings: crawl defaults plus who the crawler says it is."""

    user_agent: str | None = None
    contact_url: str | None = None
    concurrent_sites: Annotated[int, Field(ge=1, le=64)] | None = None

    @field_validator("contact_url")
    @classmethod
    def _contact(cls, value: str | None) -> str | None:
        return None if value is None else _check_http_url(value)


class Webmaster(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    email: str | None = None
    phone: str | None = None


class SiteEntry(CrawlOverrides):
    id: str
    name: Annotated[str, Field(min_length=1)]
    unit_type: str
    url: str
    start_urls: list[str] = []
    aliases: list[str] = []
    scope: list[str] = []
    webmaster: Webmaster | None = None

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(f"{value!r} is not a slug (lower-case a-z, 0-9 and '-', at most 63 characters)")
        return value

    @field_validator("unit_type")
    @classmethod
    def _unit_type(cls, value: str) -> str:
        if value not in UNIT_TYPES:
            raise ValueError(f"unknown unit_type {value!r} (expected one of: {', '.join(UNIT_TYPES)})")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_http_url(value)

    @field_validator("start_urls")
    @classmethod
    def _start_urls(cls, value: list[str]) -> list[str]:
        return [_check_http_url(v) for v in value]

    @field_validator("scope")
    @classmethod
    def _scope(cls, value: list[str]) -> list[str]:
        for prefix in value:
            if not prefix.startswith("/"):
                raise ValueError(f"scope prefix {prefix!r} must be a path starting with '/'")
        return value

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, value: list[str]) -> list[str]:
        for alias in value:
            if "/" in alias or not alias or any(ch.isspace() for ch in alias):
                raise ValueError(f"alias {alias!r} must be a bare host name such as www.example.gov.vn")
        return [a.lower() for a in value]


class RegistryModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    province: Annotated[str, Field(min_length=1)]
    defaults: Defaults = Defaults()
    sites: Annotated[list[SiteEntry], Field(min_length=1)]


# Built-in defaults: polite for a real government server (one request every half second, four at a time).
BUILTIN_DEFAULTS: dict[str, Any] = {
    "max_pages": 500,
    "max_depth": 8,
    "delay": 0.5,
    "autothrottle": True,
    "concurrency": 4,
    "timeout": 20.0,
    "retries": 2,
    "max_page_bytes": 5_000_000,
    "render": "sample",
    "render_budget": 40,
    "render_per_template": 2,
    "axe_best_practice": False,
    "tls_ca_file": None,
    "allow_private_networks": False,
    "check_external_links": True,
    "max_external_checks": 300,
    "max_documents": 300,
    "checklists": None,
}
DEFAULT_USER_AGENT = "portal-audit/{version} (+{contact})"
DEFAULT_CONTACT = "https://github.com/portal-audit/portal-audit"


@dataclass(frozen=True)
class SiteConfig:
    """One site with every setting resolved (site override > registry defaults > built-in)."""

    id: str
    name: str
    unit_type: str
    url: str
    start_urls: tuple[str, ...]
    hosts: frozenset[str]
    scope: tuple[str, ...]
    webmaster: dict[str, str | None] | None
    max_pages: int
    max_depth: int
    delay: float
    autothrottle: bool
    concurrency: int
    timeout: float
    retries: int
    max_page_bytes: int
    render: str
    render_budget: int
    render_per_template: int
    axe_best_practice: bool
    tls_ca_file: str | None
    allow_private_networks: bool | tuple[IPNetwork, ...]
    check_external_links: bool
    max_external_checks: int
    max_documents: int
    checklists: tuple[str, ...] | None

    def as_record(self) -> dict[str, Any]:
        """JSON-friendly form, stored with each run so a run remembers how it was crawled."""
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            if isinstance(value, frozenset):
                value = sorted(value)
            elif isinstance(value, tuple):
                value = [str(v) for v in value]
            out[key] = value
        return out


@dataclass
class Registry:
    path: Path | None
    province: str
    user_agent: str
    concurrent_sites: int
    sites: list[SiteConfig]
    warnings: list[str] = field(default_factory=list)

    def select(self, ids: list[str] | tuple[str, ...]) -> Registry:
        known = {s.id for s in self.sites}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise RegistryError([f"{self.path}: --site {u}: no such site id in the registry" for u in unknown])
        chosen = [s for s in self.sites if s.id in set(ids)] if ids else self.sites
        return Registry(self.path, self.province, self.user_agent, self.concurrent_sites, chosen, self.warnings)


# --- YAML with line numbers -------------------------------------------------------------------------------

LineOf = Callable[[tuple[Any, ...]], int | None]
# libyaml's parser when PyYAML was built with it (marks and errors are the same), else the pure-Python one.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# YAML aliases let a few hundred bytes stand for gigabytes ("billion laughs": each alias doubles what it names).
# A registry needs few if any; past these bounds the file is refused before anything is expanded further.
MAX_ALIASES = 50
MAX_NODES = 500_000


@dataclass
class _Expansion:
    """What constructing one document has cost so far: collection nodes already met, aliases, all nodes."""

    source: str
    seen: set[int] = field(default_factory=set)
    aliases: int = 0
    nodes: int = 0

    def count(self, node: yaml.Node, line: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise RegistryError([f"{self.source}:{line}: the file has more than {MAX_NODES:,} values; "
                                 "a registry that large is refused"])
        if isinstance(node, yaml.CollectionNode):
            if id(node) in self.seen:
                self.aliases += 1
                if self.aliases > MAX_ALIASES:
                    raise RegistryError([f"{self.source}:{line}: more than {MAX_ALIASES} YAML aliases (*name); "
                                         "write the values out instead"])
            self.seen.add(id(node))


def _construct(node: yaml.Node, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int],
               problems: list[str], expansion: _Expansion, scalars: yaml.SafeLoader, line: int = 1) -> Any:
    """Plain data from the node graph, remembering each value's line; ``line`` is where the value is used
    (its key's line), which for an alias is not where the anchored value was written."""
    expansion.count(node, line)
    lines[path] = node.start_mark.line + 1
    source = expansion.source
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            key_line = key_node.start_mark.line + 1
            if key in out:
                problems.append(f"{source}:{key_line}: {_dotted((*path, key))}: duplicate key")
            out[key] = _construct(value_node, (*path, key), lines, problems, expansion, scalars, key_line)
        return out
    if isinstance(node, yaml.SequenceNode):
        here = node.start_mark.line + 1   # an alias item's own mark is its anchor's: report the list's line
        return [_construct(item, (*path, i), lines, problems, expansion, scalars,
                           here if id(item) in expansion.seen else item.start_mark.line + 1)
                for i, item in enumerate(node.value)]
    return scalars.construct_object(node)  # scalars keep YAML's own typing rules (dates, bools, numbers)


def _dotted(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _line_lookup(lines: dict[tuple[Any, ...], int]) -> LineOf:
    def line_of(path: tuple[Any, ...]) -> int | None:
        while path:
            if path in lines:
                return lines[path]
            path = path[:-1]
        return lines.get((), 1)

    return line_of


def load_yaml_with_lines(text: str, source: str) -> tuple[Any, LineOf]:
    problems: list[str] = []
    try:
        node = yaml.compose(text, Loader=_FAST_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise RegistryError([f"{source}:{line}: YAML syntax error: {exc.problem or exc}"]) from None
    if node is None:
        raise RegistryError([f"{source}:1: the file is empty"])
    lines: dict[tuple[Any, ...], int] = {}
    data = _construct(node, (), lines, problems, _Expansion(source), yaml.SafeLoader(""))
    if problems:
        raise RegistryError(problems)
    return data, _line_lookup(lines)


# --- validation -------------------------------------------------------------------------------------------

def _friendly(err: dict[str, Any]) -> str:
    kind = err["type"]
    loc = err["loc"]
    if kind == "extra_forbidden":
        return f"unknown field {loc[-1]!r}"
    if kind == "missing":
        return "required field is missing"
    if kind == "literal_error" and loc and loc[-1] == "render":
        return f"unknown render mode {err.get('input')!r} (expected sample, all or none)"
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def validate(data: Any, source: str, line_of: LineOf) -> Registry:
    """Validate plain registry data; every problem is reported, not just the first."""
    if not isinstance(data, dict):
        raise RegistryError([f"{source}:1: the registry must be a mapping with keys province, defaults, sites"])
    problems = _duplicate_ids(data, source, line_of)
    try:
        model = RegistryModel.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not isinstance(p, str) or not p.startswith("function-"))
            problems.append(f"{source}:{line_of(loc)}: {_dotted(loc)}: {_friendly(err)}")
        raise RegistryError(sorted(problems, key=_line_number)) from None

    for i, site in enumerate(model.sites):
        hosts = _site_hosts(site)
        for j, extra in enumerate(site.start_urls):
            if (urlsplit(extra).hostname or "").lower() not in hosts:
                problems.append(f"{source}:{line_of(('sites', i, 'start_urls', j))}: sites[{i}].start_urls[{j}]: "
                                f"{extra!r} is not on the site's host or aliases")
    if problems:
        raise RegistryError(problems)
    return _resolve(model, source, line_of)


def _duplicate_ids(data: dict[str, Any], source: str, line_of: LineOf) -> list[str]:
    """Checked on the raw data so a duplicate is reported even when other fields are wrong too."""
    problems: list[str] = []
    seen: dict[Any, int] = {}
    sites = data.get("sites")
    for i, site in enumerate(sites if isinstance(sites, list) else []):
        sid = site.get("id") if isinstance(site, dict) else None
        if sid is None:
            continue
        if sid in seen:
            problems.append(f"{source}:{line_of(('sites', i, 'id'))}: sites[{i}].id: duplicate id {sid!r} "
                            f"(first used by sites[{seen[sid]}])")
        else:
            seen[sid] = i
    return problems


def _line_number(problem: str) -> int:
    match = re.search(r":(\d+): ", problem)
    return int(match.group(1)) if match else 0


def _site_hosts(site: SiteEntry) -> set[str]:
    return {(urlsplit(site.url).hostname or "").lower(), *site.aliases}


def _resolve(model: RegistryModel, source: str, line_of: LineOf) -> Registry:
    from portal_audit import __version__

    defaults = {**BUILTIN_DEFAULTS, **model.defaults.model_dump(exclude_none=True,
                                                                  exclude={"user_agent", "contact_url",
                                                                           "concurrent_sites"})}
    contact = model.defaults.contact_url or DEFAULT_CONTACT
    user_agent = model.defaults.user_agent or DEFAULT_USER_AGENT.format(version=__version__, contact=contact)
    warnings: list[str] = []
    sites = []
    for i, entry in enumerate(model.sites):
        merged = {**defaults, **entry.model_dump(exclude_none=True, include=set(BUILTIN_DEFAULTS))}
        nets = merged["allow_private_networks"]
        if entry.unit_type == "ubnd_huyen":
            warnings.append(f"{source}:{line_of(('sites', i, 'unit_type'))}: sites[{i}].unit_type: district "
                            "committees (UBND huyện) ended on 2025-07-01; the site is crawled as a historical one")
        if unit_types.is_generic(entry.unit_type):
            warnings.append(f"{source}:{line_of(('sites', i, 'unit_type'))}: sites[{i}].unit_type: {entry.unit_type!r} "
                            "says which law applies to nothing: the content requirements are reported as not checked; "
                            "set the site's unit type")
        allowance = nets if isinstance(nets, bool) else tuple(nets)
        warnings.extend(_address_warnings(entry, i, allowance, source, line_of))
        warnings.extend(_email_warnings(entry, i, source, line_of))
        sites.append(SiteConfig(
            id=entry.id, name=entry.name, unit_type=entry.unit_type, url=entry.url,
            start_urls=tuple(entry.start_urls), hosts=frozenset(_site_hosts(entry)), scope=tuple(entry.scope),
            webmaster=entry.webmaster.model_dump() if entry.webmaster else None,
            max_pages=merged["max_pages"], max_depth=merged["max_depth"], delay=merged["delay"],
            autothrottle=merged["autothrottle"], concurrency=merged["concurrency"], timeout=merged["timeout"],
            retries=merged["retries"], max_page_bytes=merged["max_page_bytes"], render=merged["render"],
            render_budget=merged["render_budget"], render_per_template=merged["render_per_template"],
            axe_best_practice=merged["axe_best_practice"], tls_ca_file=merged["tls_ca_file"],
            allow_private_networks=allowance,
            check_external_links=merged["check_external_links"],
            max_external_checks=merged["max_external_checks"], max_documents=merged["max_documents"],
            checklists=tuple(merged["checklists"]) if merged["checklists"] else None,
        ))
    return Registry(path=Path(source), province=model.province, user_agent=user_agent,
                    concurrent_sites=model.defaults.concurrent_sites or 8, sites=sites, warnings=warnings)


def _address_warnings(entry: SiteEntry, i: int, allowance: bool | tuple[IPNetwork, ...], source: str,
                      line_of: LineOf) -> list[str]:
    """A site address ``run`` will refuse (loopback, private, link-local), said before the weekly run finds out.

    Only what is known without DNS (a literal address, ``localhost``): a registry check must not hang on a
    resolver, and a name's addresses can change by the week."""
    from portal_audit.netsafety import address_allowed, local_address

    out = []
    hosts = [(("sites", i, "url"), f"sites[{i}].url", urlsplit(entry.url).hostname or "")]
    hosts += [(("sites", i, "aliases", j), f"sites[{i}].aliases[{j}]", alias) for j, alias in enumerate(entry.aliases)]
    for field_path, name, host in hosts:
        ip = local_address(host)
        if ip is not None and not address_allowed(ip, allowance):
            out.append(f"{source}:{line_of(field_path)}: {name}: {host} is a private or loopback address ({ip}); "
                       "the crawl will refuse it unless allow_private_networks allows it")
    return out


# local@domain.tld as a mail server accepts it: no spaces, one @, a dotted domain of letters, digits and hyphens.
_EMAIL = re.compile(r"^[^@\s<>(),;:\"]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$")


def _email_warnings(entry: SiteEntry, i: int, source: str, line_of: LineOf) -> list[str]:
    """A webmaster e-mail nobody can write to: the scorecard shows it as the site's contact."""
    email = entry.webmaster.email if entry.webmaster else None
    if email is None or _EMAIL.match(email.strip()):
        return []
    return [f"{source}:{line_of(('sites', i, 'webmaster', 'email'))}: sites[{i}].webmaster.email: {email!r} is "
            "not an e-mail address"]


def load_registry(path: str | Path) -> Registry:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RegistryError([f"{path}: no such file"]) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise RegistryError([f"{path}:{line}: the file is not UTF-8 text"]) from None
    data, line_of = load_yaml_with_lines(text, str(path))
    return validate(data, str(path), line_of)
