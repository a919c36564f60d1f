"""deploy/kubernetes: every object against Kubernetes' strict JSON schemas (the ServiceMonitor
against scripts/schemas), the kustomization, and the wiring between the objects."""

import json
import shutil
import subprocess
import tomllib

import jsonschema
import kubernetes_validate
import yaml

from .common import K8S_DIR, SECRET_TEMPLATE, k8s_objects, one, require, subset, yaml_docs

# The oldest Kubernetes still commonly run and the newest kubernetes-validate knows.
K8S_VERSIONS = ["1.29.0", kubernetes_validate.utils.latest_version()]


def servicemonitor_schema(ctx):
    return json.loads((ctx.root / "scripts/schemas/servicemonitor-monitoring-v1.json").read_text())


def validate_k8s_docs(ctx, docs, where):
    errors = []
    for doc in docs:
        name = f"{where}: {doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
        if doc.get("kind") == "ServiceMonitor":
            for e in jsonschema.Draft202012Validator(servicemonitor_schema(ctx)).iter_errors(doc):
                errors.append(f"{name}: {'.'.join(map(str, e.path))}: {e.message}")
            continue
        for version in K8S_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as e:
                errors.append(f"{name} (Kubernetes {version}): {'.'.join(map(str, e.path))}: {e.message}")
            except kubernetes_validate.utils.SchemaNotFoundError as e:
                errors.append(f"{name}: {e.message}")
    require(not errors, "\n  ".join(errors))


def check_k8s_schemas(ctx):
    files = sorted(p for p in (ctx.root / K8S_DIR).glob("*.yaml") if p.name != "kustomization.yaml")
    count = 0
    for path in files:
        docs = yaml_docs(path)
        require(docs, f"{path.name} holds no object")
        validate_k8s_docs(ctx, docs, path.name)
        count += len(docs)
    versions = " and ".join(K8S_VERSIONS)
    return f"{count} objects in {len(files)} files; Kubernetes {versions} strict; ServiceMonitor: own schema"


def check_kustomization(ctx):
    folder = ctx.root / K8S_DIR
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    listed = kustomization.get("resources", [])
    for name in listed:
        require((folder / name).is_file(), f"kustomization.yaml lists {name}, which does not exist")
    present = {p.name for p in folder.glob("*.yaml")} - {"kustomization.yaml", SECRET_TEMPLATE}
    require(not present - set(listed), f"not listed in kustomization.yaml: {sorted(present - set(listed))}")
    require(SECRET_TEMPLATE not in listed, f"{SECRET_TEMPLATE} must stay out of kustomization.yaml")
    kubectl = shutil.which("kubectl")
    if not kubectl:
        return f"{len(listed)} resources listed and present (kubectl not installed: kustomize build skipped)"
    run = subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True)
    require(run.returncode == 0, "kubectl kustomize: " + run.stderr)
    docs = [d for d in yaml.safe_load_all(run.stdout) if d]
    validate_k8s_docs(ctx, docs, "kustomize output")
    namespace = kustomization.get("namespace")
    secret = one(yaml_docs(folder / SECRET_TEMPLATE), "Secret")
    require(
        secret["metadata"].get("namespace") == namespace,
        f"{SECRET_TEMPLATE} is in namespace {secret['metadata'].get('namespace')!r}, "
        f"the others in {namespace!r}",
    )
    return f"{len(listed)} resources; `kubectl kustomize` renders {len(docs)} objects, all valid"


