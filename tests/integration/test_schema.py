# SPDX-License-Identifier: MIT
"""docs/lastcall.schema.json: a valid JSON Schema (draft 2020-12) that every example config
passes, and that agrees with lastcall's own validator (`lastcall --check -c FILE`) on good
and bad configs alike. The few things a schema cannot say are listed in its $comment and
checked here as known differences."""
import json
import random
import subprocess

import pytest

import support

jsonschema = pytest.importorskip("jsonschema")
yaml = pytest.importorskip("yaml")

SCHEMA_PATH = support.REPO / "docs" / "lastcall.schema.json"
EXAMPLES = support.REPO / "docs" / "examples"


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def schema_ok(validator, config):
    return validator.is_valid(config)


def check_ok(lastcall_bin, tmp_path, config, name="c.json"):
    """True when `lastcall --check -c` accepts config (exit 0), False when it rejects it (2)."""
    path = tmp_path / name
    path.write_text(config if isinstance(config, str) else json.dumps(config))
    out = subprocess.run([lastcall_bin, "--check", "-c", str(path)], capture_output=True,
                         text=True, timeout=10, env=support.clean_env())
    assert out.returncode in (0, 2), out.stderr
    return out.returncode == 0


def hook(**fields):
    return {"hooks": {"pre_stop": [dict({"name": "h", "command": ["true"]}, **fields)]}}


GOOD = [
    {},
    support.CONTRACT_EXAMPLE,
    {"grace": "1m30s"},
    {"grace": "0.5"},
    {"grace": "24"},
    {"grace": "1h2m3s4ms"},
    {"grace": "0.25h", "drain": "1.5m"},
    {"grace": "1.000s", "drain": "0s"},
    {"post_stop_timeout": "250ms"},
    {"stop_signal": "term"},
    {"stop_signal": "15"},
    {"stop_signal": "SIGRTMIN+2"},
    {"stop_signal": "rtmax-1"},
    {"stop_signal": "SIGIOT"},
    {"signals": {"forward": "child", "rewrite": {"HUP": "USR1", "SIGWINCH": "10"}}},
    {"success_exit_codes": [0, 143, 255]},
    hook(command=["printf", "", "x"]),
    hook(command="echo hi", env={"A": "1", "B_2": ""}, cwd="/tmp", priority=-5, timeout="1.5s"),
    {"listen": "0.0.0.0:9090"},
    {"listen": "[::1]:9000"},
    {"hooks": {"pre_stop": [], "post_stop": [{"name": "a", "command": ["x"]}]}},
    {"signals": {"triggers": ["TERM", "INT"]}},
    {"signals": {"triggers": ["sigusr1", "12", "RTMIN+1"], "rewrite": {"QUIT": "USR1"}}},
    {"ready": {"tcp": "127.0.0.1:8080"}},
    {"ready": {"tcp": "[::1]:8080", "interval": "500ms", "timeout": "2s", "start_timeout": "1m"}},
    {"ready": {"http": "http://127.0.0.1:8080/healthz"}},
    {"ready": {"http": "http://[::1]:8080"}},
    {"ready": {"command": "pg_isready -q", "start_timeout": "1ms"}},
    {"ready": {"command": ["pg_isready", "-q"]}},
]

