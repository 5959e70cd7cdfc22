# SPDX-License-Identifier: MIT
"""The Dockerfile, docker/compose.yaml and docker/add-to-existing-image.Dockerfile, checked
without a container engine: the build stage's commands, run in this checkout, make the static
binary the suite tested, at the path the images copy it from; what the build stage copies is
enough to configure that build; each image's command line (ENTRYPOINT, CMD, STOPSIGNAL), run
here on the files its COPY lines place, starts its workload and stops it gracefully; and
compose.yaml's stop_grace_period covers the demo. tests/system/test_podman.py builds the same
files with podman and runs them in real containers."""
import filecmp
import json
import os
import pathlib
import re
import shutil
import subprocess
import time

import pytest

import support
from conftest import Lastcall
from support import sig_num, wait_for

yaml = pytest.importorskip("yaml")

DOCKERFILE = support.REPO / "Dockerfile"
SNIPPET = support.REPO / "docker" / "add-to-existing-image.Dockerfile"
COMPOSE = support.REPO / "docker" / "compose.yaml"
DEMO_CONFIG = support.REPO / "docs" / "examples" / "demo.json"
STATIC_BIN = os.environ.get("LASTCALL_STATIC_BIN")


def instructions(path):
    """[(INSTRUCTION, arguments)] of a Dockerfile, continuation lines joined."""
    out, pending = [], ""
    for line in path.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        text = (pending + line).strip()
        pending = ""
        word, _, rest = text.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def stages(path):
    """[{"from", "name", "body": [(INSTRUCTION, arguments)]}] in file order."""
    found = []
    for word, rest in instructions(path):
        if word == "FROM":
            m = re.fullmatch(r"(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", rest, re.I)
            found.append({"from": m.group(1), "name": m.group(2), "body": []})
        elif found:
            found[-1]["body"].append((word, rest))
    return found


def only(stage, word):
    return [rest for w, rest in stage["body"] if w == word]


def copies(stage):
    """[(from_stage or None, [sources], destination, flags)] of a stage's COPY lines."""
    out = []
    for rest in only(stage, "COPY"):
        parts = rest.split()
        flags = [p for p in parts if p.startswith("--")]
        args = [p for p in parts if not p.startswith("--")]
        source_stage = next((f.split("=", 1)[1] for f in flags if f.startswith("--from=")), None)
        out.append((source_stage, args[:-1], args[-1], flags))
    return out


def global_args(path):
    """{NAME: default} of the ARG lines before the first FROM."""
    found = {}
    for word, rest in instructions(path):
        if word == "FROM":
            break
        if word == "ARG":
            name, _, default = rest.partition("=")
            found[name.strip()] = default.strip()
    return found


def expand(text, args):
    return re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), ""), text)


def stop_signal(stage):
    """The signal `docker stop` sends to the stage's image. Without a STOPSIGNAL line it is
    whatever the base image says, which an image built FROM someone's image cannot know."""
    found = only(stage, "STOPSIGNAL")
    assert found, "stage %s has no STOPSIGNAL: docker stop sends the base image's" % (
        stage["name"] or stage["from"])
    return sig_num(found[-1])


