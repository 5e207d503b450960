"""Source mappings: how one export layout maps onto the canonical raw contract.

A mapping is declarative YAML (docs/mappings.md documents every key with an example):

    - name: hubspot_contacts          # unique name
      extract: ma_leads               # canonical extract (pipelines/contract.py)
      folder: ma                      # landing/<folder>/
      files: ["hubspot-crm-exports-*"]   # file-name patterns (default: any file; the header decides)
      encoding: auto                  # auto (UTF-8 / BOM / UTF-16 / CP932) or any Python codec
      delimiter: auto                 # auto (, ; tab |) or one character
      timezone: Asia/Tokyo            # zone of the times written in the file
      timestamp_formats: ["%Y-%m-%d %H:%M"]   # strftime codes; ambiguous ones are refused
      null_values: ["(No value)"]     # cell texts that mean empty, for every column
      columns:                        # canonical field -> export column
        lead_id: Record ID            # header names match ignoring case and spaces
        original_channel:
          column: ["Original Traffic Source", "Original Source"]   # the first present
          values: {Organic Search: organic_search}
          default: other              # for labels not in values (reported at the end of the run)
        phone: {coalesce: ["Phone Number", "Mobile Phone Number"]}  # first non-empty
        industry: {column: Industry, split: ";", item: 0}           # one item of a list cell
        owner: {column: OwnerId, lookup: {extract: sfa_users, by: user_id}}
        currency: {value: JPY}        # a constant for a field the export does not carry

`sources.yml` in the workspace holds `mappings:`, a list of such entries or `{preset: NAME}`
(optionally with keys that override the preset's), and `ignore:`, file patterns to leave alone.
Without `sources.yml` every preset applies.
"""

from __future__ import annotations

import codecs
import fnmatch
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipelines.contract import EXTRACTS, JOURNEY_STAGES

PRESETS_DIR = Path(__file__).parent / "presets"
FOLDERS = ("ma", "sfa", "crm")
DELIMITERS = (",", ";", "\t", "|")
# Extracts another extract may look values up in (they load first).
LOOKUP_EXTRACTS = ("sfa_users", "crm_accounts")


class MappingError(ValueError):
    """A source mapping that cannot be used; the message names the file, key and problem."""


def header_key(name: str) -> str:
    """How header names are compared: Unicode-normalised, case-folded, spaces collapsed."""
    text = unicodedata.normalize("NFKC", name).replace("\ufeff", "")
    text = text.translate(_QUOTES)  # 'Date entered "X"' and "Date entered 'X'" are one header
    return " ".join(text.split()).casefold()


_QUOTES = str.maketrans({'"': "'", "\u201c": "'", "\u201d": "'", "\u2018": "'", "\u2019": "'"})


class Lookup(BaseModel):
    """Replace the value by the key of the record of `extract` whose `by` field equals it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    extract: str
    by: str

    @model_validator(mode="after")
    def _known(self):
        if self.extract not in LOOKUP_EXTRACTS:
            raise ValueError(f"lookup.extract must be one of {list(LOOKUP_EXTRACTS)}")
        if self.by not in EXTRACTS[self.extract].field_names:
            raise ValueError(f"lookup.by: {self.extract} has no field {self.by!r}")
        return self

    @property
    def target(self) -> str:
        return EXTRACTS[self.extract].key[0]


class ColumnSpec(BaseModel):
    """Where one canonical field's value comes from, and how it is cleaned."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: list[str] | None = None      # alternative header names: the first one present
    coalesce: list[str] | None = None    # several columns: the first non-empty value
    value: str | None = None             # a constant
    values: dict[str, Any] | None = None  # label -> canonical code (case-insensitive)
    default: str | None = None           # code for a label `values` does not list
    null: list[str] = Field(default_factory=list)  # texts meaning empty in this column
    split: str | None = None             # a multi-valued cell's separator ...
    item: int = 0                        # ... and which item to take (0 first, -1 last)
    formats: list[str] | None = None     # date / time formats of this column
    lookup: Lookup | None = None

    @field_validator("column", "coalesce", mode="before")
    @classmethod
    def _as_list(cls, v):
        return [v] if isinstance(v, str) else v

    @field_validator("value", mode="before")
    @classmethod
    def _as_text(cls, v):
        return None if v is None else str(v)

    @model_validator(mode="after")
    def _one_source(self):
        given = [k for k in ("column", "coalesce", "value") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of column (export column or alternative names), "
                             "coalesce (several columns) or value (a constant)")
        for key in ("column", "coalesce"):
            names = getattr(self, key)
            if names is not None and (not names or not all(isinstance(n, str) and n.strip()
                                                           for n in names)):
                raise ValueError(f"{key} must name at least one export column")
        if self.default is not None and not self.values:
            raise ValueError("default needs values (the labels it stands in for)")
        if self.values:
            keys: dict[str, str] = {}
            for label in self.values:
                k = str(label).strip().casefold()
                if k in keys and self.values[keys[k]] != self.values[label]:
                    raise ValueError(f"values lists {keys[k]!r} and {label!r}, which differ only "
                                     "in case, with different codes")
                keys[k] = label
        if self.item != 0 and self.split is None:
            raise ValueError("item needs split (the separator of the cell's items)")
        return self

    @property
    def header_names(self) -> list[str]:
        return list(self.column or self.coalesce or [])


