"""The README stays true: its contract section is the contract."""

from pathlib import Path

from pipelines.contract import contract_markdown

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_documents_the_canonical_contract_exactly():
    text = README.read_text(encoding="utf-8")
    section = text.split("<!-- contract:start -->\n")[1].split("<!-- contract:end -->")[0]
    assert section.strip() == contract_markdown().strip(), (
        "README contract section is stale: regenerate it from pipelines.contract.contract_markdown()")


def test_readme_quick_start_has_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert "pip install uv && uv run leadjourney demo" in text
    assert "\nuv run pytest " in text
