"""Checks what deploy/ ships: the Dockerfile, the Kubernetes manifests, the compose file, the
Grafana dashboard and the example configurations, each against a schema and against the daemon
itself (configurations are loaded by the real binary, dashboard metrics are looked up in
src/metrics/families.rs). Run by scripts/check-deploy.sh inside its tools venv; changes nothing.

Usage: check_deploy.py --bin PATH/TO/skillsync [--root REPO]
"""

import argparse
import sys
import tomllib
from pathlib import Path

from deploy_check.common import Failed
from deploy_check.compose import check_compose
from deploy_check.configs import check_configs
from deploy_check.dashboard import check_dashboard
from deploy_check.image import check_dockerfile, check_dockerignore
from deploy_check.kubernetes import check_k8s_consistency, check_k8s_schemas, check_kustomization

CHECKS = [
    ("Dockerfile", check_dockerfile),
    (".dockerignore", check_dockerignore),
    ("Kubernetes schemas", check_k8s_schemas),
    ("kustomization", check_kustomization),
    ("Kubernetes wiring", check_k8s_consistency),
    ("docker-compose.yml", check_compose),
    ("Grafana dashboard", check_dashboard),
    ("configurations", check_configs),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True, help="the skillsync binary")
    parser.add_argument("--root", default=str(Path(__file__).resolve().parent.parent))
    ctx = parser.parse_args()
    ctx.root = Path(ctx.root).resolve()
    ctx.base_config = tomllib.loads((ctx.root / "config/base.toml").read_text())
    failed = 0
    for name, check in CHECKS:
        try:
            print(f"ok    {name}: {check(ctx)}", flush=True)
        except Failed as e:
            failed += 1
            print(f"FAIL  {name}: {e}", flush=True)
        except Exception as e:  # a malformed file: report it as that check's failure
            failed += 1
            print(f"FAIL  {name}: {type(e).__name__}: {e}", flush=True)
    print(f"check-deploy: {len(CHECKS) - failed} of {len(CHECKS)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
