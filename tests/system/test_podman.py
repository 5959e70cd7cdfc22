# SPDX-License-Identifier: MIT
"""lastcall as PID 1 of real containers: rootful podman with runc, images built locally
`FROM scratch` with the static lastcall and a static busybox (no registry is reachable), in a
private store under /var/tmp that the session removes. The Dockerfile, README's snippet and
docker/add-to-existing-image.Dockerfile are built as written (the Dockerfile's compile stage
is replaced by the static binary at hand, and debian:12-slim by a local busybox stand-in),
and docs/examples/k8s/ is played with `podman kube play`.

Containers run with `--network none` except the /readyz test, which publishes the admin port
on 127.0.0.1 only. Needs root, podman, runc, catatonit (the pods' infra container) and
busybox-static."""
import fcntl
import json
import os
import pty
import re
import resource
import select
import shutil
import struct
import subprocess
import tempfile
import termios
import time
import urllib.error
import urllib.request

import pytest

import sysutil
from conftest import require_root, require_tools
from sysutil import wait_for

yaml = pytest.importorskip("yaml")

IMAGE = "localhost/lastcall-test:static"
K8S_EXAMPLE = sysutil.REPO / "docs" / "examples" / "k8s" / "deployment.yaml"
DOCKERFILE = sysutil.REPO / "Dockerfile"
SNIPPET = sysutil.REPO / "docker" / "add-to-existing-image.Dockerfile"
DOCKER_README = sysutil.REPO / "docker" / "README.md"
README = sysutil.REPO / "README.md"


def is_static(path):
    with open(path, "rb") as f:
        data = f.read()
    return data[:4] == b"\x7fELF" and b"/ld-linux" not in data and b"ld-musl" not in data


def hard_limit(which, cap):
    hard = resource.getrlimit(which)[1]
    return cap if hard == resource.RLIM_INFINITY else min(hard, cap)


class Podman:
    """podman on a private store, with the options this host needs: runc (crun refuses the
    hybrid cgroup layout), cgroupfs, file events, and ulimits no higher than our own hard
    limits (runc cannot raise them), also for `kube play` through containers.conf."""

    def __init__(self, home):
        self.home = home
        nofile = hard_limit(resource.RLIMIT_NOFILE, 1 << 20)
        nproc = hard_limit(resource.RLIMIT_NPROC, 32768)
        self.ulimits = ["nofile=%d:%d" % (nofile, nofile), "nproc=%d:%d" % (nproc, nproc)]
        self.conf = os.path.join(home, "containers.conf")
        with open(self.conf, "w") as f:
            f.write('[containers]\ndefault_ulimits = %s\n[engine]\nruntime = "runc"\n'
                    'cgroup_manager = "cgroupfs"\nevents_logger = "file"\n'
                    'events_logfile_path = "%s"\n' % (json.dumps(self.ulimits),
                                                      os.path.join(home, "events.log")))
        self.env = dict(os.environ, CONTAINERS_CONF=self.conf)

    def argv(self, *args):
        return ["podman", "--root", os.path.join(self.home, "root"),
                "--runroot", os.path.join(self.home, "run"), "--storage-driver", "vfs",
                "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--events-backend", "file",
                *map(str, args)]

    def __call__(self, *args, timeout=60, check=True, **kwargs):
        return sysutil.run(self.argv(*args), timeout=timeout, check=check, env=self.env, **kwargs)

    def run_args(self, network="none"):
        """`podman run` options: the ulimits, and no network unless one is named."""
        out = [a for u in self.ulimits for a in ("--ulimit", u)]
        return out + (["--network", network] if network else [])

    def build(self, context, tag, dockerfile=None, target=None):
        args = ["build", "--pull=never", "-q", "-t", tag]
        if dockerfile:
            args += ["-f", dockerfile]
        if target:
            args += ["--target", target]
        return self(*args, context, timeout=120)

    def inspect(self, name, fmt):
        return self("inspect", "--format", fmt, name).stdout.strip()

    def logs(self, name):
        out = self("logs", name, check=False)
        return out.stdout + out.stderr

    def version(self):
        text = self("version", "--format", "{{.Client.Version}}").stdout.strip()
        return tuple(int(x) for x in re.findall(r"\d+", text)[:2])


