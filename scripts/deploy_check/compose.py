"""deploy/docker-compose.yml: the Compose Specification's schema (shipped by check-jsonschema),
then the services and their wiring; `docker compose config` too when the plugin is installed."""

import importlib.resources
import json
import shutil
import subprocess

import jsonschema
import yaml

from .common import require


def check_compose(ctx):
    path = ctx.root / "deploy/docker-compose.yml"
    compose = yaml.safe_load(path.read_text())
    schema_file = importlib.resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(schema_file.read_text())
    errors = [
        f"{'.'.join(map(str, e.path))}: {e.message}"
        for e in jsonschema.validators.validator_for(schema)(schema).iter_errors(compose)
    ]
    require(not errors, "compose-spec: " + "; ".join(errors))
    services = compose.get("services", {})
    for name in ("postgres", "sim", "skillsync"):
        require(name in services, f"no service {name}")
        require("healthcheck" in services[name], f"service {name} has no healthcheck")
    app = services["skillsync"]
    for dep in ("postgres", "sim"):
        condition = app.get("depends_on", {}).get(dep, {}).get("condition")
        require(
            condition == "service_healthy", f"skillsync must wait for {dep} to be healthy, not {condition!r}"
        )
    for name in ("sim", "skillsync"):
        build = services[name].get("build", {})
        context = (path.parent / build.get("context", ".")).resolve()
        require(
            (context / build.get("dockerfile", "Dockerfile")).is_file(),
            f"service {name}: no Dockerfile at its build context {context}",
        )
    env = app.get("environment", {})
    require(isinstance(env, dict), "skillsync's environment must be a map")
    require(
        any(k.startswith("SKILLSYNC__SERVER__INGEST_TOKENS__") for k in env), "skillsync has no ingest token"
    )
    require(
        "@postgres:" in env.get("SKILLSYNC__DATABASE__URL", ""),
        "the database URL must point at the postgres service",
    )
    sim_port = services["sim"]["command"][services["sim"]["command"].index("--listen") + 1].rpartition(":")[2]
    require(
        env.get("SKILLSYNC__PLATFORM__BASE_URL") == f"http://sim:{sim_port}",
        "the platform URL must point at the sim service",
    )
    detail = "compose-spec schema, services, healthchecks, depends_on conditions, wiring"
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        run = subprocess.run(
            [docker, "compose", "-f", str(path), "config", "-q"], capture_output=True, text=True
        )
        require(run.returncode == 0, "docker compose config: " + run.stderr)
        detail += "; docker compose config"
    else:
        detail += " (docker compose plugin not installed: `docker compose config` skipped)"
    return detail
