"""Every key of the rules file is live: changing it changes some output (issue 12).

The walk takes each leaf of pipelines/defaults/leadjourney.yml, changes it (generic changes by
type, tried in turn, or a named one where the generic change would be invalid), and looks for a
changed output on the 2,000-lead demo (made messier where a rule's branch needs it), cheapest
first:
1. the marts: the config tables are rewritten with the changed rules and the dbt models that
   read a changed config table or column are rebuilt from their compiled SQL (the dbt manifest),
   with everything downstream, inside a transaction that is rolled back afterwards;
2. the ingest: a file with dates near the ingest's bounds read with the changed rules (its
   quarantine);
3. the data-quality results: the Great Expectations suites run with the changed rules;
4. the dashboard: the SLA page rendered (AppTest) on a copy of the serving database whose config
   tables carry the changed rules (the language and the masking of personal data).
A key that changes none of them is a dead key and fails the test.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import time
from pathlib import Path

import duckdb

from pipelines.config_tables import all_frames, write_config_tables
from pipelines.rules import Rules, load_defaults_dict

# Keys whose generic change is invalid or meaningless, with the change to make instead:
# the (path, value) pairs set together.
OVERRIDES = {
    ("calendar", "company_holidays"): [(("calendar", "company_holidays"), ["2026-06-01", "2026-06-02"])],
    ("recycling", "reapproach_after_loss", "no_budget", "budgeting_season"):
        [(("recycling", "reapproach_after_loss", "no_budget"), {"months": 6})],
    # the segment rule applies to persons without a CRM account: make every one of them enterprise
    ("segments",): [(("segments",), [{"segment": "enterprise", "min_employees": 0}])],
    # a USD report: the JPY targets are converted with a JPY rate
    ("locale", "currency"): [(("locale", "currency"), "USD"),
                             (("fx_rates",), [{"currency": "JPY", "rate": 0.0067}])],
    ("ingest", "earliest_date"): [(("ingest", "earliest_date"), "1980-01-01")],
}
# String keys: the alternative value to try.
STRINGS = {
    ("locale", "default_language"): "en",
    ("locale", "currency"): "USD",
    ("calendar", "timezone"): "America/New_York",
    ("calendar", "holidays_country"): "US",
    ("calendar", "business_hours", "start"): "10:00",
    ("calendar", "business_hours", "end"): "17:00",
    ("reporting", "as_of"): "2026-09-30T18:00:00",
    ("scoring", "model"): "additive",
    ("sla", "first_contact_clock"): "business",
    ("targets", "currency"): "USD",
    # an open stage's forecast category: another one
    **{("pipeline", "stages", stage, "forecast"): other for stage, other in (
        ("problem_recognised", "best_case"), ("information_gathering", "best_case"), ("comparison", "commit"),
        ("internal_approval", "commit"), ("decision", "best_case"), ("negotiation", "best_case"))},
}


def leaves(node: dict, path: tuple = ()):
    for key, value in node.items():
        if isinstance(value, dict) and value:
            yield from leaves(value, (*path, key))
        else:
            yield (*path, key), value


def _numbers(value):
    if isinstance(value, int):
        return [value * 2 or 1, value // 2, value + 1, value - 1]
    return [value * 2 or 1.0, value / 2, value + 1, value - 1, value * 1.05, value * 0.95]


def candidates(path: tuple, value) -> list[list[tuple[tuple, object]]]:
    """Changes to try for one leaf, in order; each a list of (path, new value) set together."""
    if path in OVERRIDES:
        return [OVERRIDES[path]]
    if isinstance(value, bool):
        return [[(path, not value)]]
    if isinstance(value, int | float):
        return [[(path, v)] for v in _numbers(value)]
    if isinstance(value, str):
        assert path in STRINGS, f"no alternative value known for the string key {'.'.join(path)}: add one"
        return [[(path, STRINGS[path])]]
    if isinstance(value, list) and value and isinstance(value[0], dict):
        first = value[0]
        field = next(k for k, v in first.items() if isinstance(v, int | float) and not isinstance(v, bool))
        return [[(path, [{**first, field: v}, *value[1:]])] for v in _numbers(first[field])]
    if isinstance(value, list) and value:
        return [[(path, value[1:])], [(path, value[:-1])]]
    raise AssertionError(f"no change known for {'.'.join(path)} = {value!r}: add one to OVERRIDES")


def changed_rules(defaults: dict, path: tuple, value):
    """The valid changed rules for one leaf, one per candidate change, in order."""
    for change in candidates(path, value):
        data = copy.deepcopy(defaults)
        for set_path, new in change:
            node = data
            for key in set_path[:-1]:
                node = node[key]
            node[set_path[-1]] = new
        try:
            yield Rules.model_validate(data)
        except ValueError:
            continue


# --- the marts: replay the dbt models that read a changed config table ------------------------

RULE_COLUMN = re.compile(r'select\s+(\w+)\s+from\s+"[^"]+"\."config"\."rules"', re.IGNORECASE)


class Replay:
    """The dbt models of the manifest, rebuilt in place from their compiled SQL."""

    def __init__(self, con: duckdb.DuckDBPyConnection, manifest: dict):
        self.con = con
        models = {k: n for k, n in manifest["nodes"].items() if n["resource_type"] == "model"}
        # An incremental model's compiled SQL depends on its previous state: not replayed, not compared.
        self.models = {k: n for k, n in models.items() if n["config"]["materialized"] != "incremental"}
        self.children: dict[str, set[str]] = {k: set() for k in self.models}
        for key, node in self.models.items():
            for parent in node["depends_on"]["nodes"]:
                if parent in self.children:
                    self.children[parent].add(key)
        self.order = self._topological()
        self.marts = sorted(n["relation_name"] for n in self.models.values() if n["schema"] == "marts")

    def _topological(self) -> list[str]:
        done, order = set(), []

        def visit(key):
            if key in done:
                return
            done.add(key)
            for parent in self.models[key]["depends_on"]["nodes"]:
                if parent in self.models:
                    visit(parent)
            order.append(key)

        for key in self.models:
            visit(key)
        return order

    def readers(self, tables: set[str], rule_columns: set[str]) -> set[str]:
        """Models reading a changed config table (config.rules: a changed column), with descendants."""
        direct = set()
        for key, node in self.models.items():
            sources = {d.split(".")[-1] for d in node["depends_on"]["nodes"] if d.startswith("source.")
                       and ".config." in d}
            if sources & (tables - {"rules"}):
                direct.add(key)
            if "rules" in sources and set(RULE_COLUMN.findall(node["compiled_code"])) & rule_columns:
                direct.add(key)
        todo, found = list(direct), set(direct)
        while todo:
            for child in self.children[todo.pop()]:
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return found

    def rebuild(self, keys: set[str]) -> None:
        for key in self.order:
            if key in keys:
                node = self.models[key]
                sql = node["compiled_code"]
                self.con.execute(f"CREATE OR REPLACE TABLE {node['relation_name']} AS {sql}")

    def fingerprint(self) -> dict[str, tuple]:
        return {name: self.con.execute(f"SELECT count(*), sum(hash(t)) FROM {name} AS t").fetchone()
                for name in self.marts}


def config_changes(base: dict, new: dict) -> tuple[set[str], set[str]]:
    """Config tables whose content differs, and the changed columns of config.rules."""
    tables = {name for name, frame in new.items() if not frame.equals(base[name])}
    columns = set()
    if "rules" in tables:
        b, n = base["rules"].row(0, named=True), new["rules"].row(0, named=True)
        columns = {c for c in n if b.get(c) != n[c]}
    return tables, columns


# --- the ingest -------------------------------------------------------------------------------


def ingest_fingerprint(folder: Path, rules: Rules) -> list[tuple]:
    """The quarantine of an SFA opportunities export whose dates sit near the ingest's bounds."""
    from datetime import UTC, datetime, timedelta

    from pipelines.ingest.reader import DateLimits, read_file
    from tests.test_reader import OPP_HEADER, PRESETS

    now = datetime.now(UTC).replace(tzinfo=None)
    path = folder / "sfa-opportunities-bounds.csv"
    if not path.exists():
        rows = [("1989-12-31 10:00", "2026-05-20"), ("1990-01-02 10:00", "2026-05-20"),
                (f"{now + timedelta(days=1.5):%Y-%m-%d %H:%M}", "2026-05-20"),
                (f"{now + timedelta(days=3):%Y-%m-%d %H:%M}", "2026-05-20"),
                ("2026-04-03 10:15", f"{now.year + 9}-06-01"), ("2026-04-03 10:15", f"{now.year + 11}-06-01")]
        lines = [f"006{i},案件,zcrm_1,山田製作所,00Q1,t@y.co.jp,松本 隆,ウェビナー,1000,JPY,交渉,"
                 f"{created.replace('-', '/')},{close.replace('-', '/')},,"
                 for i, (created, close) in enumerate(rows)]
        path.write_bytes(("\r\n".join([OPP_HEADER, *lines]) + "\r\n").encode("cp932"))
    limits = DateLimits.from_rules(rules)
    chunks = list(read_file(path, PRESETS["demo_salesforce_jp_opportunities"], limits=limits))
    return sorted((r["_line_number"], r["reason_kind"])
                  for _, bad in chunks for r in bad.iter_rows(named=True))