class StageSpec(BaseModel):
    """Wide stage history: the column(s) holding when a stage was entered (and exited)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entered: ColumnSpec
    exited: ColumnSpec | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v):
        if isinstance(v, (str, list)):
            return {"entered": {"column": v}}
        if isinstance(v, dict) and "entered" not in v:
            return {"entered": v}
        if isinstance(v, dict):
            return {k: ({"column": s} if isinstance(s, (str, list)) else s) for k, s in v.items()}
        return v


def _column_specs(v):
    if isinstance(v, dict):
        return {k: ({"column": s} if isinstance(s, (str, list)) else s) for k, s in v.items()}
    return v


class SourceMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str | None = None
    extract: str
    folder: Literal["ma", "sfa", "crm"]
    files: list[str] = Field(default_factory=lambda: ["*"], min_length=1)
    encoding: str = "auto"
    delimiter: str = "auto"
    sheet: str | int | None = None
    timezone: str = "Asia/Tokyo"
    timestamp_formats: list[str] = Field(default_factory=lambda: ["%Y-%m-%d %H:%M:%S"])
    date_formats: list[str] = Field(default_factory=lambda: ["%Y-%m-%d"])
    footer_pattern: str | None = None
    null_values: list[str] = Field(default_factory=list)
    export: Literal["full", "incremental"] = "full"
    filter: dict[str, list[str]] | None = None
    required: list[str] = Field(default_factory=list)
    columns: dict[str, ColumnSpec]
    stages: dict[str, StageSpec] | None = None

    @field_validator("columns", mode="before")
    @classmethod
    def _shorthand(cls, v):
        return _column_specs(v)

    @field_validator("filter", mode="before")
    @classmethod
    def _filter_lists(cls, v):
        if isinstance(v, dict):
            return {k: ([str(s)] if not isinstance(s, list) else [str(x) for x in s])
                    for k, s in v.items()}
        return v

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(v)
        except Exception as exc:  # noqa: BLE001
            raise ValueError(f"unknown time zone {v!r}") from exc
        return v

    @field_validator("encoding")
    @classmethod
    def _codec(cls, v: str) -> str:
        if v == "auto":
            return v
        try:
            codecs.lookup(v)
        except LookupError:
            raise ValueError(f"unknown encoding {v!r} (auto, or a Python codec such as utf-8, "
                             "cp932, latin-1, cp1252, utf-16)") from None
        return v

    @field_validator("delimiter")
    @classmethod
    def _delimiter(cls, v: str) -> str:
        if v != "auto" and len(v) != 1:
            raise ValueError("delimiter is auto or one character (\",\", \";\", \"\\t\", \"|\")")
        return v

    @field_validator("footer_pattern")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from exc
        return v

    @model_validator(mode="after")
    def _against_contract(self):
        if self.extract not in EXTRACTS:
            raise ValueError(f"extract {self.extract!r} is not one of {sorted(EXTRACTS)}")
        extract = EXTRACTS[self.extract]
        unknown = [k for k in self.columns if k not in extract.field_names]
        if unknown:
            raise ValueError(
                f"columns maps {unknown}, which {self.extract} does not have "
                f"(its fields: {', '.join(extract.field_names)})")
        bad_required = [k for k in self.required if k not in extract.field_names]
        if bad_required:
            raise ValueError(f"required lists {bad_required}, which {self.extract} does not have")
        if self.stages is not None:
            if self.extract != "stage_events":
                raise ValueError("stages (one date column per stage) is for extract stage_events")
            bad = [s for s in self.stages if s not in JOURNEY_STAGES]
            if bad:
                raise ValueError(f"stages lists {bad}; the journey's stages are "
                                 f"{', '.join(JOURNEY_STAGES)}")
            clash = [k for k in ("stage", "entered_at", "exited_at") if k in self.columns]
            if clash:
                raise ValueError(f"with stages, do not map {clash} in columns (each stage's "
                                 "column gives them)")
        produced = set(self.columns) | ({"stage", "entered_at"} if self.stages else set())
        unmapped = [k for k in self.required_fields if k not in produced]
        if unmapped:
            raise ValueError(f"required field(s) {unmapped} of {self.extract} are not mapped")
        for group in extract.required_any:
            if not any(k in self.columns for k in group):
                raise ValueError(f"map at least one of {list(group)} for {self.extract}")
        for name, spec in self.columns.items():
            if spec.lookup is not None and spec.lookup.extract == self.extract:
                raise ValueError(f"columns.{name}.lookup: an extract cannot look up in itself")
        return self

    @property
    def contract(self):
        return EXTRACTS[self.extract]

    @property
    def required_fields(self) -> list[str]:
        return list(dict.fromkeys(EXTRACTS[self.extract].required_fields + self.required))

    @property
    def fingerprint(self) -> str:
        """Identifies what this mapping does to a file: a changed mapping loads the file again."""
        body = self.model_dump(mode="json", exclude={"description"})
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]

    def name_matches(self, folder: str, file_name: str) -> bool:
        return folder == self.folder and any(
            fnmatch.fnmatch(file_name.lower(), pattern.lower()) for pattern in self.files)

    @property
    def claims_by_name(self) -> bool:
        """Its file patterns name files (report*.csv), rather than take any file (*, *.xlsx)."""
        return any(not re.fullmatch(r"\*(\.\w+)?", p) for p in self.files)

    def header_fit(self, header: list[str]) -> HeaderFit:
        """Which of this mapping's columns a file's header has (names compared by header_key)."""
        return header_fit(self, header)


@dataclass
class HeaderFit:
    mapping: SourceMapping
    present: dict[str, str] = field(default_factory=dict)   # wanted header name -> actual name
    missing_required: list[str] = field(default_factory=list)
    missing_optional: list[str] = field(default_factory=list)
    missing_optional_fields: list[str] = field(default_factory=list)  # canonical names

    @property
    def fits(self) -> bool:
        return not self.missing_required

    @property
    def score(self) -> float:
        wanted = len(self.present) + len(self.missing_required) + len(self.missing_optional)
        return len(self.present) / wanted if wanted else 0.0

    def actual(self, names: list[str]) -> list[str]:
        """The file's own header names for a list of wanted names, those present, in order."""
        return [self.present[n] for n in names if n in self.present]


