"""Fashion ontology loader: categories, subcategories, attribute groups, styles, brands, emoji,
an offline concept lexicon and multilingual synonyms, read from ``ontology/``.

Every file is validated on load; any problem raises ``OntologyError(file, key, reason)`` whose
message reads ``"<file>: <key>: <reason>"``. Loaded ontologies are cached per resolved root and
shared, so callers must treat the returned lists and dicts as read-only.

Name resolution (``resolve_*``) is forgiving about spelling conventions of the annotation tool
and of the paper authors' files: case, accents, spaces, ``-``, ``_``, ``/``, camelCase and ``&``
(read both as "and" and as nothing) are ignored, and a trailing plural ``s``/``es`` may differ.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

CATEGORY_KEYS: tuple[str, ...] = (
    "blouses_and_tunics", "coats", "dresses", "jeans", "jackets", "jumpers_and_cardigans", "skirts",
    "tights_and_socks", "tops_and_tshirts", "trousers_and_shorts", "shoes", "bags", "accessories",
)
GROUP_KEYS: tuple[str, ...] = (
    "material", "pattern", "occasion", "collar", "heel_type", "length", "toe", "fastener", "lining",
    "trouser_rise", "heel_height", "collection",
)
LANGUAGES: tuple[str, ...] = ("sv", "de", "fr", "es", "it")
CONCEPT_KINDS: tuple[str, ...] = ("brand", "material", "item")
FILES: dict[str, str] = {
    "categories": "categories.yaml",
    "subcategories": "subcategories.yaml",
    "attributes": "attributes.yaml",
    "allowed_groups": "allowed_groups.yaml",
    "styles": "styles.yaml",
    "brands": "brands.tsv",
    "emoji": "emoji.yaml",
    "concepts": "concepts.yaml",
    "translations": "translations.yaml",
}
_KEY_RE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")
_FILE_KEY = "(file)"  # the key reported for problems with a whole file


class OntologyError(ValueError):
    """A problem in one ontology file, located by file and entry key."""

    def __init__(self, file: str, key: str, reason: str):
        self.file, self.key, self.reason = str(file), str(key), reason
        super().__init__(f"{self.file}: {self.key}: {reason}")


@dataclass(frozen=True)
class Category:
    key: str
    name: str
    keywords: tuple[str, ...]
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Subcategory:
    key: str
    parent: str
    keywords: tuple[str, ...]
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class AttributeValue:
    key: str
    synonyms: tuple[str, ...]
    # Tool spellings (typos, run-together words) that resolve_value accepts but that are not
    # words a caption would use, so text mining never sees them.
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Style:
    key: str
    name: str
    keywords: tuple[str, ...]
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Brand:
    key: str
    name: str
    aliases: tuple[str, ...]


# ----------------------------------------------------------------------------------------------
# name normalisation

_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _fold(text: str) -> str:
    """Lower-case, accent-free form of ``text`` (camelCase humps become spaces)."""
    text = _CAMEL_RE.sub(" ", str(text))
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def compact_forms(name: str) -> tuple[str, ...]:
    """Spelling-insensitive lookup forms of ``name``: alphanumerics only, '&'/'+' read as 'and'
    and as nothing (so "Dolce & Gabbana", "dolceandgabbana" and "DolceGabbana" all meet)."""
    folded = _fold(name)
    with_and = re.sub(r"[^a-z0-9]", "", re.sub(r"[&+]", "and", folded))
    without = re.sub(r"[^a-z0-9]", "", folded)
    return (with_and,) if with_and == without else (with_and, without)


def _plural_variants(form: str) -> tuple[str, ...]:
    variants = [form + "s"]
    if form.endswith("es") and len(form) > 3:
        variants.append(form[:-2])
    if form.endswith("s") and len(form) > 2:
        variants.append(form[:-1])
    return tuple(variants)


class _Resolver:
    """Maps spelling variants of names to keys; a form claimed by two keys is ambiguous.
    ``plurals`` lets "Parkas" find "parka"; brand names are proper names, so brands go without."""

    def __init__(self, plurals: bool = True) -> None:
        self._forms: dict[str, set[str]] = {}
        self._plurals = plurals

    def add(self, key: str, names: Iterable[str]) -> None:
        for name in (key, *names):
            for form in compact_forms(name):
                if form:
                    self._forms.setdefault(form, set()).add(key)

    def owners(self, name: str) -> set[str]:
        found: set[str] = set()
        for form in compact_forms(name):
            found |= self._forms.get(form, set())
        return found

    def resolve(self, name: str | None) -> str | None:
        """The one key ``name`` spells; when a spelling is shared, the key spelled exactly wins;
        otherwise (or when nothing matches, even after plural/singular variants) None."""
        if name is None or not str(name).strip():
            return None
        forms = compact_forms(str(name))
        attempts = [forms]
        if self._plurals:
            attempts.append(tuple(v for f in forms for v in _plural_variants(f)))
        for candidates in attempts:
            keys: set[str] = set()
            for form in candidates:
                keys |= self._forms.get(form, set())
            if len(keys) == 1:
                return next(iter(keys))
            if keys:
                exact = [k for k in keys if set(compact_forms(k)) & set(forms)]
                return exact[0] if len(exact) == 1 else None
        return None


# ----------------------------------------------------------------------------------------------
# the ontology


@dataclass(frozen=True, eq=False)
class Ontology:
    categories: list[Category]
    subcategories: list[Subcategory]
    attribute_groups: dict[str, list[AttributeValue]]
    export_group_names: dict[str, str]
    allowed_groups: dict[str, tuple[str, ...]]
    styles: list[Style]
    brands: list[Brand]
    emoji: dict[str, tuple[str, ...]]
    concepts: dict[str, dict[str, float]]
    translations: dict[str, dict[str, str]]
    # Annotation-tool keys that are known but are not attribute groups: the brand key (values
    # resolve with resolve_brand) and ignored keys such as Colour.
    export_brand_key: str = "Brand"
    export_ignored_keys: tuple[str, ...] = ()
    root: str = ""
    _resolvers: dict[str, _Resolver] = field(default_factory=dict, repr=False)

    # -- listings -------------------------------------------------------------------------------
    def category_keys(self) -> list[str]:
        return [c.key for c in self.categories]

    def subcategory_keys(self) -> list[str]:
        return [s.key for s in self.subcategories]

    def group_keys(self) -> list[str]:
        return list(self.attribute_groups)

    def value_keys(self, group: str) -> list[str]:
        return [v.key for v in self.attribute_groups[group]]

    def style_keys(self) -> list[str]:
        return [s.key for s in self.styles]

    def brand_keys(self) -> list[str]:
        return [b.key for b in self.brands]

    def attribute_ids(self) -> list[str]:
        """``"group:value"`` for every attribute value, groups in GROUP_KEYS order."""
        return [f"{group}:{v.key}" for group, values in self.attribute_groups.items() for v in values]

    def subcategories_of(self, category: str) -> list[Subcategory]:
        key = self.resolve_category(category)
        if key is None:
            raise KeyError(f"unknown category {category!r}")
        return [s for s in self.subcategories if s.parent == key]

    def facets(self) -> list[str]:
        return ["categories", "subcategories", *self.attribute_groups, "styles", "brands"]

    def facet_terms(self, facet: str) -> dict[str, tuple[str, ...]]:
        """Label key -> the words text mining matches for that label, for one facet."""
        if facet == "categories":
            return {c.key: c.keywords for c in self.categories}
        if facet == "subcategories":
            return {s.key: s.keywords for s in self.subcategories}
        if facet in self.attribute_groups:
            return {v.key: v.synonyms for v in self.attribute_groups[facet]}
        if facet == "styles":
            return {s.key: s.keywords for s in self.styles}
        if facet == "brands":
            return {b.key: _unique(t.lower() for t in (b.name, *b.aliases)) for b in self.brands}
        raise ValueError(f"unknown facet {facet!r}; expected one of {self.facets()}")

    # -- resolution -----------------------------------------------------------------------------
    def resolve_category(self, name: str | None) -> str | None:
        return self._resolvers["categories"].resolve(name)

    def resolve_subcategory(self, name: str | None, category: str | None = None) -> str | None:
        """Subcategory key for ``name``. With ``category`` (any category spelling) only that
        category's subcategories are considered, so tool labels used under several categories
        ("Maxi", "Denim", "Leggings") resolve; without it such shared labels give None unless
        they spell a key exactly."""
        if category is None:
            return self._resolvers["subcategories"].resolve(name)
        parent = self.resolve_category(category)
        if parent is None:
            return None
        return self._resolvers[f"subcategories:{parent}"].resolve(name)

    def resolve_group(self, export_key: str | None) -> str | None:
        """Attribute group for an annotation-tool key (``Collartype``) or a group key."""
        return self._resolvers["groups"].resolve(export_key)

    def export_key_kind(self, export_key: str) -> str | None:
        """'group', 'brand' or 'ignored' for a known annotation-tool key; None when unknown."""
        if self.resolve_group(export_key) is not None:
            return "group"
        forms = set(compact_forms(export_key))
        if forms & set(compact_forms(self.export_brand_key)):
            return "brand"
        if any(forms & set(compact_forms(k)) for k in self.export_ignored_keys):
            return "ignored"
        return None

    def resolve_value(self, group: str, name: str | None) -> str | None:
        """Value key of ``group`` (group key or tool key) for a value name, synonym or alias."""
        group_key = self.resolve_group(group)
        if group_key is None:
            raise KeyError(f"unknown attribute group {group!r}")
        return self._resolvers[f"values:{group_key}"].resolve(name)

    def resolve_style(self, name: str | None) -> str | None:
        return self._resolvers["styles"].resolve(name)

    def resolve_brand(self, name: str | None) -> str | None:
        return self._resolvers["brands"].resolve(name)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


# ----------------------------------------------------------------------------------------------
# reading and validation


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int):
        super().__init__(key, line)
        self.key, self.line = key, line


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML loader that rejects a mapping key given twice (plain YAML keeps the last)."""

    def construct_mapping(self, node, deep=False):
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)):
                continue  # unhashable keys are left to the base constructor to reject
            if key in seen:
                raise _DuplicateKey(key, key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read_yaml(root: Path, name: str) -> Any:
    path = root / name
    if not path.is_file():
        raise OntologyError(_display(root, name), _FILE_KEY, "missing file")
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except _DuplicateKey as exc:
        raise OntologyError(_display(root, name), str(exc.key), f"duplicate key (line {exc.line})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else _FILE_KEY
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise OntologyError(_display(root, name), where, f"invalid YAML: {problem}") from None
    except UnicodeDecodeError as exc:
        raise OntologyError(_display(root, name), _FILE_KEY, f"not UTF-8 text: {exc.reason}") from None


def _display(root: Path, name: str) -> str:
    """File name as reported in errors: ``ontology/x.yaml`` style, relative to the cwd if possible."""
    path = root / name
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class _Checker:
    """Validation helpers bound to one file."""

    def __init__(self, file: str):
        self.file = file

    def fail(self, key: Any, reason: str) -> OntologyError:
        return OntologyError(self.file, str(key), reason)

    def mapping(self, data: Any, key: Any, what: str) -> dict:
        if not isinstance(data, dict):
            raise self.fail(key, f"{what} must be a mapping, got {type(data).__name__}")
        return data

    def seq(self, data: Any, key: Any, what: str) -> list:
        if not isinstance(data, list):
            raise self.fail(key, f"{what} must be a list, got {type(data).__name__}")
        return data

    def text(self, value: Any, key: Any, what: str) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)) or not str(value).strip():
            raise self.fail(key, f"{what} must be a non-empty string, got {value!r}")
        return str(value).strip()

    def ident(self, value: Any, key: Any, what: str = "key") -> str:
        text = self.text(value, key, what)
        if not _KEY_RE.match(text):
            raise self.fail(text, f"{what} {text!r} is not snake_case")
        return text

    def words(self, entry: dict, field_name: str, key: str, *, required: bool, lower: bool) -> tuple[str, ...]:
        raw = entry.get(field_name)
        if raw is None:
            raw = []
        items = [self.text(w, key, f"{field_name} entry") for w in self.seq(raw, key, field_name)]
        if required and not items:
            raise self.fail(key, f"empty {field_name}")
        if lower:
            bad = [w for w in items if w != w.lower()]
            if bad:
                raise self.fail(key, f"{field_name} must be lower case: {bad[0]!r}")
        return _unique(items)

    def unique_key(self, key: str, seen: set[str]) -> None:
        if key in seen:
            raise self.fail(key, "duplicate key")
        seen.add(key)

    def unknown_fields(self, entry: dict, key: str, allowed: set[str]) -> None:
        extra = sorted(set(entry) - allowed)
        if extra:
            raise self.fail(key, f"unknown field {extra[0]!r} (allowed: {', '.join(sorted(allowed))})")