def readelf(flag, path):
    if shutil.which("readelf") is None:
        pytest.skip("no readelf (binutils)")
    out = subprocess.run(["readelf", flag, "-W", str(path)], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout


def checkout_mode(path):
    """The mode git gives a file in a checkout made with umask 002, as a build context often
    is: 0775 for an executable, 0664 otherwise."""
    return 0o775 if os.access(path, os.X_OK) else 0o664


def image_root(stage, root, stage_files, context=support.REPO):
    """Places the files of the stage's COPY lines under root, as the image would hold them;
    returns {path in the image: file here}. A file of the build context keeps its checkout
    mode unless --chmod says otherwise; stage_files gives {stage name: {path in it: file
    here}} for COPY --from."""
    placed = {}
    for source_stage, sources, dest, flags in copies(stage):
        chmod = next((int(f.split("=", 1)[1], 8) for f in flags if f.startswith("--chmod=")), None)
        for src in sources:
            if source_stage is None:
                origin = context / src
                assert origin.is_file(), "COPY %s: no such file in the context" % src
                mode = checkout_mode(origin)
            else:
                files = stage_files.get(source_stage, {})
                assert src in files, "COPY --from=%s %s: that image has no such file (it has %s)" % (
                    source_stage, src, sorted(files))
                origin = pathlib.Path(files[src])
                mode = origin.stat().st_mode & 0o7777
            in_image = dest.rstrip("/") + "/" + origin.name if dest.endswith("/") else dest
            target = root / in_image.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(origin, target)
            os.chmod(target, chmod if chmod is not None else mode)
            placed[in_image] = target
    return placed


def command_line(stage, cmd=None):
    """ENTRYPOINT + CMD (or cmd, as `docker run IMAGE cmd...`), both in exec form: a shell
    form would make /bin/sh PID 1, and signals would not reach lastcall."""
    entrypoint = json.loads(only(stage, "ENTRYPOINT")[-1])
    if cmd is None:
        cmd = json.loads(only(stage, "CMD")[-1]) if only(stage, "CMD") else []
    return entrypoint + cmd


def run_image(root, placed, argv, env=None):
    """Runs argv as the image would, with each path of the image's own files taken from root
    (everything else, such as /bin/sh, comes from this machine as it would from the base
    image); lastcall's log is JSON, as on a container's stderr."""
    argv = [str(placed[a]) if a in placed else a for a in argv]
    return Lastcall(argv, support.clean_env(env), str(root), subprocess.DEVNULL, True,
                    in_pidns=False)


def wait_stdout(lc, text):
    """Waits until the workload printed text; fails at once if lastcall exits first."""
    wait_for(lambda: text in lc.stdout or lc.exited(), timeout=10, what="%r on stdout" % text)
    assert text in lc.stdout, "lastcall exited before %r; its log:\n%s" % (text, lc.log_tail())


def stop_when_up(root, placed, argv, sig):
    """Runs argv as the image would (run_image), waits for the workload's "up", sends sig as
    the container runtime would its STOPSIGNAL, and waits for the exit: (lastcall, its exit
    code). Every process it started is gone when it returns."""
    lc = run_image(root, placed, argv)
    try:
        wait_stdout(lc, b"up\n")
        lc.send(sig)
        return lc, lc.wait_exit(10)
    finally:
        lc.kill_everything()


# A workload that says what it got and stops when asked to.
WORKLOAD = 'echo "args: $*"; trap \'echo "got TERM"; exit 0\' TERM; echo up; ' \
           'while :; do sleep 0.05; done'


@pytest.fixture(scope="module")
def dockerfile():
    return stages(DOCKERFILE)


def from_build(dockerfile):
    """What the later stages COPY --from the build stage (paths in the build stage)."""
    build = dockerfile[0]
    return sorted({src for stage in dockerfile[1:] for source_stage, sources, _d, _f in copies(stage)
                   if source_stage == build["name"] for src in sources})


@pytest.fixture(scope="module")
def built(dockerfile, lastcall_bin):
    """{path in the build stage: file here} for what the later stages copy out of it: the
    static binary when the suite has it (bootstrap.sh test), else the binary under test."""
    return {src: STATIC_BIN or lastcall_bin for src in from_build(dockerfile)}


# Runs the build stage's RUN lines (the arguments after the first four) in a private mount
# namespace, on an overlay of the build directory from which the file to make was removed:
# the build must make it again, into the overlay's upper directory, while the rest of the
# suite (three tests at a time) goes on using the tested binary in place.
IN_OVERLAY = r"""
dir=$1 upper=$2 work=$3 file=$4
shift 4
mount -t overlay overlay -o "lowerdir=$dir,upperdir=$upper,workdir=$work" "$dir" || exit 97
rm -f "$dir/$file"
for run in "$@"; do
  /bin/sh -c "$run" || { echo "RUN $run failed" >&2; exit 98; }
done
"""


def namespace_prefix():
    """unshare(1) for a private mount namespace: as root, or in a user namespace of our own."""
    if shutil.which("unshare") is None:
        pytest.skip("no unshare(1)")
    return ["unshare", "--mount"] + ([] if os.geteuid() == 0 else ["--map-root-user"])


@pytest.mark.timeout(240)
def test_the_build_stage_makes_the_tested_static_binary_where_the_images_copy_it(dockerfile,
                                                                                 lastcall_bin,
                                                                                 tmp_path):
    """Stage 1 runs the same commands as the README and CI (`bash packaging/bootstrap.sh
    build-static`), so what is tested is what is shipped. Its RUN lines, run in this checkout
    with the binary removed first, make again the file the later stages COPY --from it:
    static, stripped, runnable, and byte for byte the binary this suite tested
    (LASTCALL_STATIC_BIN, which `bootstrap.sh test` builds through its own path)."""
    build = dockerfile[0]
    workdir = only(build, "WORKDIR")[-1]
    wanted = from_build(dockerfile)
    assert len(wanted) == 1, "the images copy %s from the build stage" % wanted
    relative = os.path.relpath(wanted[0], workdir)
    assert not relative.startswith(".."), "COPY --from=%s %s: outside WORKDIR %s" % (
        build["name"], wanted[0], workdir)
    copied = support.REPO / relative
    if not STATIC_BIN:
        pytest.skip("LASTCALL_STATIC_BIN is not set (bootstrap.sh test sets it)")
    tested = pathlib.Path(STATIC_BIN).resolve()
    if tested != copied.resolve():
        if support.REPO.resolve() not in tested.parents:
            pytest.skip("LASTCALL_STATIC_BIN=%s is not a build of this checkout" % STATIC_BIN)
        pytest.fail("LASTCALL_STATIC_BIN=%s, but the images copy %s" % (STATIC_BIN, copied))
    runs = only(build, "RUN")
    assert runs, "the build stage runs nothing"

    upper, work = tmp_path / "upper", tmp_path / "work"
    upper.mkdir()
    work.mkdir()
    out = subprocess.run(namespace_prefix() + ["/bin/sh", "-c", IN_OVERLAY, "sh", str(tested.parent),
                                               str(upper), str(work), tested.name] + runs,
                         cwd=support.REPO, capture_output=True, text=True, timeout=200,
                         env=support.clean_env())
    if out.returncode == 97:
        pytest.skip("cannot mount an overlay here: %s" % out.stderr.strip()[-500:])
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    made = upper / tested.name
    assert made.is_file(), "RUN %s made no %s" % (" && ".join(runs), wanted[0])
    assert filecmp.cmp(made, tested, shallow=False), \
        "the build stage makes another binary than the tested one"
    assert "INTERP" not in readelf("-l", made), "%s is not static: it names a loader" % wanted[0]
    assert ".symtab" not in readelf("-S", made), "%s is not stripped" % wanted[0]
    version = subprocess.run([str(made), "--version"], capture_output=True, text=True, timeout=10)
    want = subprocess.run([lastcall_bin, "--version"], capture_output=True, text=True, timeout=10)
    assert (version.returncode, version.stdout) == (0, want.stdout), version.stderr


def test_build_stage_copies_exist(dockerfile):
    for stage in dockerfile:
        for source_stage, sources, _dest, _flags in copies(stage):
            if source_stage is None:
                for src in sources:
                    assert (support.REPO / src).exists(), "COPY %s: no such file" % src


@pytest.mark.timeout(180)
def test_build_stage_context_is_enough_to_configure(dockerfile, tmp_path):
    """Only the files the build stage COPYs, laid out as in the image, configure the static
    build: nothing the build reads is left out of the image."""
    if shutil.which("cmake") is None:
        pytest.skip("no cmake")
    src = tmp_path / "src"
    src.mkdir()
    for source_stage, sources, dest, _flags in copies(dockerfile[0]):
        assert source_stage is None
        for s in sources:
            origin = support.REPO / s
            target = src / dest if not dest.endswith("/") else src / dest / (
                "" if origin.is_dir() else origin.name)
            if dest in ("./", "."):
                target = src / origin.name
            if origin.is_dir():
                shutil.copytree(origin, target, dirs_exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, target)
    out = subprocess.run(["cmake", "-S", str(src), "-B", str(tmp_path / "b"),
                          "-DCMAKE_BUILD_TYPE=Release", "-DLASTCALL_STATIC=ON", "-DLASTCALL_TESTS=OFF"],
                         capture_output=True, text=True, timeout=150)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]


