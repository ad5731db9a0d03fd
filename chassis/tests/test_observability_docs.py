"""Every shared metric is documented, and every alert has its runbook section (docs/observability.md,
docs/runbooks.md, deploy/prometheus/rules/psi.yml)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from prometheus_client.metrics import MetricWrapperBase

from psi_chassis import metrics

ROOT = Path(__file__).resolve().parents[2]


def _runbook_anchors() -> set[str]:
    headings = re.findall(r"^#{2,3} (.+)$", (ROOT / "docs/runbooks.md").read_text(), flags=re.MULTILINE)
    return {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}


def test_every_alert_names_a_runbook_section_that_exists() -> None:
    rules = yaml.safe_load((ROOT / "deploy/prometheus/rules/psi.yml").read_text())
    anchors = _runbook_anchors()
    alerts = [rule for group in rules["groups"] for rule in group["rules"]]
    assert {"ConsumerStalledOnDatabase", "DeadLetterQueueNotEmpty"} <= {a["alert"] for a in alerts}
    for alert in alerts:
        url = alert["annotations"]["runbook_url"]
        assert url == f"docs/runbooks.md#{alert['alert'].lower()}", url
        assert alert["alert"].lower() in anchors, f"no runbook section for {alert['alert']}"


def test_every_shared_metric_is_documented() -> None:
    documented = (ROOT / "docs/observability.md").read_text()
    shared = [m for m in vars(metrics).values() if isinstance(m, MetricWrapperBase)]
    names = {m._name + ("_total" if m._type == "counter" else "") for m in shared}
    assert {"psi_messages_retried_in_place_total", "psi_consumer_stalled_since_seconds"} <= names
    missing = sorted(name for name in names if f"`{name}`" not in documented)
    assert missing == [], f"not in docs/observability.md: {missing}"
