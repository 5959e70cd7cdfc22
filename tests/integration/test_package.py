# SPDX-License-Identifier: MIT
"""The .deb that `cpack -G DEB` builds (bootstrap.sh test builds it into build-pkg/): its
name and fields, its files, and that the installed lastcall runs. Unpacked with `dpkg -x`
into a temporary directory; as root, also installed for real with `dpkg -i` and removed
again with `dpkg -r` (CI runs as root on a throwaway machine).

Skipped unless LASTCALL_DEB names the package."""
import os
import pathlib
import re
import shutil
import subprocess

import pytest

import support

DEB = os.environ.get("LASTCALL_DEB")

pytestmark = [
    pytest.mark.skipif(not DEB, reason="LASTCALL_DEB is not set"),
    pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="no dpkg-deb"),
]

FILES = [
    "usr/bin/lastcall",
    "usr/share/man/man1/lastcall.1",
    "usr/share/doc/lastcall/examples/demo.json",
    "usr/share/doc/lastcall/examples/demo.sh",
    "usr/share/doc/lastcall/lastcall.schema.json",
    "usr/share/lastcall/demo.sh",
]


def run(*argv, **kw):
    kw.setdefault("timeout", 60)
    return subprocess.run(list(argv), capture_output=True, text=True, **kw)


def field(name):
    out = run("dpkg-deb", "-f", DEB, name)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def version_of(binary):
    """X of `BINARY --version`, which prints `lastcall X`."""
    out = run(str(binary), "--version")
    assert out.returncode == 0, out.stderr
    m = re.fullmatch(r"lastcall (\S+)\n", out.stdout)
    assert m, "--version printed %r" % out.stdout
    return m.group(1)


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory):
    d = tmp_path_factory.mktemp("deb")
    out = run("dpkg-deb", "-x", DEB, str(d))
    assert out.returncode == 0, out.stderr
    return d


def test_package_name_and_fields(unpacked, lastcall_bin):
    """cpack -G DEB produces lastcall_<version>_<arch>.deb, the version being the one the
    packaged lastcall reports, which is the version of the build under test."""
    version = version_of(unpacked / "usr/bin/lastcall")
    assert version == version_of(lastcall_bin), "the package is of another version"
    arch = run("dpkg", "--print-architecture").stdout.strip()
    assert pathlib.Path(DEB).name == "lastcall_%s_%s.deb" % (version, arch)
    assert field("Package") == "lastcall"
    assert field("Version") == version
    assert field("Architecture") == arch


def test_package_holds_the_binary_man_page_and_examples(unpacked):
    for rel in FILES:
        assert (unpacked / rel).is_file(), "%s missing from the package" % rel
    examples = {p.name for p in (support.REPO / "docs" / "examples").glob("*.json")}
    packaged = {p.name for p in (unpacked / "usr/share/doc/lastcall/examples").glob("*.json")}
    assert examples <= packaged
    units = sorted((support.REPO / "packaging" / "systemd").glob("*.service"))
    for unit in units:
        assert (unpacked / "usr/share/doc/lastcall/systemd" / unit.name).is_file(), unit.name


def test_unpacked_binary_runs(unpacked):
    assert version_of(unpacked / "usr/bin/lastcall") == field("Version")
    example = unpacked / "usr/share/doc/lastcall/examples/demo.json"
    out = run(str(unpacked / "usr/bin/lastcall"), "--check", "-c", str(example))
    assert out.returncode == 0, out.stderr


def test_unpacked_man_page_renders(unpacked):
    if shutil.which("groff") is None:
        pytest.skip("no groff")
    out = run("groff", "-man", "-Tutf8", "-ww", "-z", str(unpacked / "usr/share/man/man1/lastcall.1"))
    assert out.returncode == 0 and out.stderr == "", out.stderr


@pytest.mark.timeout(120)
def test_dpkg_install_and_remove():
    """As root: `dpkg -i` installs it, `lastcall --version` and `man -w lastcall` work from
    the install, and `dpkg -r` removes it again."""
    if os.geteuid() != 0:
        pytest.skip("dpkg -i needs root")
    status = run("dpkg-query", "-W", "-f=${Status}", "lastcall")
    if "installed" in status.stdout:
        pytest.skip("a lastcall package is installed already; not replacing it")
    if os.path.exists("/usr/bin/lastcall"):
        pytest.skip("/usr/bin/lastcall exists and belongs to no package; not overwriting it")
    out = run("dpkg", "-i", DEB)
    try:
        assert out.returncode == 0, out.stdout + out.stderr
        assert version_of("/usr/bin/lastcall") == field("Version")
        listed = run("dpkg", "-L", "lastcall").stdout.split()
        assert "/usr/share/man/man1/lastcall.1" in listed
        if shutil.which("man"):
            where = run("man", "-w", "lastcall")
            assert where.returncode == 0 and "lastcall.1" in where.stdout, where.stderr
    finally:
        removed = run("dpkg", "-r", "lastcall")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert not os.path.exists("/usr/bin/lastcall")
