// SPDX-License-Identifier: MIT
#include "config/config_file.hpp"

#include <sys/stat.h>

#include <csignal>
#include <string>

#include <doctest/doctest.h>

#include "config/test_support.hpp"

using lastcall::config::FileConfig;
using lastcall::config::ForwardMode;
using lastcall::config::load_config_file;
using lastcall::config::parse_config_text;
using lastcall::core::Signal;
using std::chrono::milliseconds;

namespace {

// The error message for `text`, or "" when it is valid.
std::string error_of(const std::string& text) {
  auto result = parse_config_text(text, "test.json");
  return result ? "" : result.error().message;
}

// The single problem line of an invalid config (after the summary line).
std::string problem_of(const std::string& text) {
  const std::string message = error_of(text);
  REQUIRE_MESSAGE(message.starts_with("config test.json: 1 error\n  "), message);
  return message.substr(message.find('\n') + 3);
}

}  // namespace

TEST_CASE("every key of the config file is optional") {
  auto config = parse_config_text("{}", "test.json");
  REQUIRE(config.ok());
  CHECK_FALSE(config->grace.has_value());
  CHECK_FALSE(config->stop_signal.has_value());
  CHECK_FALSE(config->pre_stop.has_value());
  CHECK_FALSE(config->rewrite.has_value());
}

