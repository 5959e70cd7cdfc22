// SPDX-License-Identifier: MIT
#include "config/config_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "test_support.hpp"

using lastcall::config::apply_config_text;
using lastcall::config::Diagnostics;
using lastcall::config::Endpoint;
using lastcall::config::ForwardMode;
using lastcall::config::read_config_file;
using lastcall::config::ReadyCheck;
using lastcall::config::Settings;
using lastcall::core::Signal;
using std::chrono::milliseconds;

namespace {

// The error message for `text`, or "" when it is valid.
std::string error_of(const std::string& text) {
  Settings settings;
  Diagnostics diagnostics;
  apply_config_text(text, settings, diagnostics);
  return diagnostics.empty() ? "" : diagnostics.to_error("test.json").message;
}

// The single problem line of an invalid config (after the summary line).
std::string problem_of(const std::string& text) {
  const std::string message = error_of(text);
  REQUIRE_MESSAGE(message.starts_with("config test.json: 1 error\n  "), message);
  return message.substr(message.find('\n') + 3);
}

// The settings a valid config leaves over the defaults.
Settings read(const std::string& text) {
  Settings settings;
  Diagnostics diagnostics;
  apply_config_text(text, settings, diagnostics);
  REQUIRE_MESSAGE(diagnostics.empty(), (diagnostics.empty() ? "" : diagnostics.to_error("test.json").message));
  return settings;
}

// The settings a config file on disk gives, or the error that names it.
lastcall::core::Result<Settings> load(const std::string& path) {
  auto text = read_config_file(path);
  if (!text) return text.error();
  Settings settings;
  Diagnostics diagnostics;
  apply_config_text(*text, settings, diagnostics);
  if (!diagnostics.empty()) return diagnostics.to_error(path);
  return settings;
}

}  // namespace

TEST_CASE("every key of the config file is optional") {
  const Settings config = read("{}");
  const Settings defaults;
  CHECK(config.grace == defaults.grace);
  CHECK_FALSE(config.stop_signal.has_value());
  CHECK_FALSE(config.pre_stop_timeout.has_value());
  CHECK(config.pre_stop.empty());
  CHECK(config.post_stop.empty());
  CHECK(config.rewrite.empty());
  CHECK(config.triggers == defaults.triggers);
  CHECK(config.success_exit_codes.empty());
  CHECK_FALSE(config.listen.has_value());
  CHECK_FALSE(config.ready.has_value());
  CHECK_FALSE(config.user.has_value());
}

