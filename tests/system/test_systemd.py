# SPDX-License-Identifier: MIT
"""The shipped unit, packaging/systemd/lastcall@.service, under a real systemd: a minimal
Debian 12 tree (debootstrap, cached between runs under /var/cache) booted with
`systemd-nspawn -b` on a throw-away overlay, with the static lastcall installed in it.
Commands run inside through nsenter into the container's init.

Each test uses its own instance (lastcall@NAME runs /usr/local/bin/NAME under
/etc/lastcall/NAME.json); the workloads are /bin/sh scripts that record what they see
(their pid, environment, fds, signals) under /var/lib/lctest/NAME/, which the test reads
through the overlay. Needs root, systemd-nspawn, debootstrap and overlayfs."""
import fcntl
import glob
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

import sysutil
from conftest import require_root, require_tools
from sysutil import wait_for

UNIT = sysutil.REPO / "packaging" / "systemd" / "lastcall@.service"
SYSTEMD_DOC = sysutil.REPO / "docs" / "systemd.md"
SUITE = "bookworm"
DEBOOTSTRAP_ARGS = ["--variant=minbase", "--include=systemd,systemd-sysv,dbus", SUITE]
CACHE = os.environ.get("LASTCALL_SYSTEM_CACHE", "/var/cache/lastcall-tests")
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
OUT = "/var/lib/lctest"


def apt_mirror():
    """The Debian mirror this machine's apt uses for the suite (deb822 or one-line sources)."""
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        with open(path) as f:
            stanzas = f.read().split("\n\n")
        for stanza in stanzas:
            fields = {}
            for line in stanza.splitlines():
                if line.strip() and not line.startswith("#") and ":" in line:
                    key, _, value = line.partition(":")
                    fields[key.strip().lower()] = value.split()
            if "deb" in fields.get("types", []) and SUITE in fields.get("suites", []):
                return fields["uris"][0]
    for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
        try:
            with open(path) as f:
                for line in f:
                    m = re.match(r"\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+%s\s" % SUITE, line)
                    if m:
                        return m.group(1)
        except FileNotFoundError:
            pass
    return "http://deb.debian.org/debian"