def _entries(check: _Checker, data: Any, top: str) -> list[dict]:
    body = check.mapping(data, _FILE_KEY, "file")
    if top not in body:
        raise check.fail(_FILE_KEY, f"missing top-level {top!r}")
    return [check.mapping(e, f"{top}[{i}]", "entry") for i, e in enumerate(check.seq(body[top], top, top))]


def _no_alias_clash(check: _Checker, resolver: _Resolver, key: str, names: Iterable[str]) -> None:
    """Reject a name whose spelling-insensitive form already belongs to another key."""
    for name in (key, *names):
        others = resolver.owners(name) - {key}
        if others:
            raise check.fail(key, f"name {name!r} collides with {sorted(others)[0]!r}")


def _load_categories(root: Path) -> tuple[list[Category], _Resolver]:
    check = _Checker(_display(root, FILES["categories"]))
    out: list[Category] = []
    seen: set[str] = set()
    resolver = _Resolver()
    for i, entry in enumerate(_entries(check, _read_yaml(root, FILES["categories"]), "categories")):
        key = check.ident(entry.get("key"), f"categories[{i}]")
        check.unknown_fields(entry, key, {"key", "name", "keywords", "aliases"})
        check.unique_key(key, seen)
        cat = Category(
            key=key,
            name=check.text(entry.get("name"), key, "name"),
            keywords=check.words(entry, "keywords", key, required=True, lower=True),
            aliases=check.words(entry, "aliases", key, required=False, lower=False),
        )
        _no_alias_clash(check, resolver, key, (cat.name, *cat.aliases))
        resolver.add(key, (cat.name, *cat.aliases))
        out.append(cat)
    keys = tuple(c.key for c in out)
    if keys != CATEGORY_KEYS:
        missing = [k for k in CATEGORY_KEYS if k not in keys]
        extra = [k for k in keys if k not in CATEGORY_KEYS]
        if extra:
            raise check.fail(extra[0], f"unknown category; the 13 categories are {', '.join(CATEGORY_KEYS)}")
        if missing:
            raise check.fail(missing[0], "missing category")
        raise check.fail(_FILE_KEY, f"categories out of order; expected {', '.join(CATEGORY_KEYS)}")
    return out, resolver


