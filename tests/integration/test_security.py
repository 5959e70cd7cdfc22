# SPDX-License-Identifier: MIT
"""Hardening: a config file that others can change is refused when lastcall runs as root;
hooks and the child inherit none of lastcall's descriptors; lastcall pins no mount; no shell
for array commands and no value spliced into a shell string; "user" and "group" drop the
privileges of the child and of each hook (docs/configuration.md, "Security")."""
import grp
import json
import os
import pathlib
import pwd
import shutil
import signal
import subprocess

import pytest

import support
from support import hook, PY, helper, read_lines

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="these checks are about running as root")

LIST_FDS = [PY, "-c", "import os\n"
            "for n in sorted(os.listdir('/proc/self/fd'), key=int):\n"
            "    try: print(n, os.readlink('/proc/self/fd/' + n))\n"
            "    except OSError: pass\n"]
ID = ["sh", "-c", "echo uid=$(id -u) gid=$(id -g) groups=$(id -G | tr ' ' ,)"]


def nobody():
    try:
        entry = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user nobody here")
    groups = sorted(os.getgrouplist("nobody", entry.pw_gid))
    return entry.pw_uid, entry.pw_gid, groups


def output_of(lc, name):
    return [e["line"] for e in lc.events("hook_output", hook=name)]


def check(lastcall_bin, *args, cwd=None, prefix=()):
    return subprocess.run([*prefix, lastcall_bin, "--log-format", "json", *map(str, args), "--check"],
                          capture_output=True, text=True, timeout=10, cwd=cwd, env=support.clean_env())


# -- (a) the config file -------------------------------------------------------------------

def test_config_writable_by_others_is_refused_as_root(lastcall_bin, tmp_path):
    """As root, a config file that users other than root can change is refused (exit 2) with
    the path at fault and the fix; --insecure-config accepts it."""
    path = support.write_config(tmp_path, {"grace": "3s"})
    os.chmod(path, 0o666)
    r = check(lastcall_bin, "-c", path)
    assert r.returncode == 2, r.stderr
    error = json.loads(r.stderr.splitlines()[0])["error"]
    assert path in error and "writable by other users" in error and "chmod go-w" in error
    assert "--insecure-config" in error
    assert check(lastcall_bin, "--insecure-config", "-c", path).returncode == 0


@pytest.mark.parametrize("what", ["directory", "owner", "symlink"])
def test_config_that_others_could_replace_is_refused_as_root(lastcall_bin, tmp_path, what):
    """... or any directory above it writable by group/other, or owned by another user (a
    symlink on the way included)."""
    uid = nobody()[0]
    shared = tmp_path / "shared"
    shared.mkdir()
    path = support.write_config(shared, {"grace": "3s"})
    at_fault = str(shared)
    if what == "directory":
        os.chmod(shared, 0o777)
    elif what == "owner":
        os.chown(path, uid, -1)
        at_fault = path
    else:
        link = tmp_path / "link.json"
        os.symlink(path, link)
        os.lchown(link, uid, -1)
        path, at_fault = str(link), str(link)
    r = check(lastcall_bin, "-c", path)
    assert r.returncode == 2, r.stderr
    assert at_fault in json.loads(r.stderr.splitlines()[0])["error"]


def test_config_in_a_sticky_directory_is_accepted(lastcall_bin, tmp_path):
    """A sticky directory such as /tmp may be writable by all: only an entry's owner can
    replace the entry there."""
    sticky = tmp_path / "sticky"
    sticky.mkdir()
    os.chmod(sticky, 0o1777)
    path = support.write_config(sticky, {"grace": "3s"})
    r = check(lastcall_bin, "-c", path)
    assert r.returncode == 0, r.stderr


def test_refusal_names_the_three_ways_out(lastcall_bin, tmp_path):
    """The refusal message names the three ways out: owner root and not writable by
    group/others, a read-only mount, `--insecure-config`."""
    path = support.write_config(tmp_path, {"grace": "3s"})
    os.chmod(path, 0o664)
    r = check(lastcall_bin, "-c", path)
    assert r.returncode == 2, r.stderr
    error = json.loads(r.stderr.splitlines()[0])["error"]
    assert "owned by root" in error and "group or others" in error, error
    assert "read-only mount" in error, error
    assert "--insecure-config" in error, error