# --- the data-quality results -----------------------------------------------------------------


def quality_results(con: duckdb.DuckDBPyConnection, rules: Rules) -> dict[tuple, dict]:
    from expectations.runner import run_suite
    from expectations.suites import SUITES

    rows = [row for suite in SUITES for row in run_suite(con, suite, rules, "walk").rows]
    return {(r["suite"], r["expectation"], str(r["label"]), str(r["column_name"]), str(r["month"])):
            {k: repr(r[k]) for k in ("observed_value", "threshold", "element_count", "unexpected_count",
                                     "passed", "severity")} for r in rows}


class Quality:
    """The check results as a comparable value; fields that differ between two runs with the same
    rules (a freshness age measured against the clock) are left out."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con, self.base, self.unstable = con, {}, set()

    def fingerprint(self, rules: Rules) -> dict:
        results = quality_results(self.con, rules)
        return {key: {f: v for f, v in fields.items() if (key, f) not in self.unstable}
                for key, fields in results.items()}

    def baseline(self, rules: Rules) -> dict:
        name = rules.model_dump_json()
        if name not in self.base:
            first = quality_results(self.con, rules)
            time.sleep(1.1)  # a value measured against the clock (freshness ages) moves in a second
            second = quality_results(self.con, rules)
            self.unstable |= {(key, f) for key in first.keys() & second.keys()
                              for f in first[key] if first[key][f] != second[key][f]}
            self.base[name] = self.fingerprint(rules)
        return self.base[name]


# --- the dashboard ----------------------------------------------------------------------------


def dashboard_fingerprint(ws: Path, rules: Rules, monkeypatch) -> str:
    from dashboard.ui import _serving
    from tests.conftest import app_page

    _serving.clear()  # the dashboard's connection to the copy this one overwrites (closed when dropped)
    copy_ws = ws.parent / "walk_ws"
    shutil.rmtree(copy_ws, ignore_errors=True)
    copy_ws.mkdir()
    shutil.copy(ws / "serving.duckdb", copy_ws / "serving.duckdb")
    with duckdb.connect(str(copy_ws / "serving.duckdb")) as con:
        write_config_tables(con, rules)
    at = app_page(copy_ws, "sla", monkeypatch)
    shown = [at.title[0].value] + [frame.value.to_csv() for frame in at.dataframe]
    return json.dumps(shown, ensure_ascii=False)


def context(defaults: dict, path: tuple) -> dict:
    """The defaults a key is judged against: a key of the scoring model not in use is walked with
    that model selected (its thresholds, bands and what-if apply only then)."""
    data = copy.deepcopy(defaults)
    if path[0] == "scoring" and len(path) > 2 and path[1] != defaults["scoring"]["model"]:
        data["scoring"]["model"] = path[1]
    return data


# The demo's data, made as messy as real exports where a rule has a branch the demo never takes:
# industries outside the fit table; companies whose prefecture nobody recorded (the default region
# points); leads with free-mail addresses, one of them typed in as an account's domain; open deals
# in every stage.
_SOME_ACCOUNTS = "SELECT account_id FROM raw.crm_accounts ORDER BY account_id LIMIT 20"
MESSY = (
    "UPDATE raw.ma_leads SET industry = 'agriculture' WHERE lead_id IN "
    "(SELECT lead_id FROM raw.ma_leads ORDER BY lead_id LIMIT 20)",
    # the leads of those accounts (the accounts' domain holds their website)
    "UPDATE raw.ma_leads SET prefecture = NULL WHERE company_domain IN (SELECT "
    r"regexp_replace(domain, '^https?://(www\.)?', '') FROM raw.crm_accounts "
    f"WHERE account_id IN ({_SOME_ACCOUNTS}))",
    f"UPDATE raw.crm_accounts SET prefecture = NULL WHERE account_id IN ({_SOME_ACCOUNTS})",
    "UPDATE raw.ma_leads SET email = lower(lead_id) || '@gmail.com', company_domain = NULL WHERE lead_id IN "
    "(SELECT lead_id FROM raw.ma_leads ORDER BY lead_id DESC LIMIT 10)",
    "UPDATE raw.crm_accounts SET domain = 'gmail.com' WHERE account_id = "
    "(SELECT max(account_id) FROM raw.crm_accounts)",
    # open deals in every open stage, in turn (a small demo may have none open in some stages at its
    # as-of time)
    "UPDATE raw.sfa_opportunities AS o SET stage = s.stage FROM (SELECT opportunity_id, "
    "['problem_recognised', 'information_gathering', 'comparison', 'internal_approval', 'decision', "
    "'negotiation'][1 + (row_number() OVER (ORDER BY opportunity_id) - 1) % 6] AS stage "
    "FROM (SELECT DISTINCT opportunity_id FROM raw.sfa_opportunities WHERE stage NOT LIKE 'closed%')) AS s "
    "WHERE o.opportunity_id = s.opportunity_id",
)


def test_every_rules_key_changes_some_output(demo_workspace, tmp_path, monkeypatch):
    defaults = load_defaults_dict()
    default_frames = all_frames(Rules.model_validate(defaults))
    warehouse = tmp_path / "warehouse.duckdb"  # the catalog keeps its name: the compiled SQL names it
    shutil.copy(demo_workspace / "warehouse.duckdb", warehouse)
    manifest = json.loads((demo_workspace / ".dbt" / "target" / "manifest.json").read_text(encoding="utf-8"))
    con = duckdb.connect(str(warehouse))
    con.execute("SET threads = 1")  # the same sums of floating-point values on every rebuild
    replay = Replay(con, manifest)
    for statement in MESSY:
        con.execute(statement)
    # The baseline is a replay too (dbt's own build may sum in another order), and replays repeat.
    replay.rebuild(set(replay.models))
    default_marts = replay.fingerprint()
    con.execute("BEGIN TRANSACTION")
    replay.rebuild(set(replay.models))
    assert replay.fingerprint() == default_marts, "rebuilding the same data twice gives other marts"
    con.execute("ROLLBACK")
    quality = Quality(con)
    dashboards: dict[str, str] = {}

    def dashboard(rules: Rules) -> str:
        name = rules.model_dump_json()
        if name not in dashboards:
            dashboards[name] = dashboard_fingerprint(demo_workspace, rules, monkeypatch)
        return dashboards[name]

    def where_changed(base_rules: Rules, rules: Rules) -> str | None:
        """The first output that differs between the two rules: marts, check results, dashboard."""
        base_frames = all_frames(base_rules)
        tables, columns = config_changes(base_frames, all_frames(rules))
        moved, moved_columns = config_changes(default_frames, base_frames)
        models = replay.readers(tables | moved, columns | moved_columns) if tables else set()
        if models:
            con.execute("BEGIN TRANSACTION")
            try:
                base_marts = default_marts
                if moved:
                    write_config_tables(con, base_rules, transaction=False)
                    replay.rebuild(models)
                    base_marts = replay.fingerprint()
                write_config_tables(con, rules, transaction=False)
                replay.rebuild(models)
                if replay.fingerprint() != base_marts:
                    return f"marts ({len(models)} models rebuilt)"
            finally:
                con.execute("ROLLBACK")
        if ingest_fingerprint(tmp_path, base_rules) != ingest_fingerprint(tmp_path, rules):
            return "the ingest's quarantine"
        if quality.baseline(base_rules) != quality.fingerprint(rules):
            return "quality results"
        if dashboard(rules) != dashboard(base_rules):
            return "dashboard"
        return None

    dead, outcome = [], {}
    for path, value in leaves(defaults):
        key, started = ".".join(path), time.perf_counter()
        base_data = context(defaults, path)
        base_rules = Rules.model_validate(base_data)
        tried = 0
        for rules in changed_rules(base_data, path, value):
            tried += 1
            where = where_changed(base_rules, rules)
            if where:
                outcome[key] = where
                break
        assert tried, f"{key}: no valid change found: add one to OVERRIDES"
        took = time.perf_counter() - started
        print(f"{key}: {outcome.get(key, 'no change')} ({tried} tried, {took:.1f} s)")
        if key not in outcome:
            dead.append(key)
    con.close()
    assert len(outcome) + len(dead) >= 90  # the walk reached every section
    assert not dead, "keys that change no output:\n  " + "\n  ".join(dead)
