"""deploy/grafana: the dashboard's structure, and every metric its queries name looked up in the
registrations of src/metrics/families.rs (with the suffix its type gets in the exposition)."""

import json
import re

from .common import require


def exported_metrics(root):
    """Exposition name -> type, read from the registrations in src/metrics/families.rs."""
    source = (root / "src/metrics/families.rs").read_text()
    struct = re.search(r"pub\(super\) struct Families \{(.*?)\n\}", source, re.S)
    require(struct, "cannot find `pub(super) struct Families` in src/metrics/families.rs")
    fields = dict(re.findall(r"pub (\w+): ([^\n]+),", struct.group(1)))
    names = {}
    for name, field in re.findall(
        r'\br\.register\(\s*"(\w+)",\s*"[^"]*",\s*f\.(\w+)\.clone\(\)', source
    ):
        kind = (
            "histogram"
            if "Histogram" in fields[field]
            else "counter"
            if "Counter" in fields[field]
            else "gauge"
        )
        base = "skillsync_" + name
        if kind == "counter":
            names[base + "_total"] = kind
        elif kind == "histogram":
            names.update({base + s: kind for s in ("_bucket", "_sum", "_count")})
        else:
            names[base] = kind
    require(
        len(names) >= 10, f"found only {len(names)} metrics in src/metrics/families.rs: has its layout changed?"
    )
    return names


def check_dashboard(ctx):
    dashboard = json.loads((ctx.root / "deploy/grafana/skillsync-dashboard.json").read_text())
    inputs = {i["name"] for i in dashboard.get("__inputs", []) if i.get("pluginId") == "prometheus"}
    require("DS_PROMETHEUS" in inputs, "no DS_PROMETHEUS datasource input")
    metrics = exported_metrics(ctx.root)
    panels = [p for p in dashboard["panels"] if p.get("type") != "row"]
    ids = [p["id"] for p in dashboard["panels"]]
    require(len(ids) == len(set(ids)), "panel ids repeat")
    used, errors = set(), []
    for panel in panels:
        title = panel.get("title", "?")
        require(
            panel.get("datasource", {}).get("uid") == "${DS_PROMETHEUS}",
            f"panel {title!r} does not use ${{DS_PROMETHEUS}}",
        )
        require("gridPos" in panel and panel.get("targets"), f"panel {title!r} lacks gridPos or targets")
        for target in panel["targets"]:
            expr = target.get("expr", "")
            for name in re.findall(r"\bskillsync_\w+", expr):
                if name not in metrics:
                    errors.append(f"panel {title!r}: {name} is not exported")
                used.add(name)
            for func, name in re.findall(r"\b(rate|increase)\(\s*(skillsync_\w+)", expr):
                if metrics.get(name) == "gauge":
                    errors.append(f"panel {title!r}: {func}() of the gauge {name}")
    require(not errors, "; ".join(errors))
    unused = sorted({n for n in metrics if n.endswith(("_total", "_bucket")) or metrics[n] == "gauge"} - used)
    note = f"; not shown: {', '.join(unused)}" if unused else "; every exported metric is shown"
    return f"{len(panels)} panels, every query names an exported metric with the right suffix{note}"
