#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Regenerates packaging/hot-text.ld: which input sections of the static binary a start, an
idle wait and an exit run, so the link puts them first, together.

    tests/bench/hot_text.py [BUILD_DIR]     # a configured static build, default build-static

Needs valgrind (callgrind) and perf, as root (perf's page-fault events). It relinks
BUILD_DIR's lastcall unstripped with a link map, runs it under callgrind for a few command
lines (the functions executed, plus every ifunc resolver glibc's static start-up calls),
maps each to its archive member or section, then relinks with that order and records the
page faults of real runs: code the profile missed (the CPU's own string function variants,
the vDSO set-up valgrind does not run) shows up as a fault past the grouped code and is
added, until none is left.
"""
import bisect
import collections
import os
import re
import shlex
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "packaging", "hot-text.ld")
SCENARIOS = [
    ["--log-format", "json", "--log-level", "warn", "--", "/bin/true"],
    ["--", "/bin/true"],
    ["--log-format", "json", "--", "/bin/true"],
    ["--log-level", "debug", "--", "sh", "-c", "exit"],
]
MULTIARCH = re.compile(r"-(sse2|ssse3|sse4|avx|evex|erms)")


def link(build, out, script, mapfile):
    words = shlex.split(open(os.path.join(build, "CMakeFiles/lastcall.dir/link.txt")).read())
    words = [w for w in words if w != "-s" and not w.startswith("-Wl,-T,")]
    i = words.index("-o")
    words[i + 1] = out
    words += [f"-Wl,-Map={mapfile}"] + ([f"-Wl,-T,{script}"] if script else [])
    subprocess.run(words, cwd=build, check=True, stderr=subprocess.DEVNULL)


def text_sections(mapfile):
    """(start, size, section, file) of every input section in the text, and the end of ours."""
    lines = open(mapfile).read().split("\n")
    lines = lines[next(k for k, l in enumerate(lines) if l.startswith("Linker script and memory map")):]
    found, pending, hot_end, prev = [], None, 0, ""
    for l in lines:
        m = re.match(r"^\s*0x([0-9a-f]+)\s+0x([0-9a-f]+)$", l)
        if m and prev.startswith(".text.start_path"):
            hot_end = int(m.group(1), 16) + int(m.group(2), 16)
        prev = l
        m = re.match(r"^ (\.text\S*)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)$", l)
        if m:
            found.append((int(m.group(2), 16), int(m.group(3), 16), m.group(1), m.group(4)))
            pending = None
            continue
        m = re.match(r"^ (\.text\S*)$", l)
        if m:
            pending = m.group(1)
            continue
        m = re.match(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)$", l)
        if m and pending:
            found.append((int(m.group(1), 16), int(m.group(2), 16), pending, m.group(3)))
        pending = None
    found = sorted(x for x in found if x[1] > 0)
    return found, hot_end


def pattern(section, path):
    """The linker script pattern for one input section, or None."""
    if path.endswith("crt1.o"):
        return "*crt1.o(.text)"
    m = re.match(r".*/([^/]+\.a)\((.*)\)$", path)
    if not m:
        # lastcall's own code, one section per function (-ffunction-sections at the LTO link).
        return f"*({section})" if path.endswith(".ltrans.o") and section.startswith(".text.") else None
    archive, member = m.groups()
    if archive == "libc.a" and MULTIARCH.search(member):
        # Every variant of a string function: the CPU picks one at start-up (ifunc).
        return f"*{archive}:{member.split('-')[0]}-*.o(.text*)"
    return f"*{archive}:{member}({section})"


def locate(sections, starts, address):
    k = bisect.bisect_right(starts, address) - 1
    if k >= 0 and sections[k][0] <= address < sections[k][0] + sections[k][1]:
        return sections[k]
    return None


def profiled(binary, mapfile, tmp):
    names = set()
    for n, args in enumerate(SCENARIOS):
        out = os.path.join(tmp, f"cg.{n}")
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary, *args],
                       check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for l in open(out, errors="replace"):
            m = re.match(r"c?fn=\(\d+\) (.*)$", l)
            if m:
                names.add(re.sub(r"'\d+$", "", m.group(1).strip()))
    addresses = collections.defaultdict(list)
    for l in subprocess.run(["nm", "-C", binary], capture_output=True, text=True).stdout.splitlines():
        p = l.split(" ", 2)
        if len(p) == 3 and p[0] and p[1] in "TtWwi":
            addresses[p[2]].append(int(p[0], 16))
    hot = [a for n in names for a in addresses.get(n, [])]
    for l in subprocess.run(["readelf", "-rW", binary], capture_output=True, text=True).stdout.splitlines():
        if "IRELATIV" in l:  # every ifunc resolver runs before main in a static binary
            hot.append(int(l.split()[-1], 16))
    sections, _ = text_sections(mapfile)
    starts = [s[0] for s in sections]
    chosen = []
    for a in hot:
        s = locate(sections, starts, a)
        p = s and pattern(s[2], s[3])
        if p and p not in chosen:
            chosen.append(p)
    return sorted(chosen)


def faulted_outside(binary, mapfile, tmp):
    sections, hot_end = text_sections(mapfile)
    starts = [s[0] for s in sections]
    missing = []
    for args in SCENARIOS:
        data = os.path.join(tmp, "pf.data")
        subprocess.run(["perf", "record", "-q", "-i", "-e", "page-faults", "-c", "1", "-d", "-o", data,
                        binary, *args], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out = subprocess.run(["perf", "script", "-i", data, "-F", "addr"], capture_output=True, text=True).stdout
        for l in out.split():
            a = int(l, 16)
            s = locate(sections, starts, a)
            p = s and a >= hot_end and pattern(s[2], s[3])
            if p and p not in missing:
                missing.append(p)
    return missing


def write_script(patterns):
    header = open(SCRIPT).read().split("SECTIONS", 1)[0]
    body = "".join(f"    {p}\n" for p in patterns)
    open(SCRIPT, "w").write(f"{header}SECTIONS\n{{\n  .text.start_path :\n  {{\n{body}  }}\n}}\nINSERT BEFORE .text;\n")


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build-static"))
    with tempfile.TemporaryDirectory() as tmp:
        binary, mapfile, script = os.path.join(tmp, "lastcall"), os.path.join(tmp, "map"), os.path.join(tmp, "order.ld")
        link(build, binary, None, mapfile)
        patterns = profiled(binary, mapfile, tmp)
        for _ in range(6):
            body = "".join(f"    {p}\n" for p in patterns)
            open(script, "w").write(f"SECTIONS\n{{\n  .text.start_path :\n  {{\n{body}  }}\n}}\nINSERT BEFORE .text;\n")
            link(build, binary, script, mapfile)
            missing = faulted_outside(binary, mapfile, tmp)
            print(f"{len(patterns)} sections grouped; faults past them: {missing or 'none'}")
            if not missing:
                break
            patterns += missing
    write_script(patterns)
    print(f"wrote {SCRIPT}")


if __name__ == "__main__":
    main()