def _load_subcategories(root: Path, categories: list[Category]) -> tuple[list[Subcategory], dict[str, _Resolver]]:
    check = _Checker(_display(root, FILES["subcategories"]))
    parents = {c.key for c in categories}
    out: list[Subcategory] = []
    seen: set[str] = set()
    per_parent = {c.key: _Resolver() for c in categories}
    keys_resolver = _Resolver()
    for i, entry in enumerate(_entries(check, _read_yaml(root, FILES["subcategories"]), "subcategories")):
        key = check.ident(entry.get("key"), f"subcategories[{i}]")
        check.unknown_fields(entry, key, {"key", "parent", "keywords", "aliases"})
        check.unique_key(key, seen)
        parent = check.text(entry.get("parent"), key, "parent")
        if parent not in parents:
            raise check.fail(key, f"unknown parent {parent!r}")
        sub = Subcategory(
            key=key,
            parent=parent,
            keywords=check.words(entry, "keywords", key, required=True, lower=True),
            aliases=check.words(entry, "aliases", key, required=False, lower=False),
        )
        # Keys must differ in every spelling; aliases only within one category (the tool reuses
        # labels such as "Maxi" under dresses and skirts).
        _no_alias_clash(check, keys_resolver, key, ())
        keys_resolver.add(key, ())
        _no_alias_clash(check, per_parent[parent], key, sub.aliases)
        per_parent[parent].add(key, sub.aliases)
        out.append(sub)
    resolvers = {f"subcategories:{p}": r for p, r in per_parent.items()}
    everywhere = _Resolver()
    for sub in out:
        everywhere.add(sub.key, sub.aliases)
    resolvers["subcategories"] = everywhere
    return out, resolvers