BAD = [
    [],
    {"hooks": {"pre_stop": [{"name": "a\x1b[2J", "command": "true"}]}},
    {"hooks": {"post_stop": [{"name": "two\nlines", "command": "true"}]}},
    {"grase": "1s"},
    {"grace": 24},
    {"grace": "1m30"},
    {"grace": "30s1m"},
    {"grace": "1.5m30s"},
    {"grace": "1.0005s"},
    {"grace": "s"},
    {"grace": "1.5.5s"},
    {"grace": ""},
    {"stop_signal": "SIGFOO"},
    {"stop_signal": "SIGSIGTERM"},
    {"stop_signal": "32"},
    {"stop_signal": "0"},
    {"stop_signal": "SIGRTMIN+31"},
    {"stop_signal": 15},
    {"signals": {"forward": "all"}},
    {"signals": {"rewrite": {"KILL": "TERM"}}},
    {"signals": {"rewrite": {"9": "TERM"}}},
    {"signals": {"rewrite": {"HUP": "NOPE"}}},
    {"signals": {"extra": 1}},
    {"success_exit_codes": [256]},
    {"success_exit_codes": [-1]},
    {"success_exit_codes": "143"},
    {"hooks": {"pre_stop": [{"name": "h"}]}},
    {"hooks": {"pre_stop": [{"command": "true"}]}},
    hook(command=[]),
    hook(command=[""]),
    hook(command=""),
    hook(command=["ok", 1]),
    hook(name=""),
    hook(timeout="0s"),
    hook(timeout="0.0ms"),
    hook(timout="1s"),
    hook(env={"A=B": "x"}),
    hook(env={"A": 1}),
    hook(priority=1.5),
    hook(priority=2147483648),
    hook(cwd=""),
    {"hooks": {"pre_stop": {}}},
    {"hooks": {"during": []}},
    {"listen": "localhost:9090"},
    {"listen": "1.2.3.4:0"},
    {"listen": "1.2.3.4:65536"},
    {"listen": "1.2.3.4"},
    {"listen": "256.1.1.1:80"},
    {"signals": {"rewrite": {"SEGV": "HUP"}}},
    {"signals": {"rewrite": {"31": "1"}}},
    {"signals": {"rewrite": {"CHLD": "HUP"}}},
    {"signals": {"triggers": []}},
    {"signals": {"triggers": "TERM"}},
    {"signals": {"triggers": ["KILL"]}},
    {"signals": {"triggers": ["TERM", "SEGV"]}},
    {"signals": {"triggers": ["CHLD"]}},
    {"signals": {"triggers": ["NOPE"]}},
    {"signals": {"triggers": [15]}},
    {"ready": {}},
    {"ready": "tcp:127.0.0.1:8080"},
    {"ready": {"interval": "1s"}},
    {"ready": {"tcp": "127.0.0.1:8080", "http": "http://127.0.0.1:8080/"}},
    {"ready": {"tcp": "localhost:8080"}},
    {"ready": {"tcp": "127.0.0.1"}},
    {"ready": {"tcp": "127.0.0.1:0"}},
    {"ready": {"http": "https://127.0.0.1:8443/"}},
    {"ready": {"http": "http://localhost:8080/"}},
    {"ready": {"http": "http://127.0.0.1/"}},
    {"ready": {"command": ""}},
    {"ready": {"command": []}},
    {"ready": {"command": 7}},
    {"ready": {"tcp": "127.0.0.1:8080", "interval": "0s"}},
    {"ready": {"tcp": "127.0.0.1:8080", "timeout": "0ms"}},
    {"ready": {"command": "pg_isready -q", "start_timeout": "0s"}},
    {"ready": {"tcp": "127.0.0.1:8080", "interval": "soon"}},
    {"ready": {"tcp": "127.0.0.1:8080", "start_timeout": 5}},
    {"ready": {"tcp": "127.0.0.1:8080", "intervall": "1s"}},
]

# What the schema cannot express (its $comment): lastcall rejects these, the schema does not.
KNOWN_GAPS = [
    {"hooks": {"pre_stop": [{"name": "x", "command": ["a"]}],
               "post_stop": [{"name": "x", "command": ["b"]}]}},
    {"signals": {"rewrite": {"HUP": "USR1", "SIGHUP": "USR2"}}},
    {"grace": "9000h"},
    hook(priority=1.0),
]


@pytest.mark.parametrize("config", GOOD, ids=lambda c: json.dumps(c)[:60])
def test_good_configs_pass_both(validator, lastcall_bin, tmp_path, config):
    assert check_ok(lastcall_bin, tmp_path, config), "lastcall --check rejects a good config"
    errors = [e.message for e in validator.iter_errors(config)]
    assert not errors, errors


