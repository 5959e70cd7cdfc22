# SPDX-License-Identifier: MIT
"""The static binary (bootstrap.sh build-static): it needs nothing from the filesystem, so it
runs as the ENTRYPOINT of a `FROM scratch` image. Checked by running it in an empty root that
holds only the binary, its config and a static test child: no libc, no /bin/sh, no /proc.

Skipped unless LASTCALL_STATIC_BIN names the binary (bootstrap.sh test sets it)."""
import json
import os
import shutil
import signal
import subprocess

import pytest

from conftest import Lastcall
from support import wait_for

STATIC_BIN = os.environ.get("LASTCALL_STATIC_BIN")

pytestmark = pytest.mark.skipif(not STATIC_BIN, reason="LASTCALL_STATIC_BIN is not set")

# The child prints `ready` and exits 0 on SIGTERM; with `hook PHASE` it is a hook that prints
# what lastcall told it and leaves a marker file, so the test sees it ran.
CHILD_C = r"""
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "hook") == 0) {
    const char *phase = getenv("LASTCALL_PHASE");
    printf("hook %s phase=%s\n", argv[2], phase ? phase : "");
    FILE *marker = fopen(argv[2], "w");
    if (marker == NULL) return 3;
    fclose(marker);
    return 0;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, NULL);
  puts("ready");
  fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  puts("got SIGTERM");
  return 0;
}
"""


def is_static(path):
    with open(path, "rb") as f:
        data = f.read()
    # A dynamically linked ELF names its interpreter (PT_INTERP); a static one has none.
    return b"/ld-linux" not in data and b"ld-musl" not in data


def is_stripped(path):
    out = subprocess.run(["readelf", "-S", "-W", path], capture_output=True, text=True)
    if out.returncode != 0:
        pytest.skip("readelf cannot read %s" % path)
    return ".symtab" not in out.stdout


def chroot_prefix(root):
    """The argv prefix that runs a command with `root` as /, or skip."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("no unshare(1)")
    candidates = [[unshare, "--root", str(root)]]
    if os.geteuid() != 0:
        # An unprivileged user namespace gives the capability chroot(2) needs.
        candidates = [[unshare, "--map-root-user", "--root", str(root)]]
    for prefix in candidates:
        probe = subprocess.run(prefix + ["/lastcall", "--version"], capture_output=True, timeout=10)
        if probe.returncode == 0:
            return prefix
    pytest.skip("cannot chroot here: %s" % probe.stderr.decode(errors="replace").strip())


@pytest.fixture(scope="module")
def static_child(tmp_path_factory):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler for the static test child")
    d = tmp_path_factory.mktemp("static-child")
    (d / "child.c").write_text(CHILD_C)
    out = subprocess.run([cc, "-static", "-O2", "-o", str(d / "child"), str(d / "child.c")],
                         capture_output=True, text=True)
    if out.returncode != 0:
        pytest.skip("cannot link a static C program: %s" % out.stderr.strip())
    return d / "child"


@pytest.fixture
def root(tmp_path, static_child):
    """An empty root: the static lastcall, the static child, nothing else."""
    r = tmp_path / "root"
    r.mkdir()
    shutil.copy2(STATIC_BIN, r / "lastcall")
    shutil.copy2(static_child, r / "child")
    return r


def test_static_binary_is_static_and_stripped():
    """`-DLASTCALL_STATIC=ON` links lastcall fully statically (`-static -s`)."""
    assert os.access(STATIC_BIN, os.X_OK), STATIC_BIN
    assert is_static(STATIC_BIN), "%s has a dynamic loader" % STATIC_BIN
    assert is_stripped(STATIC_BIN), "%s still has a symbol table" % STATIC_BIN


def test_version_in_an_empty_root(root):
    """--version needs no file at all."""
    prefix = chroot_prefix(root)
    out = subprocess.run(prefix + ["/lastcall", "--version"], capture_output=True, text=True,
                         timeout=10)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("lastcall "), out.stdout


@pytest.mark.timeout(40)
def test_full_shutdown_in_an_empty_root(root):
    """The whole sequence with nothing but the binary: an array-command hook runs without
    /bin/sh in both phases; a string command (which needs /bin/sh) fails and the sequence
    goes on ("A hook that fails, times out, or cannot be started never stops the sequence")."""
    config = {
        "grace": "10s",
        "drain": "100ms",
        "hooks": {
            "pre_stop": [
                {"name": "array-hook", "command": ["/child", "hook", "/pre-stop-ran"],
                 "timeout": "5s", "priority": 1},
                {"name": "shell-hook", "command": "echo needs a shell", "timeout": "2s"},
            ],
            "post_stop": [
                {"name": "after", "command": ["/child", "hook", "/post-stop-ran"], "timeout": "5s"},
            ],
        },
    }
    (root / "lastcall.json").write_text(json.dumps(config))
    prefix = chroot_prefix(root)
    check = subprocess.run(prefix + ["/lastcall", "--check", "-c", "/lastcall.json"],
                           capture_output=True, text=True, timeout=10)
    assert check.returncode == 0, check.stderr

    argv = prefix + ["/lastcall", "--log-format", "json", "-c", "/lastcall.json", "--", "/child"]
    lc = Lastcall(argv, {"PATH": "/"}, str(root), subprocess.DEVNULL, True, in_pidns=False)
    try:
        lc.wait_event("child_started")
        wait_for(lambda: b"ready" in lc.stdout, timeout=10, what="the child's ready line")
        lc.send(signal.SIGTERM)
        done = lc.wait_event("shutdown_complete", timeout=20)
        code = lc.wait_exit(10)
    finally:
        lc.kill_everything()
    assert code == 0, lc.log_tail()
    assert b"got SIGTERM" in lc.stdout

    pre = lc.wait_event("hook_finished", hook="array-hook", timeout=0)
    assert pre["status"] == "ok" and pre["exit_code"] == 0, pre
    post = lc.wait_event("hook_finished", hook="after", timeout=0)
    assert post["status"] == "ok" and post["exit_code"] == 0, post
    shell = lc.wait_event("hook_finished", hook="shell-hook", timeout=0)
    assert shell["status"] in ("error", "failed"), shell
    assert (root / "pre-stop-ran").exists() and (root / "post-stop-ran").exists()

    lines = [e["line"] for e in lc.events("hook_output", hook="array-hook")]
    assert lines == ["hook /pre-stop-ran phase=pre_stop"], lines
    assert done["hooks_ok"] == 2 and done["exit_code"] == 0, done
    assert not lc.bad_lines, lc.bad_lines


@pytest.mark.timeout(30)
def test_an_unknown_user_is_a_config_error_whatever_nsswitch_conf_names(tmp_path):
    """An unknown key, a wrong type, ... is an error that names the JSON path (exit 2). (The
    static binary looks names up in /etc/passwd and /etc/group only: a static glibc that loads
    the NSS module of a `passwd: files systemd` line, as Debian 12 has it, died of SIGSEGV.)"""
    config = tmp_path / "user.json"
    config.write_text(json.dumps({"user": "lastcall-no-such-user-xyz"}))
    out = subprocess.run([STATIC_BIN, "--log-format", "json", "-c", str(config), "--check"],
                         capture_output=True, text=True, timeout=20)
    assert out.returncode == 2, "exit %d: %s" % (out.returncode, out.stderr)
    assert '/user: \\"lastcall-no-such-user-xyz\\": no such user' in out.stderr, out.stderr