class MountNamespace:
    """A private mount namespace, held by a sleeping `unshare --mount` process: mounts made in
    it never show on the host, and all of them vanish with it, also when a test fails."""

    def __init__(self):
        self.holder = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sleep", "600"],
                                       stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # Entered once `sleep` runs: unshare has made the namespace by then.
        support.wait_for(lambda: self.holder.poll() is not None or self._entered(), 5, "unshare --mount")
        if self.holder.poll() is not None:
            pytest.skip("unshare --mount fails here: %s" % self.holder.stderr.read().decode().strip())

    def _entered(self):
        try:
            return os.readlink("/proc/%d/ns/mnt" % self.holder.pid) != os.readlink("/proc/self/ns/mnt")
        except OSError:
            return False

    def enter(self, *wd):
        """The command prefix that runs a program in the namespace (in directory wd[0])."""
        return ["nsenter", "-t", str(self.holder.pid), "-m"] + ["--wd=%s" % d for d in wd] + ["--"]

    def path(self, path):
        """path as the namespace sees it (through /proc/PID/root), for the test to use."""
        return pathlib.Path("/proc/%d/root%s" % (self.holder.pid, os.path.abspath(path)))

    def mount(self, *args):
        r = subprocess.run(self.enter() + ["mount", *map(str, args)], capture_output=True, text=True, timeout=10)
        if r.returncode != 0:
            pytest.skip("mount %s fails here: %s" % (" ".join(map(str, args)), r.stderr.strip()))

    def close(self):
        self.holder.kill()
        self.holder.wait(10)
        self.holder.stderr.close()


@pytest.fixture
def mount_ns():
    if shutil.which("unshare") is None or shutil.which("nsenter") is None:
        pytest.skip("unshare or nsenter is not installed (util-linux)")
    ns = MountNamespace()
    try:
        yield ns
    finally:
        ns.close()


@pytest.mark.parametrize("layout", ["configmap", "configmap-symlinks", "ro-bind-mount"])
def test_config_on_a_read_only_mount_is_accepted_whatever_its_owner(lastcall_bin, tmp_path, mount_ns, layout):
    """A config on a read-only mount is accepted whatever its owner: uid 1000, mode 0664, in a
    directory of mode 0777 (a Kubernetes ConfigMap), or a file bind-mounted `:ro` from the
    host. The same file on a writable mount is refused. (Mounted in a private mount
    namespace, so the host's mount table is never touched.)"""
    if layout.startswith("configmap"):
        mnt = tmp_path / "configmap"
        mnt.mkdir()
        mount_ns.mount("-t", "tmpfs", "-o", "mode=0755", "lastcall-test", mnt)
        directory = mount_ns.path(mnt / "config")
        directory.mkdir()
        os.chmod(directory, 0o777)
        path = directory / "lastcall.json"
        if layout == "configmap-symlinks":
            # As the kubelet lays it out: lastcall.json -> ..data/lastcall.json, ..data -> ..<timestamp>.
            (directory / "..2026_01_01").mkdir()
            os.symlink("..2026_01_01", directory / "..data")
            os.symlink("..data/lastcall.json", path)
            path = directory / "..2026_01_01" / "lastcall.json"
        path.write_text(json.dumps({"grace": "3s"}))
        os.chown(path, 1000, 1000)
        os.chmod(path, 0o664)
        path = mnt / "config" / "lastcall.json"
        remount = ["-o", "remount,ro", mnt]
    else:
        host = tmp_path / "host"
        host.mkdir()
        os.chmod(host, 0o777)
        source = host / "lastcall.json"
        source.write_text(json.dumps({"grace": "3s"}))
        os.chown(source, 1000, 1000)
        os.chmod(source, 0o664)
        etc = tmp_path / "etc"
        etc.mkdir()
        path = etc / "lastcall.json"
        path.write_text("")
        mount_ns.mount("--bind", source, path)
        remount = ["-o", "remount,bind,ro", path]
    writable = check(lastcall_bin, "-c", path, prefix=mount_ns.enter())
    assert writable.returncode == 2, "a writable config owned by uid 1000 was accepted"
    mount_ns.mount(*remount)
    r = check(lastcall_bin, "-c", path, prefix=mount_ns.enter())
    assert r.returncode == 0, r.stderr
    assert 3000 in support.plan_ms(json.loads(r.stdout), "grace")
    # The host saw none of it.
    assert not os.path.ismount(mnt if layout.startswith("configmap") else path)


# -- (b) descriptors -----------------------------------------------------------------------

