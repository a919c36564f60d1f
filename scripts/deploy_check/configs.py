"""The example configurations, loaded by the skillsync binary itself (`print-config`), with the
environment each is deployed with: the image's ENV plus the Secret template, or compose's."""

import subprocess
import tempfile
import tomllib
from pathlib import Path

import yaml

from .common import image_env, k8s_objects, one, require


def print_config(ctx, args, env, label):
    """Runs `skillsync … print-config` with only `env` (plus PATH), returning the parsed TOML."""
    run = subprocess.run(
        [ctx.bin, *args, "print-config"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "RUST_BACKTRACE": "0", **env},
    )
    require(run.returncode == 0, f"{label}: skillsync print-config failed:\n{run.stderr.strip()}")
    return tomllib.loads(run.stdout)


def check_configs(ctx):
    image = image_env(ctx.root)
    docs = k8s_objects(ctx)
    secret_env = {k: str(v) for k, v in one(docs, "Secret").get("stringData", {}).items()}
    configmap = one(docs, "ConfigMap")
    loaded = []
    with tempfile.TemporaryDirectory() as tmp:
        for key, text in configmap["data"].items():
            file = Path(tmp) / key
            file.write_text(text)
            config = print_config(ctx, ["--config", str(file)], {**image, **secret_env}, f"ConfigMap {key}")
            require(
                config["platform"]["client_secret"] == "[redacted]",
                "ConfigMap + Secret: the client secret is not set",
            )
            require(
                config["server"]["listen"].startswith("0.0.0.0:"),
                "ConfigMap + image: the API listens on loopback",
            )
            loaded.append(f"ConfigMap {key}")
    example = ctx.root / "config/production.example.toml"
    config = print_config(ctx, ["--config", str(example)], {**image, **secret_env}, example.name)
    require(
        config["database"]["url"] == "[redacted]",
        f"{example.name}: the database URL from the environment is lost",
    )
    require(
        config["platform"]["base_url"] == "",
        f"{example.name}: base_url must be empty so that the region applies",
    )
    loaded.append(example.name)
    app = yaml.safe_load((ctx.root / "deploy/docker-compose.yml").read_text())["services"]["skillsync"]
    command = [c for c in app.get("command", []) if c != "serve"]
    env = {k: str(v) for k, v in app.get("environment", {}).items()}
    config = print_config(ctx, command, {**image, **env}, "docker-compose skillsync")
    require(config["server"]["ingest_tokens"], "docker-compose: no ingest token reached the configuration")
    loaded.append("docker-compose environment")
    return "loaded by the binary: " + ", ".join(loaded)
