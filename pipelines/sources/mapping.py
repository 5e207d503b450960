"""Source mappings: how one vendor's export layout maps onto the canonical raw contract.

A mapping is declarative YAML (see the presets beside this file and the README):

    - name: hubspot_contacts          # unique name
      extract: ma_leads               # canonical extract (pipelines/contract.py)
      folder: ma                      # landing/<folder>/
      files: ["hubspot-contacts*.csv"]   # glob patterns inside that folder
      encoding: auto                  # auto (UTF-8, UTF-8 with BOM or CP932) | utf-8 | utf-8-sig | cp932
      delimiter: ","
      timezone: Asia/Tokyo            # zone of the times written in the file
      timestamp_formats: ["%Y-%m-%d %H:%M"]   # tried in order (strftime codes)
      date_formats: ["%Y-%m-%d"]
      footer_pattern: null            # regular expression for trailer lines to skip
      required: []                    # canonical fields required on top of the contract
      columns:                        # canonical field -> export column
        lead_id: Record ID
        employees: {column: Number of Employees, values: {"1-5": 1, "1000+": 1000}}
        currency: {value: JPY}        # a constant for a field the export does not carry

`sources.yml` in the workspace holds `mappings:`, a list of such entries or `{preset: NAME}`
(optionally with keys that override the preset's). Without `sources.yml` every preset applies.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipelines.contract import EXTRACTS

PRESETS_DIR = Path(__file__).parent / "presets"
FOLDERS = ("ma", "sfa", "crm")


class MappingError(ValueError):
    """A source mapping that cannot be used; the message names the file, key and problem."""


class ColumnSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str | None = None
    value: str | None = None
    values: dict[str, Any] | None = None
    formats: list[str] | None = None

    @model_validator(mode="after")
    def _column_or_value(self):
        if (self.column is None) == (self.value is None):
            raise ValueError("give either column (an export column) or value (a constant)")
        return self


class SourceMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    extract: str
    folder: Literal["ma", "sfa", "crm"]
    files: list[str] = Field(min_length=1)
    encoding: Literal["auto", "utf-8", "utf-8-sig", "cp932", "shift_jis"] = "auto"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    timezone: str = "Asia/Tokyo"
    timestamp_formats: list[str] = Field(default_factory=lambda: ["%Y-%m-%d %H:%M:%S"])
    date_formats: list[str] = Field(default_factory=lambda: ["%Y-%m-%d"])
    footer_pattern: str | None = None
    required: list[str] = Field(default_factory=list)
    columns: dict[str, ColumnSpec]

    @field_validator("columns", mode="before")
    @classmethod
    def _shorthand(cls, v):
        if isinstance(v, dict):
            return {k: ({"column": s} if isinstance(s, str) else s) for k, s in v.items()}
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
        unmapped = [k for k in self.required_fields if k not in self.columns]
        if unmapped:
            raise ValueError(f"required field(s) {unmapped} of {self.extract} are not mapped")
        for group in extract.required_any:
            if not any(k in self.columns for k in group):
                raise ValueError(f"map at least one of {list(group)} for {self.extract}")
        return self

    @property
    def contract(self):
        return EXTRACTS[self.extract]

    @property
    def required_fields(self) -> list[str]:
        return list(dict.fromkeys(EXTRACTS[self.extract].required_fields + self.required))

    def matches(self, folder: str, file_name: str) -> bool:
        return folder == self.folder and any(
            fnmatch.fnmatch(file_name.lower(), pattern.lower()) for pattern in self.files)


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


def _read_yaml_list(path: Path, key: str | None) -> list:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML: {exc}") from exc
    if key is not None:
        if not isinstance(data, dict) or key not in data:
            raise MappingError(f"{path}: expected a top-level '{key}:' list")
        data = data[key]
    if not isinstance(data, list):
        raise MappingError(f"{path}: '{key or 'the file'}' must be a list of mappings")
    return data


def load_presets() -> dict[str, dict]:
    """Raw preset entries by name, from every file in the presets folder."""
    presets: dict[str, dict] = {}
    for path in sorted(PRESETS_DIR.glob("*.yml")):
        for entry in _read_yaml_list(path, "mappings"):
            presets[entry["name"]] = entry
    return presets


def load_mappings(sources_file: Path | None = None) -> list[SourceMapping]:
    """The mappings in force: `sources_file` when it exists, else every preset."""
    presets = load_presets()
    if sources_file is None or not Path(sources_file).exists():
        return [_validate(e, f"preset {name}") for name, e in presets.items()]
    entries = _read_yaml_list(Path(sources_file), "mappings")
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
    return mappings


def match_mapping(mappings: list[SourceMapping], folder: str, file_name: str) -> SourceMapping:
    """The one mapping for a landing file; MappingError when none or several match."""
    found = [m for m in mappings if m.matches(folder, file_name)]
    if not found:
        patterns = "; ".join(f"{m.name}: {', '.join(m.files)}" for m in mappings
                             if m.folder == folder) or "none"
        raise MappingError(
            f"landing/{folder}/{file_name}: no source mapping matches this file name. Rename the "
            f"file or add a mapping to sources.yml (mappings for {folder}/: {patterns})")
    if len(found) > 1:
        raise MappingError(
            f"landing/{folder}/{file_name}: several mappings match ({', '.join(m.name for m in found)});"
            " make their `files` patterns distinct in sources.yml")
    return found[0]
