"""What the loaded sources can measure.

A stage, SLA rule or money measure (ARR, pipeline amounts) is measurable when at least one loaded
file carries a field that observes it (`carries` in pipelines/contract.py, or a stage of the
stage-events extract). The manifest keeps,
per load, the fields the file filled; `config.measure_sources` (written from the contract) and
the dbt model `marts.measure_coverage` turn that into one row per measure, which the funnel marts,
the dashboard, the deck and the run summary read: a measure no loaded source carries is reported
as not measurable, never inferred or shown as zero.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines.contract import EXTRACTS, JOURNEY_STAGES

SLA_RULES = ("first_contact", "attempts", "decision", "reason", "bant")
MONEY = ("arr", "pipeline")
MEASURES = (tuple(f"stage:{s}" for s in JOURNEY_STAGES) + tuple(f"sla:{r}" for r in SLA_RULES)
            + tuple(f"money:{m}" for m in MONEY))

_SLA_LABELS = {
    "first_contact": ("初回接触SLA", "first-contact SLA"),
    "attempts": ("追客回数SLA", "follow-up attempts SLA"),
    "decision": ("判定SLA", "decision SLA"), "reason": ("非SQL理由SLA", "non-SQL reason SLA"),
    "bant": ("SQL判定のBANT基準", "BANT rule at SQL decisions"),
}
_MONEY_LABELS = {"arr": ("ARR（契約・MRR）", "ARR (subscriptions)"),
                 "pipeline": ("商談金額", "opportunity amounts")}


def measures_of(extract: str, field: str) -> tuple[str, ...]:
    """The measures a field of an extract carries (a stage-events `stage:<s>` is itself one)."""
    if field.startswith("stage:"):
        return (field,)
    spec = EXTRACTS[extract]
    return spec.get_field(field).carries if field in spec.field_names else ()


def measure_order(measure: str) -> int:
    return MEASURES.index(measure) if measure in MEASURES else len(MEASURES)


def measure_label(measure: str, lang: str = "en") -> str:
    from pipelines.i18n import code_label

    kind, name = measure.split(":", 1)
    if kind == "stage":
        return code_label("stage", name, lang)
    ja, en = (_SLA_LABELS if kind == "sla" else _MONEY_LABELS).get(name, (name, name))
    return ja if lang == "ja" else en


def measure_sources_frame() -> pl.DataFrame:
    """config.measure_sources: (extract, field, measure) for every field that carries a measure."""
    rows = [(e.name, f.name, m) for e in EXTRACTS.values() for f in e.fields for m in f.carries]
    rows += [("stage_events", f"stage:{s}", f"stage:{s}") for s in JOURNEY_STAGES]
    return pl.DataFrame(rows, schema={"extract": pl.Utf8, "field": pl.Utf8, "measure": pl.Utf8},
                        orient="row")


def measure_coverage(ws_or_path) -> dict[str, bool]:
    """measure -> measurable, from the warehouse's marts.measure_coverage (empty before dbt ran)."""
    import duckdb

    path = Path(getattr(ws_or_path, "warehouse", ws_or_path))
    if not path.exists():
        return {}
    con = duckdb.connect(str(path), read_only=True)
    try:
        if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'marts' "
                           "AND table_name = 'measure_coverage'").fetchone()[0]:
            return {}
        return dict(con.execute("SELECT measure, is_measurable FROM marts.measure_coverage").fetchall())
    finally:
        con.close()