TEST_CASE("the contract's example config is read in full") {
  auto config = parse_config_text(R"({
    "grace": "24s",
    "stop_signal": "SIGTERM",
    "drain": "2s",
    "pre_stop_timeout": "12s",
    "post_stop_timeout": "5s",
    "signals": { "forward": "group", "rewrite": { "SIGHUP": "SIGUSR1" } },
    "success_exit_codes": [143],
    "hooks": {
      "pre_stop":  [ { "name": "flush", "command": "redis-cli save", "timeout": "5s", "priority": 10 } ],
      "post_stop": [ { "name": "unlock", "command": ["rm", "-f", "/run/app.lock"], "timeout": "2s" } ]
    }
  })", "test.json");
  REQUIRE_MESSAGE(config.ok(), (config ? "" : config.error().message));
  CHECK(config->grace == milliseconds(24'000));
  CHECK(config->stop_signal == Signal(SIGTERM));
  CHECK(config->drain == milliseconds(2'000));
  CHECK(config->pre_stop_timeout == milliseconds(12'000));
  CHECK(config->post_stop_timeout == milliseconds(5'000));
  CHECK(config->forward == ForwardMode::Group);
  CHECK(config->rewrite->at(Signal(SIGHUP)) == Signal(SIGUSR1));
  CHECK(*config->success_exit_codes == std::vector<int>{143});
  REQUIRE(config->pre_stop->size() == 1);
  const auto& flush = config->pre_stop->front();
  CHECK(flush.name == "flush");
  CHECK(flush.timeout == milliseconds(5'000));
  CHECK(flush.priority == 10);
  REQUIRE(config->post_stop->size() == 1);
  CHECK(config->post_stop->front().timeout == milliseconds(2'000));
}

TEST_CASE("a string command runs under /bin/sh -c, an array is executed directly") {
  auto config = parse_config_text(R"({"hooks": {"pre_stop": [
      {"name": "a", "command": "redis-cli save"},
      {"name": "b", "command": ["rm", "-f", ""], "env": {"X": "1"}, "cwd": "/srv"}]}})",
                                  "test.json");
  REQUIRE(config.ok());
  const auto& hooks = *config->pre_stop;
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
    CHECK(problem_of(R"({"hooks": {"pre-stop": []}})") ==
          "/hooks/pre-stop: unknown key (did you mean \"pre_stop\"?)");
  }
  SUBCASE("under signals") {
    CHECK(problem_of(R"({"signals": {"foward": "group"}})") ==
          "/signals/foward: unknown key (did you mean \"forward\"?)");
  }
  SUBCASE("nothing close") {
    CHECK(problem_of(R"({"colour": "blue"})") == "/colour: unknown key");
  }
  SUBCASE("a slash in a key is escaped in the pointer") {
    CHECK(problem_of(R"({"a/b~c": 1})") == "/a~1b~0c: unknown key");
  }
}

TEST_CASE("a wrong type names its JSON path and the types") {
  SUBCASE("duration as a number") {
    CHECK(problem_of(R"({"grace": 24})") ==
          "/grace: expected a duration string such as \"24s\", got number");
  }
  SUBCASE("top level not an object") {
    CHECK(problem_of("[]") == "(top level): expected an object, got array");
  }
  SUBCASE("hooks not an object") {
    CHECK(problem_of(R"({"hooks": []})") == "/hooks: expected an object, got array");
  }
  SUBCASE("a phase not an array") {
    CHECK(problem_of(R"({"hooks": {"post_stop": {}}})") ==
          "/hooks/post_stop: expected an array, got object");
  }
  SUBCASE("a hook not an object") {
    CHECK(problem_of(R"({"hooks": {"pre_stop": ["echo"]}})") ==
          "/hooks/pre_stop/0: expected an object, got string");
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
    CHECK(problem_of(R"({"signals": {"forward": true}})") ==
          "/signals/forward: expected a string, got boolean");
  }
}

TEST_CASE("a bad value names its JSON path") {
  SUBCASE("bad duration") {
    CHECK(problem_of(R"({"drain": "2 s"})") ==
          "/drain: invalid duration \"2 s\" (use 250ms, 1.5s, 2m, 1m30s or seconds)");
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
    CHECK(problem_of(R"({"signals": {"forward": "all"}})") ==
          "/signals/forward: expected \"group\" or \"child\", got \"all\"");
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
          "/signals/rewrite/KILL: SIGKILL cannot be caught, so it cannot be rewritten");
  }
  SUBCASE("the same signal rewritten twice under two names") {
    CHECK(problem_of(R"({"signals": {"rewrite": {"HUP": "USR1", "SIGHUP": "USR2"}}})") ==
          "/signals/rewrite/SIGHUP: SIGHUP is rewritten more than once");
  }
  SUBCASE("success exit codes outside 0..255") {
    CHECK(problem_of(R"({"success_exit_codes": [0, 256]})") ==
          "/success_exit_codes/1: expected an integer 0..255, got 256");
    CHECK(problem_of(R"({"success_exit_codes": [-1]})") ==
          "/success_exit_codes/0: expected an integer 0..255, got -1");
    CHECK(problem_of(R"({"success_exit_codes": [18446744073709551615]})") ==
          "/success_exit_codes/0: expected an integer 0..255, got 18446744073709551615");
  }
  SUBCASE("success exit codes not an array") {
    CHECK(problem_of(R"({"success_exit_codes": 143})") ==
          "/success_exit_codes: expected an array, got number");
  }
}

TEST_CASE("a hook needs a non-empty name and command") {
  SUBCASE("missing name") {
    CHECK(problem_of(R"({"hooks": {"pre_stop": [{"command": "x"}]}})") ==
          "/hooks/pre_stop/0: missing required key \"name\"");
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
    CHECK(problem_of(R"({"grace": "1s", "grace": "2s"})") ==
          "/grace: duplicate key (the last one would win)");
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
    CHECK(problem_of("{\n  \"grace\": \"1s\",\n  \"drain\" \"2s\"\n}\n")
              .starts_with("line 3, column 14: invalid JSON: syntax error"));
  }
  SUBCASE("a trailing comma") {
    CHECK(problem_of("{\n  \"grace\": \"1s\",\n}").starts_with("line 3, column 1: invalid JSON"));
  }
  SUBCASE("an empty file") {
    CHECK(problem_of("").starts_with("line 1, column 1: invalid JSON"));
  }
  SUBCASE("garbage on the first line") {
    CHECK(problem_of("{x}").starts_with("line 1, column 2: invalid JSON"));
  }
  SUBCASE("our position agrees with nlohmann's own") {
    const std::string message = problem_of("{\n\n   \"a\": tru }");
    CHECK(message.starts_with("line 3, column 12: "));
    CHECK(message.find("parse error") == std::string::npos);
  }
}

TEST_CASE("a number too large for a double is malformed JSON, not a crash") {
  // nlohmann throws out_of_range rather than parse_error for it; found by tests/fuzz
  // (regressions/config/number-overflow-*).
  CHECK(problem_of("{\"grace\": 1e400}") ==
        "line 1, column 11: invalid JSON: number overflow parsing '1e400'");
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
    auto config = load_config_file(dir.write("ok.json", R"({"grace": "3s"})"));
    REQUIRE(config.ok());
    CHECK(config->grace == milliseconds(3'000));
  }
  SUBCASE("errors name the file") {
    const std::string path = dir.write("bad.json", R"({"grace": 3})");
    auto config = load_config_file(path);
    REQUIRE_FALSE(config.ok());
    CHECK(config.error().message.starts_with("config " + path + ": 1 error\n"));
    CHECK(config.error().exit_code == 2);
  }
  SUBCASE("a missing file names it and the reason") {
    auto config = load_config_file(dir.path() + "/missing.json");
    REQUIRE_FALSE(config.ok());
    CHECK(config.error().message ==
          "config " + dir.path() + "/missing.json: cannot read: No such file or directory");
  }
  SUBCASE("a directory is not a config file") {
    auto config = load_config_file(dir.path());
    REQUIRE_FALSE(config.ok());
    CHECK(config.error().message == "config " + dir.path() + ": cannot read: Is a directory");
  }
  SUBCASE("an unreadable file") {
    const std::string path = dir.write("secret.json", "{}");
    ::chmod(path.c_str(), 0);
    auto config = load_config_file(path);
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