TEST_CASE("the contract's example config is read in full") {
  const Settings config = read(R"({
    "grace": "24s",
    "stop_signal": "SIGTERM",
    "drain": "2s",
    "pre_stop_timeout": "12s",
    "post_stop_timeout": "5s",
    "signals": { "forward": "group", "rewrite": { "SIGHUP": "SIGUSR1" }, "triggers": ["TERM", "INT", "QUIT"] },
    "success_exit_codes": [143],
    "hooks": {
      "pre_stop":  [ { "name": "flush", "command": "redis-cli save", "timeout": "5s", "priority": 10 } ],
      "post_stop": [ { "name": "unlock", "command": ["rm", "-f", "/run/app.lock"], "timeout": "2s" } ]
    }
  })");
  CHECK(config.grace == milliseconds(24'000));
  CHECK(config.stop_signal == Signal(SIGTERM));
  CHECK(config.drain == milliseconds(2'000));
  CHECK(config.pre_stop_timeout == milliseconds(12'000));
  CHECK(config.post_stop_timeout == milliseconds(5'000));
  CHECK(config.forward == ForwardMode::Group);
  CHECK(config.rewrite.at(Signal(SIGHUP)) == Signal(SIGUSR1));
  CHECK(config.triggers == std::vector<Signal>{Signal(SIGTERM), Signal(SIGINT), Signal(SIGQUIT)});
  CHECK(config.success_exit_codes == std::vector<int>{143});
  REQUIRE(config.pre_stop.size() == 1);
  const auto& flush = config.pre_stop.front();
  CHECK(flush.name == "flush");
  CHECK(flush.timeout == milliseconds(5'000));
  CHECK(flush.priority == 10);
  REQUIRE(config.post_stop.size() == 1);
  CHECK(config.post_stop.front().timeout == milliseconds(2'000));
}

TEST_CASE("listen, user and group are read from the top level, and a hook's user and group from the hook") {
  const Settings config = read(R"({"listen": "127.0.0.1:9000", "user": "nobody", "group": "nogroup",
      "hooks": {"post_stop": [{"name": "a", "command": "x", "user": "65534", "group": "65534"}]}})");
  CHECK(config.listen == Endpoint{.host = "127.0.0.1", .port = 9000, .ipv6 = false});
  CHECK(config.user == "nobody");
  CHECK(config.group == "nogroup");
  CHECK(config.post_stop.at(0).user == "65534");
  CHECK(config.post_stop.at(0).group == "65534");
  CHECK(problem_of(R"({"listen": "localhost:9000"})").starts_with("/listen: invalid address \"localhost:9000\""));
  CHECK(problem_of(R"({"user": ""})") == "/user: must not be empty");
}

TEST_CASE("a string command runs under /bin/sh -c, an array is executed directly") {
  const Settings config = read(R"({"hooks": {"pre_stop": [
      {"name": "a", "command": "redis-cli save"},
      {"name": "b", "command": ["rm", "-f", ""], "env": {"X": "1"}, "cwd": "/srv"}]}})");
  const auto& hooks = config.pre_stop;
  CHECK(hooks[0].argv == std::vector<std::string>{"/bin/sh", "-c", "redis-cli save"});
  CHECK(hooks[0].via_shell);
  CHECK_FALSE(hooks[0].timeout.has_value());
  CHECK(hooks[0].priority == 0);
  CHECK(hooks[1].argv == std::vector<std::string>{"rm", "-f", ""});
  CHECK_FALSE(hooks[1].via_shell);
  CHECK(hooks[1].env.at("X") == "1");
  CHECK(hooks[1].cwd == "/srv");
}

TEST_CASE("an unknown key names its JSON path and suggests a close one") {
  SUBCASE("inside a hook") {
    CHECK(problem_of(R"({"hooks": {"pre_stop": [{"name": "a", "command": "x", "timout": "5s"}]}})") ==
          "/hooks/pre_stop/0/timout: unknown key (did you mean \"timeout\"?)");
  }
  SUBCASE("at the top") {
    CHECK(problem_of(R"({"grase": "1s"})") == "/grase: unknown key (did you mean \"grace\"?)");
  }
  SUBCASE("a phase with a dash") {
    CHECK(problem_of(R"({"hooks": {"pre-stop": []}})") == "/hooks/pre-stop: unknown key (did you mean \"pre_stop\"?)");
  }
  SUBCASE("under signals") {
    CHECK(problem_of(R"({"signals": {"foward": "group"}})") ==
          "/signals/foward: unknown key (did you mean \"forward\"?)");
  }
  SUBCASE("under ready") {
    CHECK(problem_of(R"({"ready": {"tcp": "127.0.0.1:80", "intervall": "1s"}})") ==
          "/ready/intervall: unknown key (did you mean \"interval\"?)");
  }
  SUBCASE("nothing close") { CHECK(problem_of(R"({"colour": "blue"})") == "/colour: unknown key"); }
  SUBCASE("a slash in a key is escaped in the pointer") {
    CHECK(problem_of(R"({"a/b~c": 1})") == "/a~1b~0c: unknown key");
  }
}

TEST_CASE("a wrong type names its JSON path and the types") {
  SUBCASE("duration as a number") {
    CHECK(problem_of(R"({"grace": 24})") == "/grace: expected a duration string such as \"24s\", got number");
  }
  SUBCASE("top level not an object") { CHECK(problem_of("[]") == "(top level): expected an object, got array"); }
  SUBCASE("hooks not an object") { CHECK(problem_of(R"({"hooks": []})") == "/hooks: expected an object, got array"); }
  SUBCASE("a phase not an array") {
    CHECK(problem_of(R"({"hooks": {"post_stop": {}}})") == "/hooks/post_stop: expected an array, got object");
  }
  SUBCASE("a hook not an object") {
    CHECK(problem_of(R"({"hooks": {"pre_stop": ["echo"]}})") == "/hooks/pre_stop/0: expected an object, got string");
  }
  SUBCASE("priority not an integer") {
    CHECK(problem_of(R"({"hooks": {"pre_stop": [{"name": "a", "command": "x", "priority": 1.5}]}})") ==
          "/hooks/pre_stop/0/priority: expected an integer, got number");
    CHECK(problem_of(R"({"hooks": {"pre_stop": [{"name": "a", "command": "x", "priority": "1"}]}})") ==
          "/hooks/pre_stop/0/priority: expected an integer, got string");
  }
  SUBCASE("env value not a string") {
    CHECK(problem_of(R"({"hooks": {"pre_stop": [{"name": "a", "command": "x", "env": {"PORT": 80}}]}})") ==
          "/hooks/pre_stop/0/env/PORT: expected a string, got number");
  }
  SUBCASE("env not an object") {
    CHECK(problem_of(R"({"hooks": {"pre_stop": [{"name": "a", "command": "x", "env": ["A=1"]}]}})") ==
          "/hooks/pre_stop/0/env: expected an object, got array");
  }
  SUBCASE("cwd not a string") {
    CHECK(problem_of(R"({"hooks": {"pre_stop": [{"name": "a", "command": "x", "cwd": null}]}})") ==
          "/hooks/pre_stop/0/cwd: expected a string, got null");
  }
  SUBCASE("command neither string nor array") {
    CHECK(problem_of(R"({"hooks": {"pre_stop": [{"name": "a", "command": 1}]}})") ==
          "/hooks/pre_stop/0/command: expected a string or an array of strings, got number");
  }
  SUBCASE("a command element not a string") {
    CHECK(problem_of(R"({"hooks": {"pre_stop": [{"name": "a", "command": ["rm", 1]}]}})") ==
          "/hooks/pre_stop/0/command/1: expected a string, got number");
  }
  SUBCASE("forward not a string") {
    CHECK(problem_of(R"({"signals": {"forward": true}})") == "/signals/forward: expected a string, got boolean");
  }
  SUBCASE("triggers not an array") {
    CHECK(problem_of(R"({"signals": {"triggers": "TERM"}})") == "/signals/triggers: expected an array, got string");
  }
  SUBCASE("ready not an object") {
    CHECK(problem_of(R"({"ready": "tcp:127.0.0.1:80"})") == "/ready: expected an object, got string");
  }
}

TEST_CASE("a bad value names its JSON path") {
  SUBCASE("bad duration") {
    CHECK(problem_of(R"({"drain": "2 s"})") == "/drain: invalid duration \"2 s\" (use 250ms, 1.5s, 2m, 1m30s or seconds)");
  }
  SUBCASE("bad hook timeout") {
    CHECK(problem_of(R"({"hooks": {"post_stop": [{"name": "a", "command": "x", "timeout": "soon"}]}})")
              .starts_with("/hooks/post_stop/0/timeout: invalid duration \"soon\""));
  }
  SUBCASE("a hook timeout of 0 is rejected") {
    CHECK(problem_of(R"({"hooks": {"post_stop": [{"name": "a", "command": "x", "timeout": "0s"}]}})")
              .starts_with("/hooks/post_stop/0/timeout: must be more than 0s"));
  }
  SUBCASE("bad stop signal") {
    CHECK(problem_of(R"({"stop_signal": "SIGFOO"})").starts_with("/stop_signal: invalid signal \"SIGFOO\""));
  }
  SUBCASE("bad forward") {
    CHECK(problem_of(R"({"signals": {"forward": "all"}})") == "/signals/forward: invalid value \"all\" (use group or child)");
  }
  SUBCASE("bad rewrite source") {
    CHECK(problem_of(R"({"signals": {"rewrite": {"SIGNOPE": "SIGUSR1"}}})")
              .starts_with("/signals/rewrite/SIGNOPE: invalid signal \"SIGNOPE\""));
  }
  SUBCASE("bad rewrite target") {
    CHECK(problem_of(R"({"signals": {"rewrite": {"HUP": 1}}})") ==
          "/signals/rewrite/HUP: expected a signal name such as \"SIGTERM\", got number");
  }
  SUBCASE("SIGKILL cannot be rewritten") {
    CHECK(problem_of(R"({"signals": {"rewrite": {"KILL": "TERM"}}})") ==
          "/signals/rewrite/KILL: SIGKILL is never relayed, so it cannot be rewritten");
  }
  SUBCASE("nor can any signal that is never relayed") {
    CHECK(problem_of(R"({"signals": {"rewrite": {"CHLD": "USR1"}}})") ==
          "/signals/rewrite/CHLD: SIGCHLD is never relayed, so it cannot be rewritten");
    CHECK(problem_of(R"({"signals": {"rewrite": {"SIGSEGV": "USR1"}}})") ==
          "/signals/rewrite/SIGSEGV: SIGSEGV is never relayed, so it cannot be rewritten");
  }
  SUBCASE("the same signal rewritten twice under two names") {
    CHECK(problem_of(R"({"signals": {"rewrite": {"HUP": "USR1", "SIGHUP": "USR2"}}})") ==
          "/signals/rewrite/SIGHUP: SIGHUP is rewritten more than once");
  }
  SUBCASE("success exit codes outside 0..255") {
    CHECK(problem_of(R"({"success_exit_codes": [0, 256]})") == "/success_exit_codes/1: expected an integer 0..255, got 256");
    CHECK(problem_of(R"({"success_exit_codes": [-1]})") == "/success_exit_codes/0: expected an integer 0..255, got -1");
    CHECK(problem_of(R"({"success_exit_codes": [18446744073709551615]})") ==
          "/success_exit_codes/0: expected an integer 0..255, got 18446744073709551615");
  }
  SUBCASE("success exit codes not an array") {
    CHECK(problem_of(R"({"success_exit_codes": 143})") == "/success_exit_codes: expected an array, got number");
  }
}

TEST_CASE("signals.triggers replaces the default triggers, and each must be a signal lastcall receives") {
  CHECK(read(R"({"signals": {"triggers": ["TERM", "sigint"]}})").triggers ==
        std::vector<Signal>{Signal(SIGTERM), Signal(SIGINT)});
  CHECK(problem_of(R"({"signals": {"triggers": []}})") == "/signals/triggers: name at least one signal");
  CHECK(problem_of(R"({"signals": {"triggers": ["TERM", "KILL"]}})") ==
        "/signals/triggers/1: SIGKILL cannot be a trigger: lastcall never receives it as one");
  CHECK(problem_of(R"({"signals": {"triggers": ["CHLD"]}})") ==
        "/signals/triggers/0: SIGCHLD cannot be a trigger: lastcall never receives it as one");
  CHECK(problem_of(R"({"signals": {"triggers": ["NOPE"]}})").starts_with("/signals/triggers/0: invalid signal \"NOPE\""));
}

TEST_CASE("ready names one check: tcp, http or command, with its interval, timeout and start_timeout") {
  SUBCASE("tcp, with every timing") {
    const auto ready =
        read(R"({"ready": {"tcp": "127.0.0.1:8080", "interval": "2s", "timeout": "500ms", "start_timeout": "1m"}})").ready;
    REQUIRE(ready);
    CHECK(ready->kind == ReadyCheck::Kind::Tcp);
    CHECK(ready->endpoint == Endpoint{.host = "127.0.0.1", .port = 8080, .ipv6 = false});
    CHECK(ready->text == "tcp:127.0.0.1:8080");
    CHECK(ready->interval == milliseconds(2'000));
    CHECK(ready->timeout == milliseconds(500));
    CHECK(ready->start_timeout == milliseconds(60'000));
  }
  SUBCASE("http, with the defaults") {
    const auto ready = read(R"({"ready": {"http": "http://[::1]:8080/healthz"}})").ready;
    REQUIRE(ready);
    CHECK(ready->kind == ReadyCheck::Kind::Http);
    CHECK(ready->endpoint == Endpoint{.host = "::1", .port = 8080, .ipv6 = true});
    CHECK(ready->path == "/healthz");
    CHECK(ready->interval == milliseconds(1'000));
    CHECK(ready->timeout == milliseconds(1'000));
    CHECK_FALSE(ready->start_timeout.has_value());
  }
  SUBCASE("a command as a string or an array") {
    const auto shell = read(R"({"ready": {"command": "pg_isready -q"}})").ready;
    REQUIRE(shell);
    CHECK(shell->kind == ReadyCheck::Kind::Command);
    CHECK(shell->argv == std::vector<std::string>{"/bin/sh", "-c", "pg_isready -q"});
    const auto argv = read(R"({"ready": {"command": ["pg_isready", "-q"]}})").ready;
    REQUIRE(argv);
    CHECK(argv->argv == std::vector<std::string>{"pg_isready", "-q"});
  }
  SUBCASE("none or two checks") {
    CHECK(problem_of(R"({"ready": {"interval": "1s"}})") == "/ready: name exactly one of \"tcp\", \"http\" or \"command\"");
    CHECK(problem_of(R"({"ready": {"tcp": "127.0.0.1:1", "command": "true"}})") ==
          "/ready: name exactly one of \"tcp\", \"http\" or \"command\"");
  }
  SUBCASE("a bad check or timing names its path") {
    CHECK(problem_of(R"({"ready": {"tcp": "localhost:80"}})").starts_with("/ready/tcp: invalid address \"localhost:80\""));
    CHECK(problem_of(R"({"ready": {"http": "https://127.0.0.1:443/"}})") ==
          "/ready/http: invalid URL \"https://127.0.0.1:443/\" (use http://ADDR:PORT/PATH)");
    CHECK(problem_of(R"({"ready": {"command": []}})") == "/ready/command: must not be an empty array");
    CHECK(problem_of(R"({"ready": {"tcp": "127.0.0.1:1", "interval": "0s"}})") == "/ready/interval: must be more than 0s");
    CHECK(problem_of(R"({"ready": {"tcp": "127.0.0.1:1", "timeout": 1}})") ==
          "/ready/timeout: expected a duration string such as \"24s\", got number");
    CHECK(problem_of(R"({"ready": {"tcp": "127.0.0.1:1", "start_timeout": "later"}})")
              .starts_with("/ready/start_timeout: invalid duration \"later\""));
  }
}

TEST_CASE("a hook needs a non-empty name and command") {
  SUBCASE("missing name") {
    CHECK(problem_of(R"({"hooks": {"pre_stop": [{"command": "x"}]}})") == "/hooks/pre_stop/0: missing required key \"name\"");
  }
  SUBCASE("empty name") {
    CHECK(problem_of(R"({"hooks": {"pre_stop": [{"name": "", "command": "x"}]}})") ==
          "/hooks/pre_stop/0/name: must not be empty");
  }
  SUBCASE("missing command") {
    CHECK(problem_of(R"({"hooks": {"pre_stop": [{"name": "a"}]}})") ==
          "/hooks/pre_stop/0: missing required key \"command\"");
  }
  SUBCASE("empty command string") {
    CHECK(problem_of(R"({"hooks": {"pre_stop": [{"name": "a", "command": ""}]}})") ==
          "/hooks/pre_stop/0/command: must not be empty");
  }
  SUBCASE("empty command array") {
    CHECK(problem_of(R"({"hooks": {"pre_stop": [{"name": "a", "command": []}]}})") ==
          "/hooks/pre_stop/0/command: must not be an empty array");
  }
  SUBCASE("empty program") {
    CHECK(problem_of(R"({"hooks": {"pre_stop": [{"name": "a", "command": [""]}]}})") ==
          "/hooks/pre_stop/0/command/0: must not be empty");
  }
  SUBCASE("empty cwd") {
    CHECK(problem_of(R"({"hooks": {"pre_stop": [{"name": "a", "command": "x", "cwd": ""}]}})") ==
          "/hooks/pre_stop/0/cwd: must not be empty");
  }
  SUBCASE("an env name with =") {
    CHECK(problem_of(R"({"hooks": {"pre_stop": [{"name": "a", "command": "x", "env": {"A=B": "1"}}]}})")
              .starts_with("/hooks/pre_stop/0/env/A=B: an environment variable name"));
  }
}

TEST_CASE("hook names are unique across both phases") {
  SUBCASE("within a phase") {
    CHECK(problem_of(R"({"hooks": {"pre_stop": [{"name": "a", "command": "x"},
                                                {"name": "a", "command": "y"}]}})") ==
          "/hooks/pre_stop/1/name: duplicate hook name \"a\" (first used at /hooks/pre_stop/0/name)");
  }
  SUBCASE("across phases") {
    CHECK(problem_of(R"({"hooks": {"pre_stop": [{"name": "a", "command": "x"}],
                                   "post_stop": [{"name": "a", "command": "y"}]}})") ==
          "/hooks/post_stop/0/name: duplicate hook name \"a\" (first used at /hooks/pre_stop/0/name)");
  }
}

TEST_CASE("a key repeated within one object is an error at its path") {
  SUBCASE("at the top") {
    CHECK(problem_of(R"({"grace": "1s", "grace": "2s"})") == "/grace: duplicate key (the last one would win)");
  }
  SUBCASE("deep inside a hook") {
    CHECK(problem_of(R"({"hooks": {"pre_stop": [{"name": "a", "command": "x"},
        {"name": "b", "command": "y", "env": {"A": "1", "A": "2"}}]}})") ==
          "/hooks/pre_stop/1/env/A: duplicate key (the last one would win)");
  }
  SUBCASE("the path counts through nested arrays") {
    const std::string message = error_of(R"({"x": [[1, {}], {"a": 1, "a": 2}]})");
    CHECK(message.find("\n  /x/1/a: duplicate key") != std::string::npos);
  }
}

TEST_CASE("malformed JSON is reported with its line and column") {
  SUBCASE("a missing colon") {
    CHECK(problem_of("{\n  \"grace\": \"1s\",\n  \"drain\" \"2s\"\n}\n").starts_with("line 3, column 14: invalid JSON: syntax error"));
  }
  SUBCASE("a trailing comma") {
    CHECK(problem_of("{\n  \"grace\": \"1s\",\n}").starts_with("line 3, column 1: invalid JSON"));
  }
  SUBCASE("an empty file") { CHECK(problem_of("").starts_with("line 1, column 1: invalid JSON")); }
  SUBCASE("garbage on the first line") { CHECK(problem_of("{x}").starts_with("line 1, column 2: invalid JSON")); }
  SUBCASE("our position agrees with nlohmann's own") {
    const std::string message = problem_of("{\n\n   \"a\": tru }");
    CHECK(message.starts_with("line 3, column 12: "));
    CHECK(message.find("parse error") == std::string::npos);
  }
}

TEST_CASE("a number too large for a double is malformed JSON, not a crash") {
  // nlohmann throws out_of_range rather than parse_error for it; found by tests/fuzz
  // (regressions/config/number-overflow-*).
  CHECK(problem_of("{\"grace\": 1e400}") == "line 1, column 11: invalid JSON: number overflow parsing '1e400'");
  CHECK(problem_of("{\"success_exit_codes\": [\n  -18446E44073709551615]}")
            .starts_with("line 2, column 3: invalid JSON: number overflow"));
}

TEST_CASE("all errors of a file are reported at once") {
  const std::string message = error_of(R"({
    "grace": "forever",
    "colour": 1,
    "hooks": {"pre_stop": [{"name": "a", "command": [], "timout": "1s"}]}
  })");
  CHECK(message ==
        "config test.json: 4 errors\n"
        "  /colour: unknown key\n"
        "  /grace: invalid duration \"forever\" (use 250ms, 1.5s, 2m, 1m30s or seconds)\n"
        "  /hooks/pre_stop/0/timout: unknown key (did you mean \"timeout\"?)\n"
        "  /hooks/pre_stop/0/command: must not be an empty array");
}

TEST_CASE("a config file is read from disk") {
  lastcall::test::TempDir dir;
  REQUIRE_FALSE(dir.path().empty());
  SUBCASE("a valid file") {
    auto config = load(dir.write("ok.json", R"({"grace": "3s"})"));
    REQUIRE(config.ok());
    CHECK(config->grace == milliseconds(3'000));
  }
  SUBCASE("errors name the file") {
    const std::string path = dir.write("bad.json", R"({"grace": 3})");
    auto config = load(path);
    REQUIRE_FALSE(config.ok());
    CHECK(config.error().message.starts_with("config " + path + ": 1 error\n"));
    CHECK(config.error().exit_code == 2);
  }
  SUBCASE("a missing file names it and the reason") {
    auto config = load(dir.path() + "/missing.json");
    REQUIRE_FALSE(config.ok());
    CHECK(config.error().message == "config " + dir.path() + "/missing.json: cannot read: No such file or directory");
    CHECK(config.error().exit_code == 2);
  }
  SUBCASE("a directory is not a config file") {
    auto config = load(dir.path());
    REQUIRE_FALSE(config.ok());
    CHECK(config.error().message == "config " + dir.path() + ": cannot read: Is a directory");
  }
  SUBCASE("an unreadable file") {
    const std::string path = dir.write("secret.json", "{}");
    REQUIRE(::chmod(path.c_str(), 0) == 0);
    auto config = load(path);
    // root reads anything, so only a normal user sees EACCES.
    if (::geteuid() != 0) {
      REQUIRE_FALSE(config.ok());
      CHECK(config.error().message == "config " + path + ": cannot read: Permission denied");
    }
  }
}

TEST_CASE("a hook name with a control character is a config error naming its pointer") {
  CHECK(problem_of(R"({"hooks": {"pre_stop": [{"name": "a\u001b[2J", "command": "true"}]}})") ==
        "/hooks/pre_stop/0/name: a hook name must not contain control characters");
  CHECK(problem_of(R"({"hooks": {"post_stop": [{"name": "x\ny", "command": "true"}]}})") ==
        "/hooks/post_stop/0/name: a hook name must not contain control characters");
  CHECK(error_of(R"({"hooks": {"pre_stop": [{"name": "caf\u00e9 flush", "command": "true"}]}})").empty());
}

TEST_CASE("a start_timeout of 0s is rejected: the shutdown would start before any check could pass") {
  CHECK(problem_of(R"({"ready": {"tcp": "127.0.0.1:1", "start_timeout": "0s"}})") ==
        "/ready/start_timeout: must be more than 0s (leave it out to wait for the first pass for ever)");
  CHECK(problem_of(R"({"ready": {"tcp": "127.0.0.1:1", "start_timeout": "0"}})").starts_with("/ready/start_timeout: must be more than 0s"));
  const auto ready = read(R"({"ready": {"tcp": "127.0.0.1:1", "start_timeout": "1ms"}})").ready;
  REQUIRE(ready);
  CHECK(ready->start_timeout == milliseconds(1));
}

namespace {

// Every key the JSON Schema allows, as a JSON pointer: "properties" nest, an array's "items"
// (a $ref to one of "$defs") add "-" for each element. A hook's keys, in either phase, are
// "/hooks/-/name", as file_pointers() writes them.
void schema_pointers(const nlohmann::json& schema, const nlohmann::json& node, const std::string& prefix,
                     std::set<std::string>& out) {
  const nlohmann::json* at = &node;
  if (at->contains("$ref")) {
    const std::string ref = (*at)["$ref"];
    REQUIRE(ref.starts_with("#/$defs/"));
    at = &schema["$defs"][ref.substr(8)];
  }
  if (at->contains("items")) schema_pointers(schema, (*at)["items"], prefix + "/-", out);
  if (!at->contains("properties")) return;
  for (const auto& [key, child] : (*at)["properties"].items()) {
    std::string pointer = prefix + "/" + key;
    for (const char* phase : {"/hooks/pre_stop/-", "/hooks/post_stop/-"}) {
      if (pointer.starts_with(phase)) pointer = "/hooks/-" + pointer.substr(std::string_view(phase).size());
    }
    out.insert(pointer);
    schema_pointers(schema, child, pointer, out);
  }
}

}  // namespace

TEST_CASE("the config file accepts exactly the keys of docs/lastcall.schema.json, and no other") {
  // This file is tests/unit/config/config_file_test.cpp: the repository is three directories above.
  const auto repo = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path();
  std::ifstream file(repo / "docs" / "lastcall.schema.json");
  REQUIRE_MESSAGE(file.good(), "cannot read " << (repo / "docs" / "lastcall.schema.json").string());
  const auto schema = nlohmann::json::parse(file);
  std::set<std::string> in_schema;
  schema_pointers(schema, schema, "", in_schema);
  std::set<std::string> in_table;
  for (const std::string_view pointer : lastcall::config::file_pointers()) {
    CHECK_MESSAGE(in_table.insert(std::string(pointer)).second, "named twice: " << pointer);
  }
  for (const auto& pointer : in_table) CHECK_MESSAGE(in_schema.contains(pointer), "not in the schema: " << pointer);
  for (const auto& pointer : in_schema) CHECK_MESSAGE(in_table.contains(pointer), "not accepted by lastcall: " << pointer);
  // What the comparison rests on: the top level, a nested object, a hook and a ready key.
  for (const char* pointer : {"/grace", "/signals/forward", "/hooks/-/name", "/ready/start_timeout"}) {
    CHECK(in_table.contains(pointer));
  }
  CHECK(in_table.size() >= 30);
}