def _load_attributes(root: Path):
    check = _Checker(_display(root, FILES["attributes"]))
    body = check.mapping(_read_yaml(root, FILES["attributes"]), _FILE_KEY, "file")
    for top in ("groups", "export_group_names", "export_brand_key", "export_ignored_keys"):
        if top not in body:
            raise check.fail(_FILE_KEY, f"missing top-level {top!r}")
    groups_raw = check.mapping(body["groups"], "groups", "groups")
    for name in groups_raw:
        if name not in GROUP_KEYS:
            raise check.fail(name, f"unknown attribute group; the groups are {', '.join(GROUP_KEYS)}")
    groups: dict[str, list[AttributeValue]] = {}
    resolvers: dict[str, _Resolver] = {}
    for group in GROUP_KEYS:
        if group not in groups_raw:
            raise check.fail(group, "missing attribute group")
        values_raw = check.seq(groups_raw[group], group, "group values")
        if not values_raw:
            raise check.fail(group, "attribute group has no values")
        seen: set[str] = set()
        resolver = _Resolver()
        values = []
        for i, entry in enumerate(values_raw):
            entry = check.mapping(entry, f"{group}[{i}]", "value")
            key = check.ident(entry.get("key"), f"{group}[{i}]")
            label = f"{group}:{key}"
            check.unknown_fields(entry, label, {"key", "synonyms", "aliases"})
            if key in seen:
                raise check.fail(label, "duplicate key")
            seen.add(key)
            value = AttributeValue(
                key=key,
                synonyms=check.words(entry, "synonyms", label, required=True, lower=True),
                aliases=check.words(entry, "aliases", label, required=False, lower=False),
            )
            _no_alias_clash(check, resolver, key, (*value.synonyms, *value.aliases))
            resolver.add(key, (*value.synonyms, *value.aliases))
            values.append(value)
        groups[group] = values
        resolvers[f"values:{group}"] = resolver
    export = check.mapping(body["export_group_names"], "export_group_names", "export_group_names")
    group_resolver = _Resolver()
    export_names: dict[str, str] = {}
    for tool_key, group in export.items():
        tool_key = check.text(tool_key, "export_group_names", "tool key")
        if group not in groups:
            raise check.fail(tool_key, f"unknown attribute group {group!r}")
        export_names[tool_key] = group
    for group in GROUP_KEYS:
        names = [k for k, g in export_names.items() if g == group]
        _no_alias_clash(check, group_resolver, group, names)
        group_resolver.add(group, names)
    resolvers["groups"] = group_resolver
    brand_key = check.text(body["export_brand_key"], "export_brand_key", "export_brand_key")
    ignored = tuple(check.text(k, "export_ignored_keys", "ignored key")
                    for k in check.seq(body["export_ignored_keys"], "export_ignored_keys", "export_ignored_keys"))
    for key in (brand_key, *ignored):
        if group_resolver.owners(key):
            raise check.fail(key, "listed both as an attribute group and as a brand/ignored key")
    return groups, export_names, brand_key, ignored, resolvers