@pytest.mark.parametrize("config", BAD, ids=lambda c: json.dumps(c)[:60])
def test_bad_configs_fail_both(validator, lastcall_bin, tmp_path, config):
    assert not check_ok(lastcall_bin, tmp_path, config), "lastcall --check accepts a bad config"
    assert not schema_ok(validator, config), "the schema accepts a bad config"


@pytest.mark.parametrize("config", KNOWN_GAPS, ids=lambda c: json.dumps(c)[:60])
def test_known_gaps_of_the_schema(validator, lastcall_bin, tmp_path, config):
    """Name uniqueness, two spellings of one signal, the 365-day limit and 1.0 as an integer
    cannot be expressed in JSON Schema; lastcall --check catches them."""
    assert schema_ok(validator, config)
    assert not check_ok(lastcall_bin, tmp_path, config)


def random_durations(rng, n):
    parts = ["h", "m", "s", "ms", ""]
    out = set()
    while len(out) < n:
        text = ""
        for _ in range(rng.randint(1, 3)):
            text += str(rng.choice([0, 1, 2, 5, 30, 90, 1500]))
            if rng.random() < 0.4:
                text += "." + "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 7)))
            text += rng.choice(parts)
        out.add(text)
    return sorted(out)


def random_signals(rng, n):
    words = ["TERM", "term", "SigHup", "KILL", "RTMIN", "rtmin+3", "RTMAX-30", "RTMAX-31",
             "RTMIN+30", "IOT", "poll", "cld", "STKFLT", "FOO", "SIG", "SIGRTMIN-1", "RTMAX+0"]
    out = {str(i) for i in range(0, 70)} | {"0" + str(i) for i in (9, 15, 32, 64, 65)}
    out |= {w for w in words} | {"SIG" + w for w in words} | {"sig" + w.lower() for w in words}
    return sorted(out)[:n] if n else sorted(out)


def test_durations_agree_with_the_parser(validator, lastcall_bin, tmp_path):
    """The duration pattern accepts exactly what lastcall's parser accepts (a seeded sample)."""
    rng = random.Random(20261201)
    disagree = []
    for text in random_durations(rng, 150) + ["1.00000000000s", "1.000000000000s", "0.000001h",
                                              "0.0000025h", "0.00001m", "0.000015m", "1.5ms"]:
        config = {"drain": text}
        if schema_ok(validator, config) != check_ok(lastcall_bin, tmp_path, config):
            disagree.append(text)
    assert not disagree, "schema and lastcall disagree on durations: %s" % disagree


def test_signals_agree_with_the_parser(validator, lastcall_bin, tmp_path):
    """The signal pattern accepts exactly what lastcall's parser accepts, and rewrite's keys
    and the triggers exclude exactly the signals that are never relayed."""
    disagree = []
    for text in random_signals(random.Random(1), 0):
        for config in ({"stop_signal": text}, {"signals": {"rewrite": {text: "TERM"}}},
                       {"signals": {"triggers": [text]}}):
            if schema_ok(validator, config) != check_ok(lastcall_bin, tmp_path, config):
                disagree.append(json.dumps(config))
    assert not disagree, "schema and lastcall disagree: %s" % disagree