@pytest.mark.timeout(30)
def test_the_demo_image_s_command_line_runs_the_demo(dockerfile, built, tmp_path):
    """The default target runs lastcall with the demo's config and script (ENTRYPOINT
    ["/usr/bin/lastcall", "-c", "/etc/lastcall/demo.json", "--"], CMD
    ["/usr/share/lastcall/demo.sh"]), files placed as its COPY lines say (the checkout's
    modes otherwise; as root, a config that others can change is refused). It ticks, and its
    STOPSIGNAL runs the whole sequence: every hook ok, exit 0, within compose.yaml's
    stop_grace_period."""
    demo = dockerfile[-1]
    root = tmp_path / "demo-image"
    placed = image_root(demo, root, {dockerfile[0]["name"]: built})
    lc = run_image(root, placed, command_line(demo))
    try:
        wait_stdout(lc, b"demo: tick 1")
        sent = time.monotonic()
        lc.send(stop_signal(demo))
        started = lc.wait_event("shutdown_started")
        done = lc.wait_event("shutdown_complete", timeout=20)
        code = lc.wait_exit(10)
        took = time.monotonic() - sent
    finally:
        lc.kill_everything()
    assert support.sig_eq(started["signal"], stop_signal(demo)), started
    hooks = len(lc.events("hook_started"))
    assert hooks >= 2 and done["hooks_ok"] == hooks, done
    assert (done["hooks_failed"], done["hooks_timeout"], done["hooks_skipped"]) == (0, 0, 0), done
    assert code == 0 and done["exit_code"] == 0, lc.log_tail()
    assert b"demo: state saved after" in lc.stdout
    compose = yaml.safe_load(COMPOSE.read_text())
    grace_s = support.duration_ms(compose["services"]["demo"]["stop_grace_period"]) / 1000
    assert took < grace_s, "the demo took %.1fs to stop; compose waits %.0fs" % (took, grace_s)