def header_fit(mapping: SourceMapping, header: list[str]) -> HeaderFit:
    by_key: dict[str, str] = {}
    for name in header:
        by_key.setdefault(header_key(name), name)
    fit = HeaderFit(mapping)

    def find(names: list[str]) -> list[str]:
        found = [n for n in names if header_key(n) in by_key]
        for n in found:
            fit.present[n] = by_key[header_key(n)]
        return found

    required = set(mapping.required_fields)
    for fname, spec in mapping.columns.items():
        if spec.value is not None:
            continue
        found = find(spec.header_names)
        if not found:
            label = " or ".join(f"'{n}'" for n in spec.header_names) + f" ({fname})"
            if fname in required:
                fit.missing_required.append(label)
            else:
                fit.missing_optional.append(label)
                fit.missing_optional_fields.append(fname)
    for group in mapping.contract.required_any:
        specs = [mapping.columns[k] for k in group if k in mapping.columns]
        if specs and all(s.value is None and not any(n in fit.present for n in s.header_names)
                         for s in specs):
            names = [n for s in specs for n in s.header_names]
            fit.missing_required.append(" or ".join(f"'{n}'" for n in names) + f" ({'/'.join(group)})")
    if mapping.stages:
        stage_found = False
        for stage, spec in mapping.stages.items():
            for part in (spec.entered, spec.exited):
                if part is None or part.value is not None:
                    continue
                if find(part.header_names):
                    stage_found = stage_found or part is spec.entered
                else:
                    fit.missing_optional.append(
                        " or ".join(f"'{n}'" for n in part.header_names) + f" (stage {stage})")
                    if part is spec.entered:
                        fit.missing_optional_fields.append(f"stage:{stage}")
        if not stage_found:
            fit.missing_required.append("a date column of at least one stage ("
                                        + ", ".join(mapping.stages) + ")")
    if mapping.filter:
        for column in mapping.filter:
            if not find([column]):
                fit.missing_required.append(f"'{column}' (filter)")
    return fit