def busybox_rootfs(root):
    """root/bin/busybox (static) with a symlink per applet."""
    busybox = shutil.which("busybox") or "/bin/busybox"
    os.makedirs(os.path.join(root, "bin"), 0o755, exist_ok=True)
    shutil.copyfile(busybox, os.path.join(root, "bin", "busybox"))
    os.chmod(os.path.join(root, "bin", "busybox"), 0o755)
    applets = sysutil.run([busybox, "--list"]).stdout.split()
    for applet in applets:
        link = os.path.join(root, "bin", applet)
        if not os.path.lexists(link):
            os.symlink("busybox", link)


@pytest.fixture(scope="module")
def podman(static_bin):
    require_root()
    require_tools("podman", "runc", "busybox")
    busybox = shutil.which("busybox") or "/bin/busybox"
    if not is_static(busybox):
        pytest.skip("%s is not static (install busybox-static)" % busybox)
    home = tempfile.mkdtemp(prefix="lastcall-podman-", dir="/var/tmp")
    p = Podman(home)
    try:
        ctx = os.path.join(home, "base")
        busybox_rootfs(os.path.join(ctx, "rootfs"))
        os.makedirs(os.path.join(ctx, "rootfs", "usr", "bin"), 0o755)
        shutil.copyfile(static_bin, os.path.join(ctx, "rootfs", "usr", "bin", "lastcall"))
        os.chmod(os.path.join(ctx, "rootfs", "usr", "bin", "lastcall"), 0o755)
        with open(os.path.join(ctx, "Containerfile"), "w") as f:
            f.write('FROM scratch\nCOPY rootfs/ /\nSTOPSIGNAL SIGTERM\n'
                    'ENTRYPOINT ["/usr/bin/lastcall", "--"]\n')
        p.build(ctx, IMAGE)
        yield p
    finally:
        for args in (("pod", "rm", "-af", "-t", "0"), ("rm", "-af", "-t", "0"),
                     ("rmi", "-af"), ("volume", "rm", "-af")):
            subprocess.run(p.argv(*args), env=p.env, capture_output=True, timeout=120)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def containers(podman):
    """name(prefix) gives a unique container name; each is removed (forced) after the test."""
    names = []

    def make(prefix):
        names.append("lastcall-test-%s-%d-%d" % (prefix, os.getpid(), len(names)))
        return names[-1]

    yield make
    for name in names:
        subprocess.run(podman.argv("rm", "-f", "-t", "0", name), env=podman.env,
                       capture_output=True, timeout=60)


def write_config(directory, config, name="lastcall.json", mode=0o644, uid=0):
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        json.dump(config, f)
    os.chmod(path, mode)
    os.chown(path, uid, uid)
    return path


def sh_hook(name, script):
    return {"name": name, "command": ["/bin/sh", "-c", script]}


# --- podman stop, orphans, exit codes -----------------------------------------------------------