@pytest.mark.timeout(30)
def test_the_static_image_s_command_line_runs_a_workload(dockerfile, built, tmp_path):
    """The scratch variant holds the static binary at its ENTRYPOINT's path and nothing else
    (that it runs with nothing else is test_static.py's); `docker run lastcall:static CMD`
    runs CMD as the child, and the STOPSIGNAL stops it gracefully."""
    static = next((s for s in dockerfile if s["name"] == "static"), None)
    assert static, "no stage named static (docker/README.md builds --target static)"
    root = tmp_path / "static-image"
    placed = image_root(static, root, {dockerfile[0]["name"]: built})
    assert sorted(placed) == [command_line(static, [])[0]], placed
    lc, code = stop_when_up(root, placed, command_line(static, ["sh", "-c", WORKLOAD, "sh", "--port", "1"]),
                            stop_signal(static))
    started = lc.wait_event("shutdown_started", timeout=0)
    assert support.sig_eq(started["signal"], stop_signal(static)), started
    assert lc.stdout.decode().splitlines() == ["args: --port 1", "up", "got TERM"], lc.stdout
    assert code == 0, lc.log_tail()


def test_compose_stop_grace_period_covers_the_demo():
    """stop_grace_period >= grace + post_stop_timeout + a margin, for the config the image runs."""
    compose = yaml.safe_load(COMPOSE.read_text())
    demo = compose["services"]["demo"]
    assert (COMPOSE.parent / demo["build"]["context"] / demo["build"]["dockerfile"]).resolve() == DOCKERFILE
    assert demo["build"]["target"] in {s["name"] for s in stages(DOCKERFILE)}
    assert demo["stop_signal"] == "SIGTERM"
    assert demo.get("init") is False
    cfg = json.loads(DEMO_CONFIG.read_text())
    need = support.duration_ms(cfg["grace"]) + support.duration_ms(cfg["post_stop_timeout"])
    have = support.duration_ms(demo["stop_grace_period"])
    assert have >= need + 1000, "stop_grace_period %s leaves no margin over %d ms" % (
        demo["stop_grace_period"], need)


@pytest.mark.timeout(30)
def test_the_add_to_existing_image_snippet_s_command_line(dockerfile, built, tmp_path):
    """The snippet copies the binary out of the image its ARG names (lastcall:static, the
    Dockerfile's `static` target) and a user's lastcall.json (0664 in a umask-002 context,
    0644 in the image: as root, lastcall accepts it); its ENTRYPOINT runs the image's CMD
    with its arguments untouched, under that config, and its STOPSIGNAL runs the sequence."""
    found = stages(SNIPPET)
    args = global_args(SNIPPET)
    images = {}
    for stage in dockerfile:
        if stage["name"]:
            # docker/README.md's convention: `docker build --target NAME -t lastcall:NAME .`
            images["lastcall:" + stage["name"]] = stage
    files = {}
    for stage in found[:-1]:
        image = expand(stage["from"], args)
        assert image in images, "FROM %s: not an image the Dockerfile builds (%s)" % (
            image, sorted(images))
        files[stage["name"]] = image_root(images[image], tmp_path / "source-image",
                                          {dockerfile[0]["name"]: built})
    context = tmp_path / "context"
    context.mkdir()
    config = {"grace": "7s", "post_stop_timeout": "2s",
              "hooks": {"pre_stop": [{"name": "deregister", "command": ["echo", "deregistered"]}]}}
    (context / "lastcall.json").write_text(json.dumps(config))
    os.chmod(context / "lastcall.json", 0o664)
    final = found[-1]
    root = tmp_path / "your-image"
    placed = image_root(final, root, files, context=context)
    cmd = json.loads(only(final, "CMD")[-1])
    # The CMD's program is the user's; its arguments go through as written.
    lc, code = stop_when_up(root, placed, command_line(final, ["sh", "-c", WORKLOAD] + cmd), stop_signal(final))
    assert lc.stdout.decode().splitlines() == ["args: " + " ".join(cmd[1:]), "up", "got TERM"], \
        lc.stdout
    started = lc.wait_event("shutdown_started", timeout=0)
    assert support.sig_eq(started["signal"], stop_signal(final)) and started["grace_ms"] == 7000, started
    finished = lc.wait_event("hook_finished", hook="deregister", timeout=0)
    assert finished["status"] == "ok", finished
    assert code == 0, lc.log_tail()
