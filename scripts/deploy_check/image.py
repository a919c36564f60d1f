"""The image: the Dockerfile (hadolint, then what the deployment relies on) and .dockerignore
(the build context holds every file cargo reads)."""

import fnmatch
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from .common import dockerfile_instructions, image_env, require


def check_dockerfile(ctx):
    hadolint = Path(sys.executable).parent / "hadolint"
    run = subprocess.run([str(hadolint), "Dockerfile"], cwd=ctx.root, capture_output=True, text=True)
    require(run.returncode == 0, "hadolint:\n" + run.stdout + run.stderr)
    final = dockerfile_instructions(ctx.root)
    args = {w: r for w, r in final}
    user = args.get("USER", "").split(":")[0]
    require(
        user.isdigit() and user != "0", f"the runtime stage must run as a numeric non-root USER, not {user!r}"
    )
    require("/healthz" in args.get("HEALTHCHECK", ""), "HEALTHCHECK must call /healthz")
    require(args.get("ENTRYPOINT") == '["skillsync"]', 'ENTRYPOINT must be ["skillsync"]')
    require(args.get("CMD") == '["serve"]', 'CMD must be ["serve"]')
    env = image_env(ctx.root)
    exposed = set(args.get("EXPOSE", "").split())
    for key in ("SKILLSYNC__SERVER__LISTEN", "SKILLSYNC__SERVER__METRICS_LISTEN"):
        host, _, port = env.get(key, "").rpartition(":")
        require(host == "0.0.0.0", f"ENV {key} must listen on 0.0.0.0, not {env.get(key)!r}")
        require(port in exposed, f"EXPOSE lacks port {port} of {key}")
    return "hadolint clean; non-root USER, HEALTHCHECK /healthz, listeners on 0.0.0.0 and exposed"


def dockerignore_includes(patterns, path):
    """Whether `path` reaches the build context: the last matching pattern wins, and a pattern
    matching a directory matches everything under it (Docker's rules, for the patterns we use)."""
    included = True
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        if any(fnmatch.fnmatchcase(p, pattern) for p in prefixes):
            included = negated
    return included


def check_dockerignore(ctx):
    text = (ctx.root / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in text if line.strip() and not line.startswith("#")]
    manifest = tomllib.loads((ctx.root / "Cargo.toml").read_text())
    # Every file cargo reads to accept the manifest and build the binary.
    needed = ["Cargo.toml", "Cargo.lock", "config/base.toml"]
    needed += [manifest.get("lib", {}).get("path", "src/lib.rs")]
    for section, folder in (
        ("bin", "src/bin"),
        ("test", "tests"),
        ("bench", "benches"),
        ("example", "examples"),
    ):
        for target in manifest.get(section, []):
            needed.append(target.get("path", f"{folder}/{target['name']}.rs"))
    needed += [str(p.relative_to(ctx.root)) for p in sorted((ctx.root / "migrations").glob("*.sql"))]
    needed += [str(p.relative_to(ctx.root)) for p in sorted((ctx.root / "src").rglob("*.rs"))]
    # Files the sources embed: include_str!/include_bytes! paths, relative to the including file.
    for source in sorted((ctx.root / "src").rglob("*.rs")):
        for embedded in re.findall(r'include_(?:str|bytes)!\(\s*"([^"]+)"', source.read_text()):
            needed.append(str((source.parent / embedded).resolve().relative_to(ctx.root.resolve())))
    missing = [p for p in needed if not dockerignore_includes(patterns, p)]
    require(not missing, f".dockerignore leaves out files the build needs: {missing[:5]}")
    for heavy in ("target/release/skillsync", ".git/HEAD"):
        require(not dockerignore_includes(patterns, heavy), f".dockerignore lets {heavy} into the context")
    return f"the build context holds the {len(needed)} files cargo needs, and no target/ or .git/"