def _load_allowed_groups(root: Path, categories: list[Category], groups: dict) -> dict[str, tuple[str, ...]]:
    check = _Checker(_display(root, FILES["allowed_groups"]))
    body = check.mapping(_read_yaml(root, FILES["allowed_groups"]), _FILE_KEY, "file")
    raw = check.mapping(body.get("allowed_groups"), "allowed_groups", "allowed_groups")
    cat_keys = [c.key for c in categories]
    for cat in raw:
        if cat not in cat_keys:
            raise check.fail(cat, "unknown category")
    allowed: dict[str, tuple[str, ...]] = {}
    for cat in cat_keys:
        if cat not in raw:
            raise check.fail(cat, "category has no allowed_groups entry")
        names = [check.text(g, cat, "group") for g in check.seq(raw[cat], cat, "allowed groups")]
        if not names:
            raise check.fail(cat, "category allows no attribute group")
        for name in names:
            if name not in groups:
                raise check.fail(cat, f"unknown attribute group {name!r}")
        if len(set(names)) != len(names):
            raise check.fail(cat, "group listed twice")
        allowed[cat] = tuple(g for g in GROUP_KEYS if g in names)  # canonical group order
    return allowed


def _load_styles(root: Path) -> tuple[list[Style], _Resolver]:
    check = _Checker(_display(root, FILES["styles"]))
    out: list[Style] = []
    seen: set[str] = set()
    resolver = _Resolver()
    for i, entry in enumerate(_entries(check, _read_yaml(root, FILES["styles"]), "styles")):
        key = check.ident(entry.get("key"), f"styles[{i}]")
        check.unknown_fields(entry, key, {"key", "name", "keywords", "aliases"})
        check.unique_key(key, seen)
        style = Style(
            key=key,
            name=check.text(entry.get("name"), key, "name"),
            keywords=check.words(entry, "keywords", key, required=True, lower=True),
            aliases=check.words(entry, "aliases", key, required=False, lower=False),
        )
        _no_alias_clash(check, resolver, key, (style.name, *style.aliases))
        resolver.add(key, (style.name, *style.aliases))
        out.append(style)
    if not out:
        raise check.fail("styles", "no styles")
    return out, resolver


