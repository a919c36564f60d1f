"""What every check shares: the failure type, YAML loading, the Dockerfile's final stage (its
ENV is the container's environment) and the Kubernetes objects in deploy/kubernetes."""

import re

import yaml

K8S_DIR = "deploy/kubernetes"
SECRET_TEMPLATE = "secret.example.yaml"


class Failed(Exception):
    """A check found a problem; the message says which."""


def require(condition, message):
    if not condition:
        raise Failed(message)


def yaml_docs(path):
    try:
        with open(path) as f:
            return [d for d in yaml.safe_load_all(f) if d]
    except yaml.YAMLError as e:
        raise Failed(f"{path.name} is not valid YAML: {e}") from e


def by_kind(docs, kind):
    return [d for d in docs if d.get("kind") == kind]


def one(docs, kind):
    found = by_kind(docs, kind)
    require(len(found) == 1, f"expected one {kind}, found {len(found)}")
    return found[0]


def subset(small, big):
    return all(big.get(k) == v for k, v in (small or {}).items())


def dockerfile_instructions(root):
    """(instruction, arguments) of the Dockerfile's last stage, continuation lines joined."""
    text = (root / "Dockerfile").read_text()
    lines = re.sub(r"\\\n", " ", text).splitlines()
    stages, current = [], []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            current = []
            stages.append(current)
        current.append((word.upper(), rest.strip()))
    require(stages, "Dockerfile has no FROM")
    return stages[-1]


def image_env(root):
    env = {}
    for word, rest in dockerfile_instructions(root):
        if word == "ENV":
            for pair in rest.split():
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def k8s_objects(ctx):
    docs = []
    for path in sorted((ctx.root / K8S_DIR).glob("*.yaml")):
        if path.name != "kustomization.yaml":
            docs += yaml_docs(path)
    return docs
