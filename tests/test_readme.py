"""The README and docs stay true: docs/contract.md is the contract."""

from pathlib import Path

from pipelines.contract import contract_markdown

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def test_docs_document_the_canonical_contract_exactly():
    text = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    section = text.split("<!-- contract:start -->\n")[1].split("<!-- contract:end -->")[0]
    assert section.strip() == contract_markdown().strip(), (
        "docs/contract.md is stale: regenerate it from pipelines.contract.contract_markdown()")


def test_every_preset_is_documented():
    from pipelines.sources.mapping import load_presets

    text = (ROOT / "docs" / "mappings.md").read_text(encoding="utf-8")
    missing = [name for name in load_presets() if not name.startswith("demo_") and f"`{name}`" not in text]
    assert missing == []


def test_readme_quick_start_has_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert "pip install uv && uv run leadjourney demo" in text
    assert "\nuv run pytest " in text


def test_the_empty_bucket_is_one_value_in_python_and_dbt():
    from pipelines.contract import NO_VALUE

    macro = (ROOT / "dbt_project" / "macros" / "stages.sql").read_text(encoding="utf-8")
    body = macro.split("{% macro no_value() -%}")[1].split("{%- endmacro %}")[0]
    assert f"'{NO_VALUE}'" in body


def test_the_journey_stages_are_one_list_in_python_and_dbt():
    import re

    from pipelines.contract import JOURNEY_STAGES

    macro = (ROOT / "dbt_project" / "macros" / "stages.sql").read_text(encoding="utf-8")
    body = macro.split("{% macro journey_stages() -%}")[1].split("{%- endmacro %}")[0]
    assert tuple(re.findall(r"'stage': '(\w+)'", body)) == JOURNEY_STAGES


def test_versioned_extract_keys_are_the_contract_keys():
    import re

    from pipelines.contract import EXTRACTS

    macro = (ROOT / "dbt_project" / "macros" / "leadjourney.sql").read_text(encoding="utf-8")
    body = macro.split("{% macro versioned_extracts() -%}")[1].split("{%- endmacro %}")[0]
    pairs = re.findall(r"'(\w+)': \(\[([^\]]*)\]", body)
    keys = {name: tuple(re.findall(r"'(\w+)'", key)) for name, key in pairs}
    assert keys == {name: e.key for name, e in EXTRACTS.items() if e.versioned}