def check_k8s_consistency(ctx):
    docs = k8s_objects(ctx)
    deployment, service = one(docs, "Deployment"), one(docs, "Service")
    monitor, configmap, secret = one(docs, "ServiceMonitor"), one(docs, "ConfigMap"), one(docs, "Secret")
    spec, pod = deployment["spec"], deployment["spec"]["template"]["spec"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    require(
        isinstance(spec.get("replicas"), int) and spec["replicas"] >= 2,
        "run at least 2 replicas: they elect a leader and the other takes over when it dies",
    )
    require(
        subset(spec["selector"]["matchLabels"], pod_labels),
        "the Deployment's selector does not match its pods",
    )
    container = next(c for c in pod["containers"] if c["name"] == "skillsync")
    ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    probes = {k: container.get(k, {}).get("httpGet", {}) for k in ("livenessProbe", "readinessProbe")}
    require(probes["livenessProbe"].get("path") == "/healthz", "livenessProbe must GET /healthz")
    require(probes["readinessProbe"].get("path") == "/readyz", "readinessProbe must GET /readyz")
    require(
        container["readinessProbe"].get("timeoutSeconds", 1) >= 6,
        "readinessProbe.timeoutSeconds must be at least 6: /readyz takes about 5 s during a database outage",
    )
    for name, probe in probes.items():
        require(
            probe.get("port") in ports or probe.get("port") in ports.values(), f"{name} names an unknown port"
        )
    for kind in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            require(
                resource in container.get("resources", {}).get(kind, {}),
                f"resources.{kind}.{resource} is not set",
            )
    require(pod.get("securityContext", {}).get("runAsNonRoot") is True, "the pod must set runAsNonRoot")
    security = container.get("securityContext", {})
    require(
        security.get("readOnlyRootFilesystem") is True, "the container must have a read-only root filesystem"
    )
    require(
        security.get("allowPrivilegeEscalation") is False,
        "the container must set allowPrivilegeEscalation: false",
    )
    # The config file: --config names a file of the mounted ConfigMap.
    args = container.get("args", [])
    require("--config" in args, "the container must pass --config")
    config_path = args[args.index("--config") + 1]
    mount = next(
        (m for m in container.get("volumeMounts", []) if config_path.startswith(m["mountPath"] + "/")), None
    )
    require(mount, f"--config {config_path} is on no volume mount")
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    require(
        volume.get("configMap", {}).get("name") == configmap["metadata"]["name"],
        f"{config_path} is not from the ConfigMap",
    )
    key = config_path[len(mount["mountPath"]) + 1 :]
    require(key in configmap.get("data", {}), f"the ConfigMap has no key {key}")
    # Secrets: every reference resolves to the template.
    secret_keys = set(secret.get("stringData", {})) | set(secret.get("data", {}))
    for ref in container.get("envFrom", []):
        if "secretRef" in ref:
            require(
                ref["secretRef"]["name"] == secret["metadata"]["name"],
                "envFrom names a Secret other than the template",
            )
    for env in container.get("env", []):
        ref = env.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            require(
                ref["name"] == secret["metadata"]["name"] and ref["key"] in secret_keys,
                f"env {env['name']}: unknown secret key",
            )
    placeholders = [k for k, v in secret.get("stringData", {}).items() if "CHANGE-ME" not in str(v)]
    require(
        not placeholders and not secret.get("data"),
        f"{SECRET_TEMPLATE} must hold placeholders only: {placeholders}",
    )
    # Shutdown: the kubelet waits longer than skillsync's own grace period.
    config = tomllib.loads(configmap["data"][key])
    grace = config.get("server", {}).get("grace_period_secs", ctx.base_config["server"]["grace_period_secs"])
    require(
        pod.get("terminationGracePeriodSeconds", 30) > grace,
        f"terminationGracePeriodSeconds must exceed server.grace_period_secs ({grace})",
    )
    # Service and ServiceMonitor.
    require(subset(service["spec"]["selector"], pod_labels), "the Service's selector does not match the pods")
    service_ports = {p["name"] for p in service["spec"]["ports"]}
    for p in service["spec"]["ports"]:
        require(
            p["targetPort"] in ports or p["targetPort"] in ports.values(),
            f"Service port {p['name']} targets no container port",
        )
    require(
        subset(monitor["spec"]["selector"].get("matchLabels"), service["metadata"].get("labels", {})),
        "the ServiceMonitor's selector does not match the Service",
    )
    for endpoint in monitor["spec"]["endpoints"]:
        require(
            endpoint.get("port") in service_ports,
            f"ServiceMonitor endpoint port {endpoint.get('port')} is not a Service port",
        )
    require(
        "metrics" in service_ports and ports.get("metrics") == 9090,
        "the metrics port must be named `metrics` (9090)",
    )
    return "selectors, ports, probes, config mount, Secret references, grace period, at least 2 replicas"
