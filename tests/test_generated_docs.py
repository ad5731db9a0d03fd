"""Documents derived from code stay equal to it (regenerate with `make docs`)."""

from pathlib import Path

from psi_contracts.permissions import PERMISSIONS, render_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_permissions_doc_is_current() -> None:
    published = (ROOT / "docs/permissions.md").read_text()
    assert published == render_markdown(), "docs/permissions.md is stale: run `make docs`"
    assert published.count("\n| ") == len(PERMISSIONS) + 1  # header row plus one row per route