@pytest.mark.parametrize("as_user", [False, True], ids=["as-root", "as-nobody"])
def test_hook_and_child_inherit_only_stdio(lastcall, tmp_path, as_user):
    """Spawning: close-on-exec — a hook and the child hold no descriptor of lastcall's besides
    0-2 (the fork+exec path for "user" too)."""
    extra = {"user": "nobody"} if as_user else {}
    if as_user:
        nobody()
    cfg = dict({"hooks": {"post_stop": [hook("fds", LIST_FDS, **extra)]}}, **extra)
    lc = lastcall("--", *LIST_FDS, config=cfg, capture_stdout=True)
    assert lc.wait_exit(10) == 0, lc.log_tail()
    for name, lines in (("hook", output_of(lc, "fds")), ("child", lc.stdout.decode().splitlines())):
        fds = {int(line.split()[0]): line for line in lines}
        assert set(fds) >= {0, 1, 2}, (name, lines)
        assert not {fd: l for fd, l in fds.items() if fd > 2}, "%s inherited %s" % (name, fds)


# -- (c) the working directory --------------------------------------------------------------

def test_lastcall_moves_to_root_and_hooks_keep_their_directories(lastcall, tmp_path):
    """lastcall itself runs in / once the child is spawned, so it pins no mount; a hook without
    a cwd still runs where lastcall started, and a relative cwd is taken from there."""
    (tmp_path / "sub").mkdir()
    cfg = {"hooks": {"post_stop": [hook("here", helper("env_dump", tmp_path / "here.json")),
                                   hook("rel", helper("env_dump", tmp_path / "rel.json"), cwd="sub")]}}
    lc = lastcall("--", "sh", "-c", "pwd > %s; sleep 0.5" % (tmp_path / "child-cwd"), config=cfg, cwd=str(tmp_path))
    lc.child_pid
    support.wait_for(lambda: os.readlink("/proc/%d/cwd" % lc.pid) == "/", 5, "lastcall in /")
    assert lc.wait_exit(10) == 0, lc.log_tail()
    assert read_lines(tmp_path / "child-cwd") == [str(tmp_path)]
    assert json.loads((tmp_path / "here.json").read_text())["cwd"] == str(tmp_path)
    assert json.loads((tmp_path / "rel.json").read_text())["cwd"] == str(tmp_path / "sub")