def _load_brands(root: Path) -> tuple[list[Brand], _Resolver]:
    """brands.tsv: '#' comment lines, a header ``key<TAB>name<TAB>aliases``, then one brand a
    line with aliases separated by '|'."""
    name = FILES["brands"]
    path = root / name
    check = _Checker(_display(root, name))
    if not path.is_file():
        raise check.fail(_FILE_KEY, "missing file")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise check.fail(_FILE_KEY, f"not UTF-8 text: {exc.reason}") from None
    rows = [(n, line) for n, line in enumerate(lines, 1) if line.strip() and not line.startswith("#")]
    if not rows or rows[0][1].split("\t") != ["key", "name", "aliases"]:
        raise check.fail("line 1", "header must be 'key<TAB>name<TAB>aliases'")
    out: list[Brand] = []
    seen: set[str] = set()
    resolver = _Resolver(plurals=False)
    for n, line in rows[1:]:
        cols = line.split("\t")
        if len(cols) != 3:
            raise check.fail(f"line {n}", f"expected 3 tab-separated columns, got {len(cols)}")
        key = check.ident(cols[0], f"line {n}")
        check.unique_key(key, seen)
        aliases = _unique(a.strip() for a in cols[2].split("|") if a.strip())
        brand = Brand(key=key, name=check.text(cols[1], key, "name"), aliases=aliases)
        _no_alias_clash(check, resolver, key, (brand.name, *aliases))
        resolver.add(key, (brand.name, *aliases))
        out.append(brand)
    if not out:
        raise check.fail(_FILE_KEY, "no brands")
    return out, resolver


def _vocabulary(categories, subcategories, groups, styles) -> set[str]:
    """Every English word or phrase the ontology matches (lower case)."""
    words: set[str] = set(CATEGORY_KEYS)
    for item in (*categories, *subcategories, *styles):
        words.update(item.keywords)
    for values in groups.values():
        for value in values:
            words.update(value.synonyms)
    return words


def _load_emoji(root: Path) -> dict[str, tuple[str, ...]]:
    """Emoji keys are stored without variation selectors (U+FE0F), as readers strip them."""
    check = _Checker(_display(root, FILES["emoji"]))
    body = check.mapping(_read_yaml(root, FILES["emoji"]), _FILE_KEY, "file")
    raw = check.mapping(body.get("emoji"), "emoji", "emoji")
    out: dict[str, tuple[str, ...]] = {}
    for symbol, words in raw.items():
        symbol = check.text(symbol, "emoji", "emoji").replace("\ufe0f", "")
        if symbol in out:
            raise check.fail(symbol, "duplicate emoji")
        if any(ch.isascii() for ch in symbol):
            raise check.fail(symbol, "not an emoji")
        items = _unique(check.text(w, symbol, "item word") for w in check.seq(words, symbol, "item words"))
        if not items:
            raise check.fail(symbol, "empty item words")
        bad = [w for w in items if w != w.lower()]
        if bad:
            raise check.fail(symbol, f"item words must be lower case: {bad[0]!r}")
        out[symbol] = items
    if not out:
        raise check.fail("emoji", "empty emoji map")
    return out