def cached_rootfs():
    """A minimal Debian tree with systemd, made once by debootstrap and kept under CACHE
    (the overlay of each run leaves it untouched). A lock serialises concurrent first runs."""
    home = os.path.join(CACHE, "%s-systemd" % SUITE)
    rootfs, done = os.path.join(home, "rootfs"), os.path.join(home, "complete")
    os.makedirs(home, exist_ok=True)
    with open(os.path.join(home, "lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(done) as f:
                if json.load(f).get("args") == DEBOOTSTRAP_ARGS:
                    return rootfs
        except (FileNotFoundError, ValueError):
            pass
        partial = rootfs + ".partial"
        for d in (rootfs, partial):
            shutil.rmtree(d, ignore_errors=True)
        mirror = apt_mirror()
        out = subprocess.run(["debootstrap", *DEBOOTSTRAP_ARGS, partial, mirror],
                             capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            pytest.fail("debootstrap %s from %s failed:\n%s" % (
                " ".join(DEBOOTSTRAP_ARGS), mirror, (out.stdout + out.stderr)[-3000:]))
        for deb in glob.glob(os.path.join(partial, "var/cache/apt/archives/*.deb")):
            os.unlink(deb)
        os.rename(partial, rootfs)
        with open(done, "w") as f:
            json.dump({"args": DEBOOTSTRAP_ARGS, "mirror": mirror}, f)
        return rootfs


class Machine:
    """One booted container: its overlay root seen from the host, and its init's pid."""

    def __init__(self, root, leader):
        self.root = root
        self.leader = leader

    def cmd(self, argv, timeout=30, check=True):
        """Runs argv inside the container (all its namespaces, a clean environment)."""
        return sysutil.run(["nsenter", "-t", self.leader, "-a", "--", "/usr/bin/env", "-i",
                            "PATH=" + PATH, "LANG=C.UTF-8", "SYSTEMD_PAGER=", "SYSTEMD_COLORS=0",
                            *argv], timeout=timeout, check=check)

    def sh(self, script, **kwargs):
        return self.cmd(["/bin/sh", "-c", script], **kwargs)

    def systemctl(self, *args, **kwargs):
        return self.cmd(["systemctl", *args], **kwargs)

    def show(self, unit, *props):
        out = self.systemctl("show", "-p", ",".join(props), unit).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def journal(self, unit):
        return self.cmd(["journalctl", "--no-pager", "-o", "cat", "-u", unit]).stdout

    def host_path(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def install(self, path, text, mode=0o644):
        """Writes a file into the container, root-owned, its directories 0755."""
        target = self.host_path(path)
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        with open(target, "w") as f:
            f.write(text)
        os.chmod(target, mode)

    def read(self, path):
        try:
            with open(self.host_path(path)) as f:
                return f.read()
        except FileNotFoundError:
            return None

    def lines(self, path):
        return (self.read(path) or "").splitlines()


def leader_of(nspawn_pid):
    """The container's init: the child of systemd-nspawn that runs systemd."""
    for task in glob.glob("/proc/%d/task/*/children" % nspawn_pid):
        with open(task) as f:
            for pid in f.read().split():
                try:
                    with open("/proc/%s/comm" % pid) as c:
                        if c.read().strip() == "systemd":
                            return int(pid)
                except FileNotFoundError:
                    pass
    return None


def wait_until_booted(machine, nspawn, deadline):
    while time.monotonic() < deadline:
        if nspawn.poll() is not None:
            return "systemd-nspawn exited with %d" % nspawn.returncode
        out = machine.systemctl("is-system-running", "--wait", check=False, timeout=60)
        state = out.stdout.strip()
        if state in ("running", "degraded"):
            return None
        time.sleep(0.2)   # the bus is not up yet: try again
    return "not booted in time"


@pytest.fixture(scope="module")
def machine(static_bin):
    require_root()
    require_tools("systemd-nspawn", "debootstrap", "nsenter")
    with open("/proc/filesystems") as f:
        if "overlay" not in f.read():
            pytest.skip("no overlayfs in this kernel")
    rootfs = cached_rootfs()
    tmp = tempfile.mkdtemp(prefix="lastcall-systemd-", dir="/var/tmp")
    merged = os.path.join(tmp, "root")
    for d in ("upper", "work", "root"):
        os.mkdir(os.path.join(tmp, d), 0o755)
    sysutil.run(["mount", "-t", "overlay", "overlay", "-o", "lowerdir=%s,upperdir=%s,workdir=%s" % (
        rootfs, os.path.join(tmp, "upper"), os.path.join(tmp, "work")), merged], timeout=30)
    os.chmod(merged, 0o755)
    nspawn = None
    console = open(os.path.join(tmp, "console.log"), "w")
    try:
        m = Machine(merged, None)
        shutil.copyfile(static_bin, m.host_path("/usr/bin/lastcall"))
        os.chmod(m.host_path("/usr/bin/lastcall"), 0o755)
        m.install("/etc/systemd/system/lastcall@.service", UNIT.read_text())
        # A bound for the tests' blocking `systemctl start` (the default is 90 s).
        m.install("/etc/systemd/system/lastcall@.service.d/test-bounds.conf",
                  "[Service]\nTimeoutStartSec=20s\n")
        os.makedirs(m.host_path("/etc/lastcall"), mode=0o755, exist_ok=True)
        name = "lastcall-test-%d" % os.getpid()
        nspawn = subprocess.Popen(
            ["systemd-nspawn", "--quiet", "-D", merged, "-M", name, "-b", "--register=no",
             "--keep-unit", "--private-network", "--console=pipe"],
            stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 60
        m.leader = wait_for(lambda: leader_of(nspawn.pid) or nspawn.poll() is not None,
                            timeout=30, what="the container's systemd")
        if m.leader is True:
            pytest.fail("systemd-nspawn exited with %d" % nspawn.returncode)
        problem = wait_until_booted(m, nspawn, deadline)
        if problem:
            console.flush()
            with open(os.path.join(tmp, "console.log"), errors="replace") as f:
                pytest.fail("%s:\n%s" % (problem, f.read()[-3000:]))
        yield m
    finally:
        if nspawn is not None:
            # SIGTERM makes systemd-nspawn shut the container down cleanly.
            nspawn.send_signal(signal.SIGTERM)
            try:
                nspawn.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(nspawn.pid, signal.SIGKILL)
                nspawn.wait(timeout=10)
        console.close()
        if subprocess.run(["umount", merged], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", merged], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def workload(name, before="", traps=True):
    """A /bin/sh workload that records its pid, environment and fds under OUT/name, runs
    `before`, then counts the SIGHUPs it gets and exits 0 on SIGTERM. With traps, the pid is
    written once they are set, so a test that waits for it can signal at once; without, the
    shell and whatever it execs die of SIGHUP and SIGTERM."""
    handlers = """trap 'echo hup >> "$out/signals"' HUP
trap 'echo term >> "$out/signals"; echo child-term >> "$out/order"; exit 0' TERM"""
    return """#!/bin/sh
# The workload of lastcall@{name}: records what it sees under $out.
out={out}/{name}
mkdir -p "$out"
{handlers}
env > "$out/env"
for fd in /proc/$$/fd/*; do echo "${{fd##*/}} $(readlink "$fd")"; done > "$out/fds"
echo $$ > "$out/pid"
{before}
while :; do sleep 1000 & wait $!; done
""".format(name=name, out=OUT, before=before, handlers=handlers if traps else "")


def record(name, text):
    """A hook command (run by /bin/sh -c) that appends `text` to OUT/name/order."""
    return 'echo "%s" >> %s/%s/order' % (text, OUT, name)


@pytest.fixture
def service(machine):
    """service(name, config, script, dropins={}) installs lastcall@name: its config, its
    workload, drop-ins; then daemon-reload. Every unit started by the test is stopped after."""
    units = []

    def make(name, config, script, dropins=None, extra_units=()):
        machine.install("/etc/lastcall/%s.json" % name, json.dumps(config, indent=2))
        machine.install("/usr/local/bin/%s" % name, script, mode=0o755)
        for key, text in (dropins or {}).items():
            machine.install("/etc/systemd/system/lastcall@%s.service.d/%s.conf" % (name, key), text)
        units.extend(extra_units)
        units.append("lastcall@%s.service" % name)
        machine.systemctl("daemon-reload")
        return "lastcall@%s.service" % name

    yield make
    for unit in units:
        machine.systemctl("stop", unit, check=False, timeout=60)
        machine.systemctl("reset-failed", unit, check=False)


def child_pid(machine, name, other_than=None):
    def read():
        text = machine.read("%s/%s/pid" % (OUT, name))
        if text and text.strip() and int(text) != other_than:
            return int(text)
        return None
    return wait_for(read, timeout=10, what="the pid of %s's workload" % name)


def status_text_history(machine, unit, until, timeout):
    """The distinct StatusText values seen, in order, polling until `until(props)` holds."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        props = machine.show(unit, "StatusText", "ActiveState", "SubState")
        if props["StatusText"] and (not seen or seen[-1] != props["StatusText"]):
            seen.append(props["StatusText"])
        if until(props):
            return seen
        time.sleep(0.02)
    raise sysutil.Timeout("%s: no end after %ds; StatusText seen: %s" % (unit, timeout, seen))


# --- start ------------------------------------------------------------------------------------

@pytest.mark.timeout(60)
def test_start_returns_once_ready_and_status_names_the_child(machine, service):
    """Type=notify: `systemctl start` returns after READY=1; STATUS= shows in `systemctl
    status` and in StatusText; MainPID is lastcall."""
    unit = service("web", {"grace": "5s"}, workload("web"))
    machine.systemctl("start", unit)
    props = machine.show(unit, "ActiveState", "SubState", "MainPID", "StatusText", "Type")
    assert (props["ActiveState"], props["SubState"], props["Type"]) == ("active", "running", "notify")
    pid = child_pid(machine, "web")
    assert props["StatusText"] == "running: child pid %d" % pid
    main = int(props["MainPID"])
    assert machine.sh("cat /proc/%d/comm" % main).stdout.strip() == "lastcall"
    assert machine.sh("cut -d' ' -f4 /proc/%d/stat" % pid).stdout.strip() == str(main)
    status = machine.systemctl("status", "--no-pager", unit, check=False).stdout
    assert 'Status: "running: child pid %d"' % pid in status, status


@pytest.mark.timeout(60)
def test_start_waits_for_the_first_ready_check_to_pass(machine, service):
    """With a `ready` check, READY=1 goes at its first pass, not at the spawn: `systemctl
    start` returns only once the workload listens (here: 2 s after it starts)."""
    name = "late"
    config = {"grace": "5s",
              "ready": {"command": "test -e %s/%s/listening" % (OUT, name), "interval": "200ms"}}
    unit = service(name, config, workload(name, before='sleep 2; touch "$out/listening"'))
    started = time.monotonic()
    out = machine.systemctl("start", unit, check=False)
    took = time.monotonic() - started
    assert out.returncode == 0, "start failed: %s\n%s" % (out.stderr, machine.journal(unit)[-2000:])
    assert machine.read("%s/%s/listening" % (OUT, name)) is not None, \
        "systemctl start returned after %.2fs, before the workload was ready" % took
    assert took >= 1.8, took
    assert machine.show(unit, "ActiveState")["ActiveState"] == "active"


# --- stop -------------------------------------------------------------------------------------

@pytest.mark.timeout(60)
def test_stop_runs_the_hooks_and_status_follows_the_states(machine, service):
    """`systemctl stop`: StatusText shows pre_stop while a hook runs; the pre-stop hook, the
    child's SIGTERM and the post-stop hook come in that order, once each; the workload exits
    0 on SIGTERM, so the unit ends inactive with Result=success and no restart."""
    name = "stop"
    gate = "%s/%s/release" % (OUT, name)
    config = {"grace": "15s", "hooks": {
        "pre_stop": [{"name": "gate", "timeout": "12s", "command":
                      "i=0; while [ ! -e %s ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; %s"
                      % (gate, record(name, "pre:$LASTCALL_SIGNAL"))}],
        "post_stop": [{"name": "after", "command": record(name, "post:$LASTCALL_CHILD_EXIT_CODE")}]}}
    unit = service(name, config, workload(name))
    machine.systemctl("start", unit)
    child_pid(machine, name)
    machine.systemctl("stop", "--no-block", unit)
    wait_for(lambda: machine.show(unit, "StatusText")["StatusText"].startswith("pre_stop:"),
             timeout=10, what="StatusText pre_stop")
    status = machine.systemctl("status", "--no-pager", unit, check=False).stdout
    assert 'Status: "pre_stop: running the pre-stop hooks"' in status, status
    assert machine.show(unit, "ActiveState")["ActiveState"] == "deactivating"
    machine.install(gate, "")
    wait_for(lambda: machine.show(unit, "ActiveState")["ActiveState"] in ("inactive", "failed"),
             timeout=20, what="the unit to stop")
    assert machine.lines("%s/%s/order" % (OUT, name)) == ["pre:SIGTERM", "child-term", "post:0"]
    props = machine.show(unit, "ActiveState", "Result", "NRestarts", "ExecMainStatus")
    assert props == {"ActiveState": "inactive", "Result": "success", "NRestarts": "0",
                     "ExecMainStatus": "0"}, props


@pytest.mark.timeout(60)
def test_a_workload_killed_by_the_stop_signal_is_a_clean_stop(machine, service):
    """A workload without a SIGTERM handler dies of the stop's SIGTERM; lastcall dies of it
    too (--exit-by-signal), which systemd counts as a clean stop: inactive, Result=success,
    no SuccessExitStatus=143 needed."""
    name = "diesofterm"
    unit = service(name, {"grace": "5s"}, workload(name, before="exec sleep 100000", traps=False))
    machine.systemctl("start", unit)
    child_pid(machine, name)
    machine.systemctl("stop", unit)
    props = machine.show(unit, "ActiveState", "Result", "NRestarts")
    assert props == {"ActiveState": "inactive", "Result": "success", "NRestarts": "0"}, props
    exited = [e for e in sysutil.json_events(machine.journal(unit)) if e["event"] == "child_exited"]
    assert exited and exited[0].get("signal") == "SIGTERM", exited


@pytest.mark.timeout(60)
def test_the_watch_a_stop_jq_line_of_the_docs_reads_the_journal(machine, service):
    """docs/systemd.md "Watch a stop": its jq line, run on the unit's journal (which also has
    systemd's own lines), prints the hook events and the summary; plain `jq -c` fails there."""
    require_tools("jq")
    doc_line = next(line for line in SYSTEMD_DOC.read_text().splitlines()
                    if "journalctl" in line and "| jq" in line)
    jq_argv = shlex.split(doc_line.split("|", 1)[1].split("#", 1)[0])
    assert jq_argv[0] == "jq"
    name = "watch"
    config = {"grace": "5s", "hooks": {"pre_stop": [{"name": "flush", "command": "true"}],
                                       "post_stop": [{"name": "unlock", "command": "true"}]}}
    unit = service(name, config, workload(name))
    machine.systemctl("start", unit)
    machine.systemctl("stop", unit)
    journal = wait_for(lambda: (lambda j: j if "shutdown_complete" in j and "Stopped" in j else None)(
        machine.journal(unit)), timeout=10, what="the journal of the stop")
    out = sysutil.run(jq_argv, input=journal, timeout=10)
    events = [json.loads(line)["event"] for line in out.stdout.splitlines()]
    assert events.count("hook_started") == 2 and events.count("hook_finished") == 2, events
    assert events[-1] == "shutdown_complete" and events.count("shutdown_complete") == 1, events
    plain = subprocess.run(["jq", "-c", "select(.event)"], input=journal, capture_output=True,
                           text=True, timeout=10)
    assert plain.returncode != 0, "the journal has only JSON lines: the test proves nothing"


@pytest.mark.timeout(60)
def test_a_stop_timeout_shorter_than_the_sequence_is_extended(machine, service):
    """TimeoutStopSec=3s and a 6 s pre-stop hook: EXTEND_TIMEOUT_USEC keeps systemd from
    killing lastcall; the sequence completes (post-stop ran) and the result is success."""
    name = "slowstop"
    config = {"grace": "15s", "pre_stop_timeout": "10s", "hooks": {
        "pre_stop": [{"name": "slow", "timeout": "9s",
                      "command": "sleep 6; " + record(name, "pre-done")}],
        "post_stop": [{"name": "after", "command": record(name, "post:$LASTCALL_CHILD_EXIT_CODE")}]}}
    unit = service(name, config, workload(name),
                   dropins={"short-stop": "[Service]\nTimeoutStopSec=3s\n"})
    machine.systemctl("start", unit)
    assert machine.show(unit, "TimeoutStopUSec")["TimeoutStopUSec"] == "3s"
    child_pid(machine, name)
    started = time.monotonic()
    machine.systemctl("stop", unit, timeout=40)
    took = time.monotonic() - started
    assert took >= 5.5, "the stop took %.2fs: the hook cannot have run 6 s" % took
    assert machine.lines("%s/%s/order" % (OUT, name)) == ["pre-done", "child-term", "post:0"]
    props = machine.show(unit, "ActiveState", "Result")
    assert props == {"ActiveState": "inactive", "Result": "success"}, props
    journal = machine.journal(unit)
    assert "timed out" not in journal and "Killing" not in journal, journal[-2000:]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("notify_access", ["main", "none"])
def test_type_exec_is_extended_only_with_a_notify_socket(machine, service, notify_access):
    """Type=exec, TimeoutStopSec=2s, a 4 s pre-stop hook. systemd gives lastcall a notify
    socket whenever NotifyAccess= is set, whatever the Type=, and then the stop is extended
    as with Type=notify. With NotifyAccess=none nothing extends it, and systemd SIGKILLs
    everything mid-sequence (Result=timeout, no post-stop hook): the case docs/shutdown.md
    sizes TimeoutStopSec= for."""
    name = "exec-" + notify_access
    config = {"grace": "15s", "hooks": {
        "pre_stop": [{"name": "slow", "timeout": "9s",
                      "command": "sleep 4; " + record(name, "pre-done")}],
        "post_stop": [{"name": "after", "command": record(name, "post")}]}}
    unit = service(name, config, workload(name), dropins={
        "exec": "[Service]\nType=exec\nNotifyAccess=%s\nTimeoutStopSec=2s\n" % notify_access})
    machine.systemctl("start", unit)
    child_pid(machine, name)
    machine.systemctl("stop", unit, check=False, timeout=30)
    props = machine.show(unit, "ActiveState", "Result")
    order = machine.lines("%s/%s/order" % (OUT, name))
    if notify_access == "main":
        assert props == {"ActiveState": "inactive", "Result": "success"}, props
        assert order == ["pre-done", "child-term", "post"], order
    else:
        assert props == {"ActiveState": "failed", "Result": "timeout"}, props
        assert order == [], order
        assert "timed out. Killing." in machine.journal(unit)


# --- failures and restarts ----------------------------------------------------------------------

@pytest.mark.timeout(60)
def test_a_child_killed_by_sigkill_gives_result_signal_and_a_restart(machine, service):
    """The child dies of SIGKILL: lastcall runs the rest of the sequence, then dies of SIGKILL
    itself (--exit-by-signal), so systemd records Result=signal and Restart=on-failure starts
    the service again."""
    name = "crash"
    config = {"grace": "5s", "hooks": {"post_stop": [
        {"name": "after", "command": record(name, "post:$LASTCALL_CHILD_EXIT_CODE")}]}}
    unit = service(name, config, workload(name))
    machine.systemctl("start", unit)
    first = child_pid(machine, name)
    machine.sh("kill -KILL %d" % first)
    second = child_pid(machine, name, other_than=first)
    wait_for(lambda: machine.show(unit, "ActiveState")["ActiveState"] == "active", timeout=10,
             what="the restarted unit")
    assert second != first
    assert machine.show(unit, "NRestarts")["NRestarts"] == "1"
    assert machine.lines("%s/%s/order" % (OUT, name)) == ["post:137"]
    journal = machine.journal(unit)
    assert "Main process exited, code=killed, status=9/KILL" in journal, journal[-2000:]
    assert "Failed with result 'signal'" in journal, journal[-2000:]


@pytest.mark.timeout(60)
def test_reload_relays_exactly_one_sighup(machine, service):
    """`systemctl reload` (ExecReload= kill -HUP $MAINPID): the child gets one SIGHUP, and the
    unit stays up."""
    name = "hup"
    unit = service(name, {"grace": "5s"}, workload(name))
    machine.systemctl("start", unit)
    pid = child_pid(machine, name)
    machine.systemctl("reload", unit)
    wait_for(lambda: "hup" in machine.lines("%s/%s/signals" % (OUT, name)), timeout=10,
             what="the SIGHUP to reach the child")
    props = machine.show(unit, "ActiveState", "NRestarts")
    assert props == {"ActiveState": "active", "NRestarts": "0"}, props
    machine.systemctl("stop", unit)
    assert machine.lines("%s/%s/signals" % (OUT, name)) == ["hup", "term"]
    assert child_pid(machine, name) == pid


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", ["reload", "reload without RestartForceExitStatus",
                                  "SIGTERM to the child"])
def test_a_workload_killed_by_a_clean_signal_is_restarted(machine, service, case):
    """A workload without handlers dies of a reload's SIGHUP (or of a SIGTERM that systemd did
    not send); lastcall dies of the same signal, which systemd counts as clean. The shipped
    unit's RestartForceExitStatus= restarts it; without that line the service stays down
    with Result=success."""
    name = {"reload": "nohup", "SIGTERM to the child": "noterm"}.get(case, "nohup-plain")
    dropins = {"no-force": "[Service]\nRestartForceExitStatus=\n"} if "without" in case else {}
    signal_name = "SIGTERM" if "SIGTERM" in case else "SIGHUP"
    unit = service(name, {"grace": "5s"}, workload(name, before="exec sleep 100000", traps=False),
                   dropins=dropins)
    machine.systemctl("start", unit)
    first = child_pid(machine, name)
    if signal_name == "SIGTERM":
        machine.sh("kill -TERM %d" % first)
    else:
        machine.systemctl("reload", unit)
    died = wait_for(lambda: [e for e in sysutil.json_events(machine.journal(unit))
                             if e["event"] == "child_exited"], timeout=10, what="child_exited")
    assert died[0].get("signal") == signal_name, died
    if "without" not in case:
        second = child_pid(machine, name, other_than=first)
        wait_for(lambda: machine.show(unit, "ActiveState")["ActiveState"] == "active",
                 timeout=10, what="the restarted unit")
        assert second != first and machine.show(unit, "NRestarts")["NRestarts"] == "1"
    else:
        wait_for(lambda: machine.show(unit, "ActiveState")["ActiveState"] == "inactive",
                 timeout=10, what="the unit to go down")
        # lastcall died of SIGHUP, and yet a success: nothing restarts it.
        props = machine.show(unit, "Result", "NRestarts")
        assert props == {"Result": "success", "NRestarts": "0"}, props
        assert "Deactivated successfully" in machine.journal(unit)


@pytest.mark.timeout(60)
def test_an_own_exit_notifies_stopping_first(machine, service):
    """The child exits on its own: the first STATUS past running is `stopping` (draining and
    pre_stop are skipped, even with a drain configured); then the unit ends with exit 0 and
    no restart. A leftover that ignores SIGTERM keeps `stopping` on screen for the grace."""
    name = "ownexit"
    script = """#!/bin/sh
out={out}/{name}
mkdir -p "$out"
echo $$ > "$out/pid"
sh -c 'trap "" TERM; exec sleep 1000' &
while [ ! -e "$out/exit-now" ]; do sleep 0.1; done
exit 0
""".format(out=OUT, name=name)
    unit = service(name, {"grace": "2s", "drain": "2s"}, script)
    machine.systemctl("start", unit)
    child_pid(machine, name)
    machine.install("%s/%s/exit-now" % (OUT, name), "")
    seen = status_text_history(machine, unit, lambda p: p["ActiveState"] == "inactive", timeout=15)
    states = [s.split(":", 1)[0] for s in seen]
    assert states[0] == "running" and states[1] == "stopping", seen
    assert "draining" not in states and "pre_stop" not in states, seen
    props = machine.show(unit, "Result", "NRestarts", "ExecMainStatus")
    assert props == {"Result": "success", "NRestarts": "0", "ExecMainStatus": "0"}, props


@pytest.mark.timeout(60)
def test_a_bad_config_fails_the_start_and_a_good_start_logs_no_plan(machine, service):
    """A config error: lastcall exits 2 before it starts the workload, so `systemctl start`
    fails, the journal names the key, and Restart=on-failure tries again. A good start writes
    no `--check` plan to the journal."""
    good = service("quiet", {"grace": "5s", "hooks": {"pre_stop": [{"name": "a", "command": "true"}]}},
                   workload("quiet"))
    machine.systemctl("start", good)
    journal = wait_for(lambda: (lambda j: j if "child_started" in j else None)(machine.journal(good)),
                       timeout=10, what="child_started in the journal")
    assert "pre_stop_timeout_ms" not in journal, "the journal has the --check plan:\n" + journal

    bad = service("badcfg", {"grace": "5s", "timout": "1s"}, workload("badcfg"))
    out = machine.systemctl("start", bad, check=False)
    assert out.returncode != 0
    props = machine.show(bad, "Result", "ExecMainCode", "ExecMainStatus")
    assert (props["Result"], props["ExecMainStatus"]) == ("exit-code", "2"), props
    assert machine.read("%s/badcfg/pid" % OUT) is None, "the workload was started"
    errors = [e for e in sysutil.json_events(machine.journal(bad)) if e["event"] == "config_error"]
    assert errors and "/timout" in errors[0]["error"], errors
    # Restart=on-failure tries again after RestartSec (2 s), with the same result.
    wait_for(lambda: int(machine.show(bad, "NRestarts")["NRestarts"]) >= 1, timeout=10,
             what="a new try after RestartSec")
    machine.systemctl("stop", bad, check=False)


# --- socket activation ----------------------------------------------------------------------------

def listening_tcp_inode(machine, port):
    for line in machine.sh("cat /proc/net/tcp").stdout.splitlines()[1:]:
        fields = line.split()
        if fields[1] == "0100007F:%04X" % port and fields[3] == "0A":
            return fields[9]
    return None


def unix_inode(machine, path):
    for line in machine.sh("cat /proc/net/unix").stdout.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 8 and fields[7] == path:
            return fields[6]
    return None


def fd_targets(text):
    return {int(fd): target for fd, _, target in (l.partition(" ") for l in text.splitlines())}


@pytest.mark.timeout(60)
def test_socket_activation_hands_the_fds_to_the_child(machine, service):
    """Two socket units, docs/systemd.md's `lastcall@web.socket` (as lastcall@sock.socket,
    fd name `http`) and one more (`ctl`), activate lastcall@sock on a connection: the child
    gets the fds at the same numbers (3, 4) with LISTEN_FDS, LISTEN_FDNAMES and its own pid in
    LISTEN_PID; lastcall keeps no copy of them open."""
    name, path = "sock", "/run/lctest-ctl.sock"
    doc_unit = next(b for b in re.findall(r"```ini\n(.*?)```", SYSTEMD_DOC.read_text(), re.S)
                    if "lastcall@web.socket" in b)
    port = int(re.search(r"ListenStream=127\.0\.0\.1:(\d+)", doc_unit).group(1))
    machine.install("/etc/systemd/system/lastcall@%s.socket" % name, doc_unit)
    machine.install("/etc/systemd/system/lctest-ctl.socket",
                    "[Socket]\nListenStream=%s\nFileDescriptorName=ctl\n"
                    "Service=lastcall@%s.service\n" % (path, name))
    sockets = "lastcall@%s.socket lctest-ctl.socket" % name
    unit = service(name, {"grace": "5s"}, workload(name), extra_units=sockets.split(),
                   dropins={"sockets": "[Unit]\nRequires=%s\nAfter=%s\n[Service]\nSockets=%s\n"
                                       % (sockets, sockets, sockets)})
    machine.systemctl("enable", "--now", "lastcall@%s.socket" % name)
    machine.systemctl("start", "lctest-ctl.socket")
    # A connection to the listening socket starts the service: socket activation.
    machine.cmd(["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/%d" % port])
    wait_for(lambda: machine.show(unit, "ActiveState")["ActiveState"] == "active", timeout=15,
             what="the socket-activated unit")
    main = int(machine.show(unit, "MainPID")["MainPID"])
    pid = child_pid(machine, name)
    wait_for(lambda: machine.read("%s/%s/fds" % (OUT, name)), what="the child's fd list")
    environ = machine.sh("cat /proc/%d/environ" % main).stdout.split("\0")
    ours = dict(v.split("=", 1) for v in environ if "=" in v)
    assert ours.get("LISTEN_FDS") == "2", ours
    names = ours["LISTEN_FDNAMES"].split(":")
    assert sorted(names) == ["ctl", "http"], names
    env = dict(l.split("=", 1) for l in machine.lines("%s/%s/env" % (OUT, name)) if "=" in l)
    inode = {"http": listening_tcp_inode(machine, port), "ctl": unix_inode(machine, path)}
    assert all(inode.values()), inode
    # Every requirement is checked, and all that fail are reported together.
    problems = []
    seen = (env.get("LISTEN_PID"), env.get("LISTEN_FDS"), env.get("LISTEN_FDNAMES"))
    if seen != (str(pid), "2", ours["LISTEN_FDNAMES"]):
        problems.append("the child (pid %d) sees LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES = %s; "
                        "lastcall (pid %d) got %s" % (pid, seen, main, (
                            ours.get("LISTEN_PID"), ours["LISTEN_FDS"], ours["LISTEN_FDNAMES"])))
    child_fds = fd_targets(machine.read("%s/%s/fds" % (OUT, name)))
    for i, fd_name in enumerate(names):
        if child_fds.get(3 + i) != "socket:[%s]" % inode[fd_name]:
            problems.append("the child's fd %d is %s, not the %s socket (socket:[%s])" % (
                3 + i, child_fds.get(3 + i), fd_name, inode[fd_name]))
    lastcall_fds = fd_targets(machine.sh(
        'for f in /proc/%d/fd/*; do echo "${f##*/} $(readlink "$f")"; done' % main).stdout)
    kept = {fd: t for fd, t in lastcall_fds.items()
            if t in {"socket:[%s]" % i for i in inode.values()}}
    if kept:
        problems.append("lastcall keeps the activated sockets open: %s" % kept)
    assert not problems, "\n".join(problems)