def test_lastcall_does_not_keep_a_mount_busy(lastcall, tmp_path, mount_ns):
    """(chdir to /) A filesystem lastcall was started in can be unmounted while it runs.
    (In a private mount namespace: lastcall is started in it, on the tmpfs.)"""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    mount_ns.mount("-t", "tmpfs", "none", mnt)
    lc = lastcall("--", "sh", "-c", "cd /; exec sleep 30", prefix=mount_ns.enter(mnt))
    child = lc.child_pid
    # The child starts in the mount too, until its own cd.
    support.wait_for(lambda: os.readlink("/proc/%d/cwd" % child) == "/", 5, "the child in /")
    support.wait_for(lambda: os.readlink("/proc/%d/cwd" % lc.pid) == "/", 5, "lastcall in /")
    r = subprocess.run(mount_ns.enter() + ["umount", str(mnt)], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, "lastcall keeps its mount busy: %s" % r.stderr
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == 143


# -- (d) no shell where none was asked for ---------------------------------------------------

def test_array_command_takes_shell_syntax_literally(lastcall, tmp_path):
    """`command` as an array is executed directly: `$(...)`, `;` and backquotes in an argument
    reach the program as they are, and nothing runs them."""
    pwned = tmp_path / "pwned"
    args = ["$(touch %s)" % pwned, "; touch %s" % pwned, "`touch %s`" % pwned, "a && b"]
    cfg = {"hooks": {"post_stop": [hook("arr", helper("env_dump", tmp_path / "dump.json", *args))]}}
    lc = lastcall("--", "true", config=cfg)
    assert lc.wait_exit(10) == 0
    assert json.loads((tmp_path / "dump.json").read_text())["argv"] == args
    assert not pwned.exists()


def test_env_values_are_passed_as_environment_never_spliced(lastcall, tmp_path):
    """Environment added to the hook: `env` values (and LASTCALL_*) are environment variables,
    never interpolated into the shell string, so their shell syntax stays text."""
    pwned = tmp_path / "pwned"
    evil = "$(touch %s); `touch %s` \"'" % (pwned, pwned)
    cfg = {"hooks": {"post_stop": [hook("env", 'printf "%s|%s\\n" "$EVIL" "$LASTCALL_PHASE"',
                                        env={"EVIL": evil})]}}
    lc = lastcall("--", "true", config=cfg)
    assert lc.wait_exit(10) == 0
    assert output_of(lc, "env") == [evil + "|post_stop"]
    assert not pwned.exists()


# -- (e) user and group -----------------------------------------------------------------------

def test_hook_and_child_run_as_the_configured_user(lastcall, tmp_path):
    """"user" per hook and at the top level for the child: the process runs with that user's
    uid, primary group and supplementary groups."""
    uid, gid, groups = nobody()
    want = "uid=%d gid=%d groups=%s" % (uid, gid, ",".join(map(str, groups)))
    cfg = {"user": "nobody", "hooks": {"post_stop": [hook("id", ID, user="nobody"), hook("root", ID)]}}
    lc = lastcall("--", *ID, config=cfg, capture_stdout=True)
    assert lc.wait_exit(10) == 0, lc.log_tail()
    assert sorted_groups(output_of(lc, "id")) == [want]
    assert sorted_groups(lc.stdout.decode().splitlines()) == [want]
    assert output_of(lc, "root")[0].startswith("uid=0 gid=0")


def sorted_groups(lines):
    out = []
    for line in lines:
        head, _, groups = line.rpartition("groups=")
        out.append(head + "groups=" + ",".join(sorted(groups.split(","), key=int)))
    return out


def test_group_alone_keeps_the_uid(lastcall, tmp_path):
    """"group" alone: lastcall's uid, with that group as the only one."""
    nogroup = grp.getgrgid(nobody()[1]).gr_name
    cfg = {"hooks": {"post_stop": [hook("g", ID, group=nogroup)]}}
    lc = lastcall("--", "true", config=cfg)
    assert lc.wait_exit(10) == 0
    gid = grp.getgrnam(nogroup).gr_gid
    assert output_of(lc, "g") == ["uid=0 gid=%d groups=%d" % (gid, gid)]


def test_unknown_user_is_a_config_error(lastcall_bin, tmp_path):
    """An unknown user or group is a usage error (exit 2) that names the hook, before
    anything is started."""
    path = support.write_config(tmp_path, {"hooks": {"pre_stop": [hook("h", "true", user="no-such-user-xyz")]}})
    r = check(lastcall_bin, "-c", path)
    assert r.returncode == 2
    assert "hook h" in r.stderr and "no-such-user-xyz" in r.stderr


def test_exec_errors_of_a_user_switch_keep_126_and_127(lastcall, lastcall_bin, tmp_path):
    """COMMAND not found: 127; found but not executable: 126 — for a hook or a child that
    switches user too (the error comes back through a close-on-exec pipe)."""
    nobody()
    not_executable = tmp_path / "not-executable"
    not_executable.write_text("#!/bin/sh\n")
    cfg = {"hooks": {"post_stop": [hook("missing", ["/nonexistent/x"], user="nobody"),
                                   hook("noexec", [str(not_executable)], user="nobody")]}}
    lc = lastcall("--", "true", config=cfg)
    assert lc.wait_exit(10) == 0
    for name, code in (("missing", 127), ("noexec", 126)):
        finished = lc.wait_event("hook_finished", hook=name, timeout=0)
        assert (finished["status"], finished["exit_code"]) == ("error", code), finished
    for command, code in (("/nonexistent/x", 127), (str(not_executable), 126)):
        path = support.write_config(tmp_path, {"user": "nobody"}, "child-%d.json" % code)
        r = subprocess.run([lastcall_bin, "-c", path, "--", command],
                           capture_output=True, timeout=10, env=support.clean_env())
        assert r.returncode == code, r.stderr


def test_check_plan_shows_the_ids(lastcall_bin, tmp_path):
    """--check prints the user and group as written and the ids they resolve to."""
    uid, gid, groups = nobody()
    path = support.write_config(tmp_path, {"user": "nobody", "hooks": {"pre_stop": [hook("h", "true", user="nobody")]}})
    r = check(lastcall_bin, "-c", path)
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    for where in (plan, plan["hooks"]["pre_stop"][0]):
        assert where["user"] == "nobody" and where["group"] is None
        assert where["credentials"]["uid"] == uid and where["credentials"]["gid"] == gid
        assert sorted(where["credentials"]["groups"]) == groups