# A valid value for every key of the config, by the object the key belongs to: the keys
# lastcall knows, as far as a test can list them. A key the schema gains needs a value here,
# and lastcall must then accept it; a key listed here must be in the schema.
VALID = {
    "top level": {
        "grace": "30s", "stop_signal": "SIGINT", "drain": "1s", "pre_stop_timeout": "10s",
        "post_stop_timeout": "2s", "listen": "127.0.0.1:9090", "ready": {"tcp": "127.0.0.1:8080"},
        "user": "0", "group": "0", "signals": {"forward": "child"}, "success_exit_codes": [143],
        "hooks": {"post_stop": []},
    },
    "signals": {"forward": "child", "rewrite": {"HUP": "USR1"}, "triggers": ["TERM", "INT"]},
    "hooks": {"pre_stop": [{"name": "a", "command": "true"}], "post_stop": []},
    "each hook": {"name": "flush", "command": ["true"], "timeout": "2s", "priority": 5,
                  "env": {"A": "1"}, "cwd": "/", "user": "0", "group": "0"},
    "ready": {"tcp": "127.0.0.1:8080", "http": "http://127.0.0.1:8080/healthz",
              "command": ["true"], "interval": "2s", "timeout": "500ms", "start_timeout": "1m"},
}
READY_KINDS = ("tcp", "http", "command")


def schema_keys(schema):
    """{object: the keys the schema allows in it}."""
    top = schema["properties"]
    return {"top level": set(top), "signals": set(top["signals"]["properties"]),
            "hooks": set(top["hooks"]["properties"]),
            "each hook": set(schema["$defs"]["hook"]["properties"]),
            "ready": set(top["ready"]["properties"])}


def config_with(where, fields):
    """The smallest config whose object `where` holds fields (and what that object needs)."""
    if where == "top level":
        return dict(fields)
    if where == "each hook":
        return {"hooks": {"pre_stop": [dict({"name": "h", "command": ["true"]}, **fields)]}}
    if where == "ready" and not set(READY_KINDS) & set(fields):
        return {"ready": dict({"tcp": "127.0.0.1:8080"}, **fields)}
    return {where: dict(fields)}


ALL_KEYS = sorted({(where, key) for where, keys in
                   schema_keys(json.loads(SCHEMA_PATH.read_text())).items() for key in keys}
                  | {(where, key) for where, values in VALID.items() for key in values})


@pytest.mark.parametrize("where,key", ALL_KEYS, ids=lambda v: v.replace(" ", "-"))
def test_the_schema_knows_the_keys_lastcall_knows(validator, lastcall_bin, tmp_path, where, key):
    """additionalProperties is false everywhere, so the schema must know every key that
    lastcall knows, and no other: each key of the schema and of VALID (top level, signals,
    hooks, each hook, ready), with a valid value, passes both; an unknown key next to it
    fails both."""
    assert key in VALID[where], "no valid value for %s in VALID[%r]" % (key, where)
    config = config_with(where, {key: VALID[where][key]})
    assert schema_ok(validator, config), [e.message for e in validator.iter_errors(config)]
    assert check_ok(lastcall_bin, tmp_path, config), "lastcall --check rejects %s" % json.dumps(config)
    unknown = config_with(where, {key: VALID[where][key], "colour": "blue"})
    assert not schema_ok(validator, unknown), "the schema accepts %s" % json.dumps(unknown)
    assert not check_ok(lastcall_bin, tmp_path, unknown), "lastcall accepts %s" % json.dumps(unknown)


def example_configs():
    found = [(p.relative_to(support.REPO).as_posix(), json.loads(p.read_text()))
             for p in sorted(EXAMPLES.rglob("*.json"))]
    for manifest in sorted(EXAMPLES.rglob("*.yaml")) + sorted(EXAMPLES.rglob("*.yml")):
        for doc in yaml.safe_load_all(manifest.read_text()):
            if isinstance(doc, dict) and doc.get("kind") == "ConfigMap":
                for key, value in (doc.get("data") or {}).items():
                    if key.endswith(".json"):
                        found.append(("%s:%s" % (manifest.name, key), json.loads(value)))
    return found


@pytest.mark.parametrize("name,config", example_configs(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_example_config_is_valid(validator, name, config):
    """Every docs/examples/**/*.json, and every JSON config in a ConfigMap of the
    Kubernetes examples, passes the schema."""
    errors = ["%s: %s" % ("/".join(map(str, e.absolute_path)), e.message)
              for e in validator.iter_errors(config)]
    assert not errors, errors