@pytest.mark.timeout(60)
def test_podman_stop_runs_the_hooks_into_a_volume(podman, containers, tmp_path):
    """`podman stop`: pre-stop hook, the child's SIGTERM, post-stop hook, in that order, each
    once, written into a volume; lastcall exits with the child's code (7), before podman's
    SIGKILL."""
    out = tmp_path / "out"
    out.mkdir()
    cfg = write_config(tmp_path / "cfg", {"grace": "8s", "hooks": {
        "pre_stop": [sh_hook("pre", "echo pre:$LASTCALL_SIGNAL >> /out/order")],
        "post_stop": [sh_hook("post", "echo post:$LASTCALL_CHILD_EXIT_CODE >> /out/order")]}})
    name = containers("stop")
    podman("run", "-d", "--name", name, *podman.run_args(), "-v", "%s:/out" % out,
           "-v", "%s:/etc/lastcall.json:ro" % cfg, "-e", "LASTCALL_CONFIG=/etc/lastcall.json",
           IMAGE, "sh", "-c", 'trap "echo child-term >> /out/order; exit 7" TERM; '
           'echo up > /out/up; while :; do sleep 1 & wait $!; done')
    wait_for(lambda: (out / "up").exists(), timeout=10, what="the child to start")
    started = time.monotonic()
    podman("stop", "-t", "10", name, timeout=30)
    took = time.monotonic() - started
    assert took < 8, "podman stop took %.1fs" % took
    assert (out / "order").read_text().splitlines() == ["pre:SIGTERM", "child-term", "post:7"]
    assert podman.inspect(name, "{{.State.ExitCode}}") == "7"
    done = [e for e in sysutil.json_events(podman.logs(name)) if e["event"] == "shutdown_complete"]
    assert len(done) == 1 and done[0]["exit_code"] == 7 and done[0]["hooks_ok"] == 2, done


ORPHANS = r"""
n=0; while [ $n -lt 500 ]; do (sleep 4 &); n=$((n+1)); done
echo short > /out/phase
while [ ! -e /out/go ]; do sleep 0.1; done
n=0; while [ $n -lt 500 ]; do (sleep 1000 &); n=$((n+1)); done
echo long > /out/phase
exec sleep 1000
"""


@pytest.mark.timeout(90)
def test_500_orphans_are_reaped_and_none_is_left_at_the_stop(podman, containers, tmp_path):
    """500 orphans that exit on their own leave no zombie in the container's pid namespace;
    500 that do not are all gone before the post-stop hook runs (it sees only lastcall and
    itself)."""
    out = tmp_path / "out"
    out.mkdir()
    census = 'for p in /proc/[0-9]*; do read -r line < $p/stat; echo "$line"; done > /out/left'
    cfg = write_config(tmp_path / "cfg", {"grace": "8s",
                                          "hooks": {"post_stop": [sh_hook("census", census)]}})
    name = containers("orphans")
    podman("run", "-d", "--name", name, *podman.run_args(), "-v", "%s:/out" % out,
           "-v", "%s:/etc/lastcall.json:ro" % cfg, "-e", "LASTCALL_CONFIG=/etc/lastcall.json",
           IMAGE, "sh", "-c", ORPHANS)
    pid1 = int(podman.inspect(name, "{{.State.Pid}}"))
    phase = lambda: (out / "phase").read_text().strip() if (out / "phase").exists() else ""
    wait_for(lambda: phase() == "short", timeout=30, what="500 short-lived orphans")
    most = len(sysutil.processes_in_pid_namespace(pid1))
    assert most >= 300, "only %d processes: the orphans did not run" % most

    def settled():
        # Left: lastcall, the child's shell and what the shell runs itself (its `sleep 0.1`);
        # no orphan (a process lastcall adopted other than its child) and no zombie.
        procs = sysutil.processes_in_pid_namespace(pid1)
        orphans = [p for p in procs if p["ppid"] == pid1 and p["comm"] != "sh"]
        return procs if not orphans and not [p for p in procs if p["state"] == "Z"] else None
    wait_for(settled, timeout=30, what="the orphans to exit and be reaped")

    (out / "go").write_text("")
    wait_for(lambda: phase() == "long", timeout=30, what="500 long-lived orphans")
    alive = sysutil.processes_in_pid_namespace(pid1)
    assert len(alive) >= 502, len(alive)
    started = time.monotonic()
    podman("stop", "-t", "20", name, timeout=40)
    assert time.monotonic() - started < 12
    left = (out / "left").read_text().splitlines()
    states = [line.rsplit(")", 1)[1].split()[0] for line in left]
    assert len(left) == 2 and "Z" not in states, left   # lastcall and the hook's shell
    assert podman.inspect(name, "{{.State.ExitCode}}") == "143"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("script,code", [("exit 3", 3), ("kill -SEGV $$", 139)])
