"""The house plan (issue 10), checked on every run: one format, the import rules, short functions.

Beside ``test_ruff_is_clean`` (tests/test_metrics_and_packaging.py). Each fails with the offenders named, so the
fix is the first thing a reader sees.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
#: The longest function allowed in the services, the gateway and the chassis (bench/, tests and migrations aside).
MAX_FUNCTION_LINES = 60


def test_the_tree_is_formatted() -> None:
    result = subprocess.run([str(BIN / "ruff"), "format", "--check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, "run `.venv/bin/ruff format .`\n" + result.stdout + result.stderr


def test_import_rules_hold() -> None:
    """.importlinter: domain imports no framework or other room, service/ no api or broker, no service another."""
    result = subprocess.run([str(BIN / "lint-imports")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr
    assert "0 broken" in result.stdout


def _long_functions(root: Path = ROOT, tops: tuple[str, ...] = ("services", "gateway", "chassis")) -> list[str]:
    found = []
    for top in tops:
        for path in sorted((root / top).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if "/tests/" in relative or "/migrations/" in relative:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > MAX_FUNCTION_LINES:
                        found.append(f"{relative}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_function_is_longer_than_60_lines() -> None:
    assert _long_functions() == []


def test_the_length_check_can_fail(tmp_path: Path) -> None:
    """A 61-line function is reported, a 60-line one is not, and tests and migrations are not read."""
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES - 1))
    (tmp_path / "services" / "tests").mkdir(parents=True)
    (tmp_path / "services" / "fine.py").write_text(f"def fits():\n{body}\n")
    (tmp_path / "services" / "long.py").write_text(f"def too_long():\n{body}\n    y = 0\n")
    (tmp_path / "services" / "tests" / "test_x.py").write_text(f"def test_long():\n{body}\n    y = 0\n")
    assert _long_functions(tmp_path, ("services",)) == ["services/long.py:1 too_long (61 lines)"]


#: The rules a newcomer looks for, each in a file of its own name under ``domain/`` (docs/architecture.md,
#: "Where do I find ...").
RULE_FILES = {
    "purchasing": (
        "model.py",
        "commands.py",
        "errors.py",
        "requisition.py",
        "conversion.py",
        "replenishment.py",
        "pricing.py",
        "approval.py",
        "four_eyes.py",
        "fx.py",
        "short_close.py",
        "purchase_return.py",
        "business_time.py",
    ),
    "inventory": (
        "model.py",
        "commands.py",
        "errors.py",
        "low_stock.py",
        "valuation.py",
        "reservation_book.py",
        "documents.py",
        "moves.py",
        "stock_book.py",
        "supplier_returns.py",
        "shipments.py",
        "business_time.py",
    ),
    "sales": ("commands.py", "errors.py", "customer.py", "credit.py", "pricing.py", "order.py"),
    "finance": (
        "commands.py",
        "errors.py",
        "journal.py",
        "chart.py",
        "periods.py",
        "posting_rules.py",
        "receivables.py",
        "reconciliation.py",
        "three_way_match.py",
        "payables.py",
        "payments.py",
        "exchange_rates.py",
        "statements.py",
        "aging.py",
    ),
}
ROOMS = ("domain", "adapters", "service", "api")


def test_every_service_has_the_same_rooms_and_its_rules_by_name() -> None:
    missing = []
    for service in ("purchasing", "inventory", "sales", "finance", "reporting"):
        package = ROOT / "services" / service / "src" / f"psi_{service}"
        missing += [f"{service}: {room}/" for room in ROOMS if not (package / room / "__init__.py").is_file()]
        missing += [
            f"{service}: {name}" for name in ("config.py", "consumers.py", "app.py") if not (package / name).is_file()
        ]
        missing += [
            f"{service}: domain/{name}"
            for name in RULE_FILES.get(service, ())
            if not (package / "domain" / name).is_file()
        ]
    assert missing == []


def test_event_type_names_come_from_contracts_only() -> None:
    """No service writes an event type's name (``"<service>.<Event>.v<n>"``) itself: it imports it."""
    import re

    name = re.compile(r"""["'](purchasing|inventory|sales|finance|reporting)\.[A-Z][A-Za-z]+\.v[0-9]+["']""")
    found = []
    for path in sorted((ROOT / "services").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/tests/" in relative or "/migrations/" in relative:
            continue
        found += [f"{relative}: {m.group(0)}" for m in name.finditer(path.read_text(encoding="utf-8"))]
    assert found == []
