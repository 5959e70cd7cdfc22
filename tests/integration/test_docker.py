# SPDX-License-Identifier: MIT
"""The Dockerfile, docker/compose.yaml and docker/add-to-existing-image.Dockerfile, checked
without a Docker engine: the build stage runs only the bootstrap script (the same commands as
the README and CI), what it copies is enough to configure the static build, and the images
stop the way docs/shutdown.md sizes them."""
import json
import re
import shutil
import subprocess

import pytest

import support

yaml = pytest.importorskip("yaml")

DOCKERFILE = support.REPO / "Dockerfile"
SNIPPET = support.REPO / "docker" / "add-to-existing-image.Dockerfile"
COMPOSE = support.REPO / "docker" / "compose.yaml"
BOOTSTRAP = support.REPO / "packaging" / "bootstrap.sh"
DEMO_CONFIG = support.REPO / "docs" / "examples" / "demo.json"


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


def bootstrap_subcommands():
    text = BOOTSTRAP.read_text()
    case = text[text.index('case "${1:-}" in'):]
    return set(re.findall(r"^  ([a-z][a-z-]*)\)", case, re.M))


@pytest.fixture(scope="module")
def dockerfile():
    return stages(DOCKERFILE)


def test_build_stage_runs_the_bootstrap_script(dockerfile):
    """Stage 1 installs build deps and runs the same commands as the README and CI:
    `bash packaging/bootstrap.sh build-static`, nothing else."""
    build = dockerfile[0]
    assert build["from"] == "debian:12" and build["name"] == "build"
    runs = only(build, "RUN")
    assert runs, "the build stage runs nothing"
    subcommands = bootstrap_subcommands()
    assert "build-static" in subcommands
    for run in runs:
        m = re.fullmatch(r"bash packaging/bootstrap\.sh ([a-z-]+)", run)
        assert m and m.group(1) in subcommands, "not a bootstrap command: RUN %s" % run
    assert "bash packaging/bootstrap.sh build-static" in runs
    # And what CI runs goes through the same function.
    text = BOOTSTRAP.read_text()
    test_branch = text[text.index("  test)"):]
    assert "build_package" in test_branch and "build_static >&2" in text


def test_build_stage_copies_exist(dockerfile):
    for stage in dockerfile:
        for source_stage, sources, _dest, _flags in copies(stage):
            if source_stage is None:
                for src in sources:
                    assert (support.REPO / src).exists(), "COPY %s: no such file" % src


def test_images_copy_what_bootstrap_builds(dockerfile):
    """The later stages take build-static/lastcall, where `bootstrap.sh build-static` puts it."""
    workdir = only(dockerfile[0], "WORKDIR")[-1]
    assert "build build-static " in BOOTSTRAP.read_text()
    for stage in dockerfile[1:]:
        from_build = [c for c in copies(stage) if c[0] == "build"]
        assert from_build, "stage %s copies nothing from the build stage" % stage["name"]
        assert from_build[0][1] == [workdir.rstrip("/") + "/build-static/lastcall"]
        assert from_build[0][2] == "/usr/bin/lastcall"


def test_default_image_runs_the_demo(dockerfile):
    """ENTRYPOINT ["/usr/bin/lastcall","-c","/etc/lastcall/demo.json","--"],
    CMD ["/usr/share/lastcall/demo.sh"], STOPSIGNAL SIGTERM, on a base that has /bin/sh."""
    demo = dockerfile[-1]
    assert demo["from"] == "debian:12-slim"
    entrypoint = json.loads(only(demo, "ENTRYPOINT")[-1])
    cmd = json.loads(only(demo, "CMD")[-1])
    assert entrypoint == ["/usr/bin/lastcall", "-c", "/etc/lastcall/demo.json", "--"]
    assert cmd == ["/usr/share/lastcall/demo.sh"]
    assert only(demo, "STOPSIGNAL") == ["SIGTERM"]
    placed = {dest: (sources, flags) for src_stage, sources, dest, flags in copies(demo)
              if src_stage is None}
    assert placed["/etc/lastcall/demo.json"][0] == ["docs/examples/demo.json"]
    assert placed["/usr/share/lastcall/demo.sh"][0] == ["docs/examples/demo.sh"]
    assert "--chmod=0755" in placed["/usr/share/lastcall/demo.sh"][1]


def test_scratch_variant(dockerfile):
    static = next(s for s in dockerfile if s["name"] == "static")
    assert static["from"] == "scratch"
    assert only(static, "STOPSIGNAL") == ["SIGTERM"]
    assert json.loads(only(static, "ENTRYPOINT")[-1])[0] == "/usr/bin/lastcall"
    assert only(static, "RUN") == [], "scratch has no shell to RUN anything"


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


def test_add_to_existing_image_snippet():
    """COPY --from=... the static binary, STOPSIGNAL SIGTERM, lastcall as the ENTRYPOINT."""
    found = stages(SNIPPET)
    source = found[0]
    final = found[-1]
    m = re.search(r"ARG LASTCALL_IMAGE=\S+:(\S+)", SNIPPET.read_text())
    assert m and m.group(1) in {s["name"] for s in stages(DOCKERFILE)}, "tag names no target"
    assert any(c[0] == source["name"] and c[1] == ["/usr/bin/lastcall"] for c in copies(final))
    assert only(final, "STOPSIGNAL") == ["SIGTERM"]
    entrypoint = json.loads(only(final, "ENTRYPOINT")[-1])
    assert entrypoint[0] == "/usr/bin/lastcall" and entrypoint[-1] == "--"