def _validate(entry: dict, where: str) -> SourceMapping:
    try:
        return SourceMapping.model_validate(entry)
    except ValidationError as exc:
        name = entry.get("name", "?") if isinstance(entry, dict) else "?"
        lines = [f"{where} ({name}): invalid source mapping:"]
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or "(mapping)"
            lines.append(f"  - {key}: {err['msg']}")
        raise MappingError("\n".join(lines)) from None


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML: {exc}") from exc


def _mapping_list(path: Path, data: Any) -> list:
    if not isinstance(data, dict) or "mappings" not in data:
        raise MappingError(f"{path}: expected a top-level 'mappings:' list")
    entries = data["mappings"]
    if not isinstance(entries, list):
        raise MappingError(f"{path}: 'mappings' must be a list of mappings")
    return entries


def load_presets() -> dict[str, dict]:
    """Raw preset entries by name, from every file in the presets folder."""
    presets: dict[str, dict] = {}
    for path in sorted(PRESETS_DIR.glob("*.yml")):
        for entry in _mapping_list(path, _read_yaml(path)):
            presets[entry["name"]] = entry
    return presets


@dataclass(frozen=True)
class Sources:
    """The mappings in force and the landing files to leave alone."""

    mappings: list[SourceMapping]
    ignore: tuple[str, ...] = ()

    def ignores(self, rel_path: str) -> bool:
        name = rel_path.rsplit("/", 1)[-1].lower()
        return any(fnmatch.fnmatch(rel_path.lower(), p.lower()) or fnmatch.fnmatch(name, p.lower())
                   for p in self.ignore)


def load_sources(sources_file: Path | None = None) -> Sources:
    """`sources_file` when it exists, else every preset."""
    presets = load_presets()
    if sources_file is None or not Path(sources_file).exists():
        return Sources([_validate(e, f"preset {name}") for name, e in presets.items()])
    data = _read_yaml(Path(sources_file))
    entries = _mapping_list(Path(sources_file), data)
    unknown_keys = sorted(set(data) - {"mappings", "ignore"})
    if unknown_keys:
        raise MappingError(f"{sources_file}: unknown top-level key(s) {unknown_keys} "
                           "(expected mappings and ignore)")
    ignore = data.get("ignore") or []
    if not isinstance(ignore, list) or not all(isinstance(p, str) for p in ignore):
        raise MappingError(f"{sources_file}: 'ignore' must be a list of file patterns")
    mappings = []
    for i, entry in enumerate(entries):
        where = f"{sources_file}: mappings[{i}]"
        if not isinstance(entry, dict):
            raise MappingError(f"{where}: each mapping must be a mapping of keys")
        if "preset" in entry:
            name = entry["preset"]
            if name not in presets:
                raise MappingError(
                    f"{where}.preset: no preset named {name!r} (presets: {', '.join(presets)})")
            merged = dict(presets[name])
            merged.update({k: v for k, v in entry.items() if k != "preset"})
            entry = merged
        mappings.append(_validate(entry, where))
    names = [m.name for m in mappings]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise MappingError(f"{sources_file}: mapping names must be unique; repeated: {dupes}")
    return Sources(mappings, tuple(ignore))