def test_the_exit_code_comes_out_of_podman_run(podman, script, code):
    """The child's exit code, or 128 + N when signal N killed it (lastcall is PID 1, so it
    exits with the code rather than dying of the signal)."""
    out = podman("run", "--rm", *podman.run_args(), IMAGE, "sh", "-c", script, check=False)
    assert out.returncode == code, out.stderr


# --- admin endpoint -----------------------------------------------------------------------------

def http_status(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, ConnectionError, OSError):
        return None


@pytest.mark.timeout(60)
def test_readyz_is_503_during_the_drain(podman, containers):
    """`--listen` published on 127.0.0.1: /readyz is 200 while running, 503 from `podman
    stop` on through the 3 s drain while /healthz stays 200, and never 200 again."""
    port = sysutil.free_port()
    name = containers("readyz")
    podman("run", "-d", "--name", name, *podman.run_args(network=None),
           "-p", "127.0.0.1:%d:9090" % port, "-e", "LASTCALL_LISTEN=0.0.0.0:9090",
           "-e", "LASTCALL_DRAIN=3s", IMAGE, "sleep", "1000")
    base = "http://127.0.0.1:%d" % port
    wait_for(lambda: http_status(base + "/readyz") == 200, timeout=15, what="/readyz 200")
    started = time.monotonic()
    stop = subprocess.Popen(podman.argv("stop", "-t", "10", name), env=podman.env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        samples = []
        while stop.poll() is None and time.monotonic() - started < 20:
            # /healthz first: a sample that straddles lastcall's exit then pairs a refused
            # /readyz with the last 200, never a 503 with a refused /healthz.
            health = http_status(base + "/healthz")
            samples.append((time.monotonic() - started, http_status(base + "/readyz"), health))
            time.sleep(0.05)
        stop.wait(timeout=20)
    finally:
        if stop.poll() is None:
            stop.kill()
            stop.wait()
    took = time.monotonic() - started
    first_503 = next(t for t, ready, _ in samples if ready == 503)
    assert first_503 < 2.0, samples[:5]
    draining = [(t, h) for t, ready, h in samples if ready == 503]
    assert draining[-1][0] - first_503 >= 2.5, draining
    assert all(h == 200 for _, h in draining), [(t, h) for t, h in draining if h != 200]
    assert not [t for t, ready, _ in samples if ready == 200 and t > first_503], samples
    assert took >= 3.0, took
    assert podman.inspect(name, "{{.State.ExitCode}}") == "143"


# --- a terminal ---------------------------------------------------------------------------------

class Pty:
    """A terminal we control: podman runs with it as its controlling terminal."""

    def __init__(self):
        self.master, self.slave = pty.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.output = b""

    def spawn(self, argv, env):
        def make_controlling():
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        proc = subprocess.Popen(argv, stdin=self.slave, stdout=self.slave, stderr=self.slave,
                                env=env, start_new_session=True, preexec_fn=make_controlling)
        os.close(self.slave)
        return proc

    def read_until(self, needle, timeout):
        deadline = time.monotonic() + timeout
        while needle not in self.output:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            ready, _, _ = select.select([self.master], [], [], min(left, 0.2))
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:
                    return needle in self.output
                if not chunk:
                    return needle in self.output
                self.output += chunk
        return True

    def write(self, text):
        os.write(self.master, text.encode())

    def close(self):
        os.close(self.master)


@pytest.mark.timeout(60)
def test_podman_run_it_gives_an_interactive_shell_the_terminal(podman, containers):
    """`podman run -it IMAGE sh` with lastcall as PID 1: the shell stops itself for reading
    the terminal from the background; lastcall hands it the terminal (terminal_handed), the
    shell then runs what is typed, and its exit code comes out of podman run."""
    name = containers("tty")
    term = Pty()
    proc = term.spawn(podman.argv("run", "-it", "--rm", "--name", name, *podman.run_args(),
                                  "-e", "LASTCALL_LOG_FORMAT=json", IMAGE, "sh"), podman.env)
    try:
        term.write("echo hel''lo-$((6*7))\r")
        answered = term.read_until(b"hello-42", timeout=10)
        handed = b'"terminal_handed"' in term.output
        shown = term.output.decode(errors="replace")[-1500:]
        assert answered and handed, "no answer from the shell within 10 s (terminal_handed " \
            "logged: %s); the terminal showed:\n%s" % (handed, shown)
        term.write("exit 3\r")
        term.read_until(b"shutdown_complete", timeout=10)
        assert proc.wait(timeout=15) == 3
    finally:
        if proc.poll() is None:
            subprocess.run(podman.argv("rm", "-f", "-t", "0", name), env=podman.env,
                           capture_output=True, timeout=60)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        term.close()


# --- where the config comes from ----------------------------------------------------------------

def kubelet_configmap(directory, config):
    """The layout the kubelet gives a ConfigMap volume: a directory of mode 0777 holding a
    timestamped data directory, a `..data` symlink to it, and one symlink per key."""
    os.makedirs(directory)
    os.chmod(directory, 0o777)
    data = os.path.join(directory, "..2024_01_01_00_00_00.000000001")
    write_config(data, config)
    os.chmod(data, 0o755)
    os.symlink(os.path.basename(data), os.path.join(directory, "..data"))
    os.symlink("..data/lastcall.json", os.path.join(directory, "lastcall.json"))


def run_with_config(podman, name, image, mounts, config_path):
    return podman("run", "--rm", "--name", name, *podman.run_args(), *mounts,
                  "-e", "LASTCALL_CONFIG=" + config_path, image, "sh", "-c", "echo child ran",
                  check=False)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("layout", ["kubelet ConfigMap", "read-only bind mount of a user's file",
                                    "COPY --chmod=0644"])
def test_the_documented_config_layouts_pass_the_trust_check(podman, containers, tmp_path, layout):
    """As root, each layout docs/kubernetes.md and docker/README.md show starts the child: a
    ConfigMap as the kubelet mounts it (read-only, in a directory of mode 0777), a file of
    uid 1000 with mode 0664 bind-mounted `:ro`, and a `COPY --chmod=0644` from a build
    context made with umask 002."""
    config = {"grace": "5s"}
    name = containers("trust")
    image, mounts, path = IMAGE, [], "/etc/lastcall/lastcall.json"
    if layout == "kubelet ConfigMap":
        kubelet_configmap(str(tmp_path / "configmap"), config)
        mounts = ["-v", "%s:/etc/lastcall:ro" % (tmp_path / "configmap")]
    elif layout.startswith("read-only"):
        cfg = write_config(tmp_path, config, mode=0o664, uid=1000)
        mounts, path = ["-v", "%s:/etc/lastcall.json:ro" % cfg], "/etc/lastcall.json"
    else:
        write_config(tmp_path / "ctx", config, mode=0o664, uid=1000)
        (tmp_path / "ctx" / "Containerfile").write_text(
            "FROM %s\nCOPY --chmod=0644 lastcall.json /etc/lastcall/lastcall.json\n" % IMAGE)
        image = "localhost/lastcall-test:copy-chmod"
        podman.build(tmp_path / "ctx", image)
    out = run_with_config(podman, name, image, mounts, path)
    assert (out.returncode, out.stdout) == (0, "child ran\n"), out.stderr[-2000:]


@pytest.fixture(scope="module")
def plain_copy_image(podman, tmp_path_factory):
    """COPY without --chmod from a umask-002 context: a group-writable config in the image."""
    ctx = tmp_path_factory.mktemp("plain-copy")
    write_config(ctx, {"grace": "5s"}, mode=0o664, uid=1000)
    (ctx / "Containerfile").write_text(
        "FROM %s\nCOPY lastcall.json /etc/lastcall/lastcall.json\n" % IMAGE)
    podman.build(ctx, "localhost/lastcall-test:plain-copy")
    return "localhost/lastcall-test:plain-copy"


@pytest.mark.timeout(60)
def test_a_group_writable_config_in_the_image_is_refused(podman, containers, plain_copy_image):
    """The counter-case: a writable layer is no read-only mount, so a 0664 config there is
    refused as root: exit 2, the child never runs."""
    out = run_with_config(podman, containers("refused"), plain_copy_image, [],
                          "/etc/lastcall/lastcall.json")
    assert (out.returncode, out.stdout) == (2, ""), out.stderr[-2000:]
    assert "writable by its group" in out.stderr, out.stderr


@pytest.mark.timeout(60)
def test_the_refusal_names_the_three_ways_out(podman, containers, plain_copy_image):
    """The refusal says how to fix it: owner root and not writable by group or others, a
    read-only mount, or --insecure-config."""
    out = run_with_config(podman, containers("refusal"), plain_copy_image, [],
                          "/etc/lastcall/lastcall.json")
    errors = [e for e in sysutil.json_events(out.stderr) if e["event"] == "config_error"]
    assert errors, out.stderr
    message = errors[0]["error"]
    ways = {"owner root, not writable by others": ("chmod go-w", "chown root", "not writable"),
            "a read-only mount": ("read-only",), "the opt-out": ("--insecure-config",)}
    missing = [way for way, words in ways.items() if not any(w in message for w in words)]
    assert not missing, "the refusal does not name %s: %s" % (", ".join(missing), message)


# --- Kubernetes manifests under podman kube play ------------------------------------------------

WEB = """#!/bin/sh
# A stand-in for the example's web server: `web --port N` serves until SIGTERM;
# `web admin ACTION ...` (the hooks) prints what it was asked and succeeds.
if [ "$1" = admin ]; then echo "web admin $2"; exit 0; fi
trap 'echo "web: SIGTERM"; exit 0' TERM
echo "web: serving $*"
while :; do sleep 1 & wait $!; done
"""


@pytest.fixture(scope="module")
def web_image(podman, tmp_path_factory):
    """The example's image name, built locally: lastcall, busybox and /usr/local/bin/web."""
    deployment = next(d for d in yaml.safe_load_all(K8S_EXAMPLE.read_text())
                      if d["kind"] == "Deployment")
    name = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    ctx = tmp_path_factory.mktemp("web")
    (ctx / "web").write_text(WEB)
    (ctx / "Containerfile").write_text("FROM %s\nCOPY --chmod=0755 web /usr/local/bin/web\n" % IMAGE)
    podman.build(ctx, name)
    return name


def playable_manifest(path):
    """The example as podman can play it here: one replica, and no container ports (podman
    would publish them on every host address); the probes then name the port by number."""
    docs = list(yaml.safe_load_all(K8S_EXAMPLE.read_text()))
    for d in docs:
        if d["kind"] == "Deployment":
            d["spec"]["replicas"] = 1
            for c in d["spec"]["template"]["spec"]["containers"]:
                ports = {p["name"]: p["containerPort"] for p in c.pop("ports", [])}
                for probe in ("readinessProbe", "livenessProbe"):
                    get = c.get(probe, {}).get("httpGet")
                    if get and get["port"] in ports:
                        get["port"] = ports[get["port"]]
    path.write_text(yaml.safe_dump_all(docs))
    return docs


def play(podman, manifest, log):
    podman("kube", "play", "--network", "none", "--log-driver", "k8s-file",
           "--log-opt", "path=%s" % log, manifest, timeout=120)
    pods = podman("pod", "ps", "--format", "{{.Name}}").stdout.split()
    assert pods, "kube play made no pod"
    return pods


def assert_the_sequence_ran(log_text):
    events = sysutil.json_events(log_text)
    names = [e["event"] for e in events]
    assert "shutdown_started" in names, names
    finished = {e["hook"]: e["status"] for e in events if e["event"] == "hook_finished"}
    assert finished == {"stop-accepting": "ok", "flush-metrics": "ok", "release-lock": "ok"}, finished
    done = [e for e in events if e["event"] == "shutdown_complete"]
    assert len(done) == 1 and done[0]["exit_code"] == 0, done


@pytest.mark.timeout(90)
def test_kube_play_of_the_k8s_example_runs_its_config_and_hooks(podman, web_image, tmp_path):
    """docs/examples/k8s/deployment.yaml under `podman kube play`: the ConfigMap-mounted
    config is accepted (the child starts), and stopping the pod within its
    terminationGracePeriodSeconds runs the whole sequence: drain, both pre-stop hooks, the
    stop, the post-stop hook."""
    manifest = tmp_path / "deployment.yaml"
    docs = playable_manifest(manifest)
    grace = next(d for d in docs if d["kind"] == "Deployment")[
        "spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    log = tmp_path / "web.log"
    try:
        pods = play(podman, manifest, log)
        wait_for(lambda: log.exists() and '"child_started"' in log.read_text(), timeout=15,
                 what="the child to start under the ConfigMap's config")
        podman("pod", "stop", "-t", grace, *pods, timeout=grace + 20)
        assert_the_sequence_ran(log.read_text())
    finally:
        podman("kube", "down", manifest, check=False, timeout=60)


@pytest.mark.timeout(90)
def test_kube_down_runs_the_sequence(podman, web_image, tmp_path):
    """`podman kube down` stops the pod gracefully, so lastcall's sequence runs."""
    if podman.version() < (5, 1):
        pytest.skip("podman %s: `kube down` stops pods with a 0 s timeout (SIGKILL right after "
                    "SIGTERM, podman issue 22397, fixed in 5.1)" % ".".join(map(str, podman.version())))
    manifest = tmp_path / "deployment.yaml"
    playable_manifest(manifest)
    log = tmp_path / "web.log"
    try:
        play(podman, manifest, log)
        wait_for(lambda: log.exists() and '"child_started"' in log.read_text(), timeout=15,
                 what="the child to start")
        podman("kube", "down", manifest, timeout=60)
        assert_the_sequence_ran(log.read_text())
    finally:
        podman("kube", "down", manifest, check=False, timeout=60)


# --- the Dockerfile, README's snippet, docker/ ---------------------------------------------------

def fenced_blocks(markdown, language):
    return re.findall(r"```%s\n(.*?)```" % language, markdown, re.S)


def ctx_file(ctx, relative, source, mode):
    target = os.path.join(ctx, relative)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copyfile(source, target)
    os.chmod(target, mode)
    os.chown(target, 1000, 1000)


@pytest.fixture(scope="module")
def images_as_written(podman, static_bin, tmp_path_factory):
    """Builds the Dockerfile's `static` and `demo` stages, README's first snippet and
    docker/add-to-existing-image.Dockerfile, from build contexts whose files are owned by
    uid 1000 with the modes a umask-002 checkout gives (0664, 0775). Two stand-ins: the
    build stage is the static binary at hand (compiling it is another test's job), and
    debian:12-slim is a busybox image of that name."""
    base = tmp_path_factory.mktemp("slim")
    busybox_rootfs(str(base / "rootfs"))
    (base / "Containerfile").write_text("FROM scratch\nCOPY rootfs/ /\n")
    podman.build(base, "localhost/debian:12-slim")

    repo_ctx = tmp_path_factory.mktemp("repo")
    text = DOCKERFILE.read_text()
    start = text.index("FROM debian:12 AS build")
    end = text.index("\nFROM ", start)
    (repo_ctx / "Dockerfile.as-written").write_text(
        text[:start] + "FROM scratch AS build\nCOPY build-static/lastcall /src/build-static/lastcall\n"
        + text[end + 1:])
    ctx_file(repo_ctx, "build-static/lastcall", static_bin, 0o775)
    for rel, mode in (("docs/examples/demo.json", 0o664), ("docs/examples/demo.sh", 0o775)):
        ctx_file(repo_ctx, rel, sysutil.REPO / rel, mode)
    dockerfile = str(repo_ctx / "Dockerfile.as-written")
    podman.build(repo_ctx, "lastcall:static", dockerfile=dockerfile, target="static")
    podman.build(repo_ctx, "lastcall-demo", dockerfile=dockerfile, target="demo")

    user_ctx = tmp_path_factory.mktemp("user")
    write_config(user_ctx, {"grace": "5s"}, mode=0o664, uid=1000)
    (user_ctx / "README.Dockerfile").write_text(fenced_blocks(README.read_text(), "dockerfile")[0])
    podman.build(user_ctx, "lastcall-test:readme", dockerfile=str(user_ctx / "README.Dockerfile"))
    podman.build(user_ctx, "lastcall-test:snippet", dockerfile=str(SNIPPET))
    return {"static": "lastcall:static", "demo": "lastcall-demo",
            "readme": "lastcall-test:readme", "snippet": "lastcall-test:snippet"}


@pytest.mark.timeout(90)
def test_the_demo_image_runs_and_stops_within_compose_s_grace_period(podman, containers,
                                                                      images_as_written):
    """The demo image (default target), built from a umask-002 checkout, starts its demo
    (the config passes the trust check) and `podman stop -t 15` (compose.yaml's
    stop_grace_period) runs every hook and ends with exit 0."""
    compose = yaml.safe_load((sysutil.REPO / "docker" / "compose.yaml").read_text())
    grace = round(sysutil.seconds(compose["services"]["demo"]["stop_grace_period"]))
    name = containers("demo")
    podman("run", "-d", "--name", name, *podman.run_args(), images_as_written["demo"])
    wait_for(lambda: "demo: tick 1" in podman.logs(name), timeout=15,
             what="the demo to tick; its log:\n%s" % podman.logs(name)[-1500:])
    started = time.monotonic()
    podman("stop", "-t", grace, name, timeout=grace + 20)
    assert time.monotonic() - started < grace - 1
    events = sysutil.json_events(podman.logs(name))
    done = [e for e in events if e["event"] == "shutdown_complete"]
    assert len(done) == 1 and done[0]["hooks_ok"] == 4 and done[0]["exit_code"] == 0, done
    assert podman.inspect(name, "{{.State.ExitCode}}") == "0"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("which", ["readme", "snippet"])
def test_the_snippets_build_as_written_and_accept_their_config(podman, images_as_written, which):
    """README's first snippet and docker/add-to-existing-image.Dockerfile build as written and
    start the child under the config they COPY (a user's file, 0664 before the COPY)."""
    out = podman("run", "--rm", *podman.run_args(), images_as_written[which],
                 "sh", "-c", "echo child ran", check=False)
    assert (out.returncode, out.stdout) == (0, "child ran\n"), out.stderr[-2000:]


@pytest.mark.timeout(60)
def test_the_static_image_size_matches_docker_readme(podman, images_as_written):
    """docker/README.md gives the size of lastcall:static ("about N MB"); it holds within
    0.5 MB."""
    size = int(podman.inspect(images_as_written["static"], "{{.Size}}"))
    m = re.search(r"nothing else \(about ([\d.]+) MB\)", DOCKER_README.read_text())
    assert m, "docker/README.md gives no size"
    assert abs(size / 1e6 - float(m.group(1))) <= 0.5, "lastcall:static is %.2f MB" % (size / 1e6)
