# SPDX-License-Identifier: MIT
"""docs/configuration.md's example error messages are what lastcall prints: CONTRACT §3 "An
unknown key, a wrong type, a bad duration or signal, a duplicate hook name, or malformed JSON
is an error that names the JSON path", word for word as the guide shows it."""
import pwd
import re

import pytest

import support

GUIDE = (support.REPO / "docs" / "configuration.md").read_text()


def block_after(marker, fence):
    """The body of the first ``` block (```json when fence is "json") after `marker`."""
    start = GUIDE.index(marker)
    match = re.compile(r"^```" + fence + r"\n(.*?)^```$", re.S | re.M).search(GUIDE, start)
    assert match, "no ```%s block after %r" % (fence, marker)
    return match.group(1)


def without_time_and_suffix(text):
    """The text log's lines with the time of day as 00:00:00.000 and the bracketed suffix
    of the config_error event (which repeats the message) cut, as the guide shows them."""
    text = re.sub(r"^lastcall \d\d:\d\d:\d\d\.\d{3} ", "lastcall 00:00:00.000 ", text, flags=re.M)
    return re.sub(r"  \[config_error error=.*$", "", text, flags=re.M).rstrip("\n")


@pytest.mark.timeout(30)
@pytest.mark.parametrize("name,marker", [("bad.json", "A file with mistakes:")])
def test_the_guides_report_of_a_file_with_mistakes_is_what_lastcall_prints(run_lastcall, tmp_path, name, marker):
    """Every problem is reported at once ... each named by its JSON pointer: the guide's
    bad.json gives the guide's report, line for line."""
    (tmp_path / name).write_text(block_after(marker, "json"))
    expected = without_time_and_suffix(block_after("`lastcall --check -c %s --log-format text` exits 2" % name, ""))
    r = run_lastcall("--check", "-c", name, log_format="text", cwd=str(tmp_path))
    assert r.returncode == 2, r.stderr
    assert without_time_and_suffix(r.stderr) == expected
    assert expected.count("\n") >= 10


# (config, a line the guide shows for it)
SHOWN = [
    ({"listen": "localhost:9000"},
     '/listen: invalid address "localhost:9000" (use ADDR:PORT such as 127.0.0.1:9000 or [::1]:9000)'),
    ({"hooks": {"pre_stop": [{"name": "flush", "command": ["true"], "user": "ap"}]}},
     'lastcall: /hooks/pre_stop: hook flush: user "ap": no such user in the user database'),
    ({"user": "ap"}, 'lastcall: /user: "ap": no such user in the user database'),
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("config,line", SHOWN, ids=["listen", "hook-user", "user"])
def test_the_guides_single_error_examples_are_what_lastcall_prints(run_lastcall, config, line):
    """A bad value is an error at its JSON path; an unknown account is a usage error (exit 2)
    before anything starts: each example line of the guide, as lastcall prints it."""
    assert line in GUIDE, "the guide no longer shows %r" % line
    if '"ap"' in line and user_exists("ap"):
        pytest.skip("this machine has a user ap, which the example says is unknown")
    r = run_lastcall("--check", config=config, log_format="text")
    assert r.returncode == 2, r.stderr
    assert line in without_time_and_suffix(r.stderr), r.stderr


def user_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False
