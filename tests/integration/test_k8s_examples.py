# SPDX-License-Identifier: MIT
"""docs/examples/k8s/: every manifest loads, the lastcall config in each ConfigMap passes
`lastcall --check` together with the container's own lastcall options, and the pod's budget
holds: terminationGracePeriodSeconds >= k8s preStop + grace + post_stop_timeout + margin
(docs/kubernetes.md)."""
import json
import posixpath
import re
import subprocess

import pytest

import support

yaml = pytest.importorskip("yaml")

K8S = support.REPO / "docs" / "examples" / "k8s"
MARGIN_MS = 2000  # at least this much for reaping and lastcall's own exit
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "Pod"}


def manifests():
    docs = []
    for path in sorted(K8S.rglob("*.yaml")) + sorted(K8S.rglob("*.yml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc is not None:
                docs.append((path.name, doc))
    return docs


def pod_spec(doc):
    return doc["spec"] if doc["kind"] == "Pod" else doc["spec"]["template"]["spec"]


def lastcall_containers():
    """[(manifest name, workload, pod spec, container)] for every container run by lastcall."""
    found = []
    for name, doc in manifests():
        if doc.get("kind") not in WORKLOADS:
            continue
        spec = pod_spec(doc)
        for c in spec.get("containers", []):
            if c.get("command") and posixpath.basename(c["command"][0]) == "lastcall":
                found.append((name, doc, spec, c))
    return found


def config_maps():
    return {doc["metadata"]["name"]: doc for _n, doc in manifests() if doc.get("kind") == "ConfigMap"}


def mounted_config(spec, container, config_path):
    """The text of the file at config_path in the container, from a ConfigMap volume."""
    maps = config_maps()
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        directory = mount["mountPath"].rstrip("/")
        if posixpath.dirname(config_path) != directory:
            continue
        source = volumes[mount["name"]].get("configMap")
        assert source, "volume %s is not a ConfigMap" % mount["name"]
        key = posixpath.basename(config_path)
        for item in source.get("items", []):
            if item["path"] == key:
                key = item["key"]
        return maps[source["name"]]["data"][key]
    raise AssertionError("nothing mounted at %s" % config_path)


def lastcall_options(container):
    """lastcall's own arguments: the command up to `--` (the workload comes after it)."""
    argv = container["command"][1:]
    return argv[:argv.index("--")] if "--" in argv else argv


def option_value(options, *names):
    for i, arg in enumerate(options):
        if arg in names:
            return options[i + 1]
        for name in names:
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def k8s_prestop_ms(container):
    """A k8s lifecycle.preStop hook's time: `sleep N` (exec or the sleep action), else 0."""
    hook = container.get("lifecycle", {}).get("preStop")
    if not hook:
        return 0
    if "sleep" in hook:
        return hook["sleep"]["seconds"] * 1000
    command = " ".join(hook.get("exec", {}).get("command", []))
    m = re.search(r"\bsleep\s+(\d+(?:\.\d+)?)", command)
    assert m, "cannot tell how long preStop %r takes" % command
    return float(m.group(1)) * 1000


@pytest.fixture
def plan_of(lastcall_bin, tmp_path):
    """plan_of(container, spec) -> the --check plan of the container's lastcall, run with its
    own options and its ConfigMap's config."""
    def plan(spec, container):
        options = lastcall_options(container)
        config_path = option_value(options, "-c", "--config")
        assert config_path, "lastcall runs without a config file"
        local = tmp_path / posixpath.basename(config_path)
        local.write_text(mounted_config(spec, container, config_path))
        args = [str(local) if a == config_path else a for a in options]
        args = [a.replace("=" + config_path, "=" + str(local)) for a in args]
        env = {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}
        out = subprocess.run([lastcall_bin, *args, "--check"], capture_output=True, text=True,
                             timeout=10, env=support.clean_env(env))
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)
    return plan


def test_every_manifest_loads():
    docs = manifests()
    assert docs, "no manifest in docs/examples/k8s"
    kinds = {doc["kind"] for _n, doc in docs}
    assert {"Deployment", "ConfigMap"} <= kinds
    for name, doc in docs:
        assert doc.get("apiVersion") and doc.get("metadata", {}).get("name"), name
    assert lastcall_containers(), "no container has lastcall as its entrypoint"


@pytest.mark.parametrize("index", range(len(lastcall_containers())))
def test_config_passes_check_and_fits_the_grace_period(plan_of, index):
    """terminationGracePeriodSeconds >= k8s preStop + grace + post_stop_timeout + margin: the
    kubelet counts from the deletion, runs preStop, then sends SIGTERM; lastcall's grace counts
    from that trigger and holds drain and pre_stop; post_stop comes after the grace."""
    name, _doc, spec, container = lastcall_containers()[index]
    plan = plan_of(spec, container)
    period_ms = spec.get("terminationGracePeriodSeconds", 30) * 1000
    need = k8s_prestop_ms(container) + plan["grace_ms"] + plan["post_stop_timeout_ms"] + MARGIN_MS
    assert period_ms >= need, "%s: terminationGracePeriodSeconds %ds < %d ms" % (
        name, period_ms // 1000, need)
    # The pre-stop hooks and the drain leave the child a share of the grace.
    pre_cap = min(plan["pre_stop_timeout_ms"], plan["grace_ms"] - plan["drain_ms"])
    assert plan["grace_ms"] - plan["drain_ms"] - pre_cap > 0, "nothing left for the child"
    # Each phase's hooks fit in its cap, priority group after priority group.
    for phase, cap in (("pre_stop", pre_cap), ("post_stop", plan["post_stop_timeout_ms"])):
        groups = {}
        for h in plan["hooks"][phase]:
            groups[h["priority"]] = max(groups.get(h["priority"], 0), h["effective_timeout_ms"])
        assert sum(groups.values()) <= cap, "%s hooks of %s outlast their cap" % (phase, name)


@pytest.mark.parametrize("index", range(len(lastcall_containers())))
def test_probes_use_lastcalls_listener(plan_of, index):
    """readinessProbe on /readyz and livenessProbe on /healthz at lastcall's --listen port;
    the drain lasts long enough for the readiness probe to see the 503."""
    name, _doc, spec, container = lastcall_containers()[index]
    plan = plan_of(spec, container)
    listen = plan.get("listen") or option_value(lastcall_options(container), "--listen")
    assert listen, "%s: lastcall has no --listen for the probes" % name
    port = int(listen.rsplit(":", 1)[1])
    ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
    assert port in ports.values(), "%s: port %d is not declared" % (name, port)
    readiness = container["readinessProbe"]
    liveness = container["livenessProbe"]
    for probe, path in ((readiness, "/readyz"), (liveness, "/healthz")):
        get = probe["httpGet"]
        assert get["path"] == path
        assert ports.get(get["port"], get["port"]) == port
    seen_after_ms = readiness.get("periodSeconds", 10) * readiness.get("failureThreshold", 3) * 1000
    assert plan["drain_ms"] >= seen_after_ms, "%s: drain ends before readiness turns false" % name