def _load_concepts(root: Path, brands: list[Brand], groups: dict, categories, subcategories) -> dict[str, dict[str, float]]:
    """Generated entries (see concepts.yaml's header) overlaid with the hand-set ones."""
    check = _Checker(_display(root, FILES["concepts"]))
    body = check.mapping(_read_yaml(root, FILES["concepts"]), _FILE_KEY, "file")
    for top in ("generated", "terms"):
        if top not in body:
            raise check.fail(_FILE_KEY, f"missing top-level {top!r}")
    generated = check.mapping(body["generated"], "generated", "generated")

    def probability(value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
            raise check.fail(key, f"probability must be a number in [0, 1], got {value!r}")
        return float(value)

    sources: dict[str, Iterable[str]] = {
        "brand": (t for b in brands for t in (b.name, *b.aliases)),
        "material": (t for v in groups["material"] for t in v.synonyms),
        "item": (t for item in (*categories, *subcategories) for t in item.keywords),
    }
    concepts: dict[str, dict[str, float]] = {}
    for kind in CONCEPT_KINDS:
        if kind not in generated:
            raise check.fail("generated", f"missing default probability for {kind!r}")
        p = probability(generated[kind], f"generated.{kind}")
        for term in sources[kind]:
            entry = concepts.setdefault(term.lower(), dict.fromkeys(CONCEPT_KINDS, 0.0))
            entry[kind] = max(entry[kind], p)
    terms = check.mapping(body["terms"], "terms", "terms")
    for term, probs in terms.items():
        term = check.text(term, "terms", "term")
        if term != term.lower():
            raise check.fail(term, "term must be lower case")
        probs = check.mapping(probs, term, "concept probabilities")
        for kind in probs:
            if kind not in CONCEPT_KINDS:
                raise check.fail(term, f"unknown concept {kind!r} (expected {', '.join(CONCEPT_KINDS)})")
        # A hand-set entry replaces the generated one entirely: absent kinds mean 0.
        concepts[term] = {kind: probability(probs.get(kind, 0.0), f"{term}.{kind}") for kind in CONCEPT_KINDS}
    return concepts


def _load_translations(root: Path, vocabulary: set[str]) -> dict[str, dict[str, str]]:
    check = _Checker(_display(root, FILES["translations"]))
    body = check.mapping(_read_yaml(root, FILES["translations"]), _FILE_KEY, "file")
    raw = check.mapping(body.get("translations"), "translations", "translations")
    out: dict[str, dict[str, str]] = {}
    for lang in raw:
        if lang not in LANGUAGES:
            raise check.fail(lang, f"unknown language (expected {', '.join(LANGUAGES)})")
    for lang in LANGUAGES:
        if lang not in raw:
            raise check.fail(lang, "missing language")
        table = check.mapping(raw[lang], lang, "translations")
        out[lang] = {}
        for word, english in table.items():
            word = check.text(word, lang, "word")
            english = check.text(english, f"{lang}.{word}", "English word")
            if word != word.lower():
                raise check.fail(f"{lang}.{word}", "word must be lower case")
            if english not in vocabulary:
                raise check.fail(f"{lang}.{word}", f"{english!r} is not an ontology keyword")
            out[lang][word] = english
        if not out[lang]:
            raise check.fail(lang, "no translations")
    return out


def build_ontology(root: str | Path) -> Ontology:
    """Read and validate every ontology file under ``root`` (uncached)."""
    root = Path(root)
    if not root.is_dir():
        raise OntologyError(str(root), _FILE_KEY, "ontology folder not found")
    categories, category_resolver = _load_categories(root)
    subcategories, sub_resolvers = _load_subcategories(root, categories)
    groups, export_names, brand_key, ignored, value_resolvers = _load_attributes(root)
    allowed = _load_allowed_groups(root, categories, groups)
    styles, style_resolver = _load_styles(root)
    brands, brand_resolver = _load_brands(root)
    vocabulary = _vocabulary(categories, subcategories, groups, styles)
    emoji = _load_emoji(root)
    concepts = _load_concepts(root, brands, groups, categories, subcategories)
    translations = _load_translations(root, vocabulary)
    resolvers = {"categories": category_resolver, "styles": style_resolver, "brands": brand_resolver,
                 **sub_resolvers, **value_resolvers}
    return Ontology(
        categories=categories, subcategories=subcategories, attribute_groups=groups,
        export_group_names=export_names, allowed_groups=allowed, styles=styles, brands=brands,
        emoji=emoji, concepts=concepts, translations=translations, export_brand_key=brand_key,
        export_ignored_keys=ignored, root=str(root), _resolvers=resolvers,
    )


@functools.lru_cache(maxsize=8)
def _load_cached(resolved_root: str) -> Ontology:
    return build_ontology(resolved_root)


def load_ontology(root: str | Path = "ontology") -> Ontology:
    """The validated ontology under ``root``, cached per resolved path (treat as read-only)."""
    return _load_cached(str(Path(root).resolve()))