def load_mappings(sources_file: Path | None = None) -> list[SourceMapping]:
    return load_sources(sources_file).mappings


def match_mappings(mappings: list[SourceMapping], folder: str, file_name: str,
                   header: list[str] | None) -> list[tuple[SourceMapping, HeaderFit | None]]:
    """The mappings that read a landing file: those whose `files` patterns match its name and
    whose required columns its header has; per extract the best-fitting one. One file may feed
    several extracts. MappingError when none fits, or two fit one extract equally well."""
    named = [m for m in mappings if m.name_matches(folder, file_name)]
    if header is None:  # header unreadable: the reader reports why
        return [(m, None) for m in _one_per_extract([(m, None) for m in named], folder, file_name)]
    fits = [(m, m.header_fit(header)) for m in named]
    fitting = [(m, f) for m, f in fits if f.fits]
    if not fitting:
        # a file its name claims for a mapping, but without that mapping's required columns, is
        # that mapping's to reject (naming what it lacks); header-only mappings claim nothing
        claimed = [(m, f) for m, f in fits if m.claims_by_name]
        if claimed:
            return [max(claimed, key=lambda mf: (len(mf[1].present), mf[1].score))]
        raise MappingError(_no_match_message(mappings, folder, file_name, header))
    chosen = _one_per_extract(fitting, folder, file_name)
    return [(m, f) for m, f in fitting if m in chosen]


def _one_per_extract(candidates, folder: str, file_name: str) -> list[SourceMapping]:
    chosen = []
    for extract in dict.fromkeys(m.extract for m, _ in candidates):
        group = [(m, f) for m, f in candidates if m.extract == extract]
        best = max((f.score if f else 0.0) for _, f in group)
        top = [m for m, f in group if (f.score if f else 0.0) == best]
        if len(top) > 1:
            raise MappingError(
                f"landing/{folder}/{file_name}: several mappings fit it equally for {extract} "
                f"({', '.join(m.name for m in top)}); make their `files` patterns distinct in "
                "sources.yml, or list only the one you use")
        chosen.append(top[0])
    return chosen


def _no_match_message(mappings, folder: str, file_name: str, header: list[str]) -> str:
    ranked = sorted(((m.header_fit(header), m) for m in mappings),
                    key=lambda fm: (-len(fm[0].present), -fm[0].score, fm[1].name))
    named = [m.name for m in mappings if m.name_matches(folder, file_name)]
    lines = [f"landing/{folder}/{file_name}: no source mapping fits this file."]
    if ranked and ranked[0][0].present:
        fit, closest = ranked[0]
        where = "" if closest.folder == folder else f" (a mapping for landing/{closest.folder}/)"
        lines.append(f"  Closest: {closest.name}{where}, which finds "
                     f"{len(fit.present)} of its columns but lacks "
                     + ", ".join(fit.missing_required or ["nothing required"])
                     + ("" if closest.name_matches(closest.folder, file_name)
                        else f"; its file patterns are {', '.join(closest.files)}") + ".")
    elif named:
        lines.append(f"  Its name matches {', '.join(named)}, but none has the columns.")
    lines.append(f"  The file's header: {', '.join(header[:30])}{' ...' if len(header) > 30 else ''}")
    lines.append("  Add a mapping to sources.yml (docs/mappings.md), or list the file under "
                 "`ignore:`; `leadjourney inspect FILE` shows what it holds.")
    return "\n".join(lines)
