// SPDX-License-Identifier: MIT
#include "config/resolve.hpp"

#include <csignal>
#include <iostream>
#include <sstream>

#include <doctest/doctest.h>

#include "cli/cli.hpp"
#include "config/host.hpp"
#include "test_support.hpp"

using lastcall::config::Endpoint;
using lastcall::config::FileSource;
using lastcall::config::find_key;
using lastcall::config::ForwardMode;
using lastcall::config::Overrides;
using lastcall::config::ReadyCheck;
using lastcall::config::resolve;
using lastcall::config::resolve_layers;
using lastcall::config::Settings;
using lastcall::core::LogFormat;
using lastcall::core::LogLevel;
using lastcall::core::Signal;
using lastcall::test::ScopedEnv;
using std::chrono::milliseconds;

namespace {

// One value as the command line or the environment gives it: the key's name there, and the text.
struct Given {
  std::string name;  // "--grace" or "LASTCALL_GRACE"
  std::string value;
};

Overrides given(const std::vector<Given>& values, std::vector<std::string> command = {"sleep", "10"}) {
  Overrides overrides;
  overrides.command = std::move(command);
  for (const auto& [name, value] : values) {
    const auto* key = find_key(name);
    REQUIRE_MESSAGE(key != nullptr, name);
    overrides.values.push_back({key, value, name});
  }
  return overrides;
}

// A config file that is `text` whatever its path; none when `text` is empty.
FileSource file(std::string text) {
  return [text = std::move(text)](const std::string& path, bool) -> lastcall::core::Result<std::string> {
    if (text.empty()) return lastcall::core::Error{"config " + path + ": cannot read: No such file or directory"};
    return text;
  };
}

// The overrides over a config file with `text` (when not empty), resolved.
Settings resolved(Overrides overrides, const std::string& text = "", bool tty = false) {
  if (!text.empty()) overrides.values.insert(overrides.values.begin(), {find_key("--config"), "test.json", "--config"});
  auto settings = resolve_layers(overrides, file(text), tty);
  REQUIRE_MESSAGE(settings.ok(), (settings ? "" : settings.error().message));
  return *settings;
}

std::string error_of(Overrides overrides, const std::string& text = "") {
  if (!text.empty()) overrides.values.insert(overrides.values.begin(), {find_key("--config"), "test.json", "--config"});
  auto settings = resolve_layers(overrides, file(text), false);
  REQUIRE_FALSE(settings.ok());
  CHECK(settings.error().exit_code == 2);
  return settings.error().message;
}

std::vector<std::string> names(const std::vector<lastcall::core::HookSpec>& hooks) {
  std::vector<std::string> out;
  for (const auto& h : hooks) out.push_back(h.name);
  return out;
}

// cli::parse over `args` (after argv[0]), for tests that go from argv and the environment to
// the settings.
Overrides parsed(std::vector<std::string> args) {
  args.insert(args.begin(), "lastcall");
  std::vector<const char*> argv;
  for (const auto& arg : args) argv.push_back(arg.c_str());
  auto result = lastcall::cli::parse(static_cast<int>(argv.size()), argv.data());
  REQUIRE_MESSAGE(result.ok(), (result ? "" : result.error().message));
  return result->overrides;
}


}  // namespace

TEST_CASE("without overrides or a file, the contract's defaults apply") {
  const Settings settings = resolved(given({}));
  CHECK(settings.command == std::vector<std::string>{"sleep", "10"});
  CHECK(settings.grace == milliseconds(24'000));
  CHECK_FALSE(settings.stop_signal.has_value());
  CHECK(settings.drain == milliseconds(0));
  CHECK(settings.pre_stop_cap() == milliseconds(12'000));
  CHECK(settings.post_stop_timeout == milliseconds(5'000));
  CHECK(settings.forward == ForwardMode::Group);
  CHECK(settings.rewrite.empty());
  CHECK(settings.triggers == std::vector<Signal>{Signal(SIGTERM), Signal(SIGINT), Signal(SIGQUIT)});
  CHECK(settings.success_exit_codes.empty());
  CHECK(settings.log_level == LogLevel::Info);
  CHECK_FALSE(settings.config_path.has_value());
  CHECK_FALSE(settings.listen.has_value());
  CHECK_FALSE(settings.ready.has_value());
  CHECK_FALSE(settings.exit_by_signal);
  CHECK_FALSE(settings.check);
}

TEST_CASE("the log format defaults to text on a terminal, else json") {
  CHECK(resolved(given({}), "", true).log_format == LogFormat::Text);
  CHECK(resolved(given({}), "", false).log_format == LogFormat::Json);
  CHECK(resolved(given({{"--log-format", "json"}}), "", true).log_format == LogFormat::Json);
}

TEST_CASE("pre_stop_timeout defaults to half the resolved grace") {
  const std::string file = R"({"grace": "10s"})";
  SUBCASE("grace from the file") { CHECK(resolved(given({}), file).pre_stop_cap() == milliseconds(5'000)); }
  SUBCASE("grace from the command line, over the file") {
    CHECK(resolved(given({{"--grace", "3s"}}), file).pre_stop_cap() == milliseconds(1'500));
  }
  SUBCASE("an explicit pre_stop_timeout wins") {
    CHECK(resolved(given({}), R"({"grace": "10s", "pre_stop_timeout": "7s"})").pre_stop_cap() == milliseconds(7'000));
  }
}

TEST_CASE("the command line beats the config file, which beats the defaults") {
  const std::string file =
      R"({"grace": "30s", "drain": "2s", "stop_signal": "INT", "signals": {"forward": "child"}, "post_stop_timeout": "1s"})";
  SUBCASE("the file beats the defaults") {
    const Settings settings = resolved(given({}), file);
    CHECK(settings.grace == milliseconds(30'000));
    CHECK(settings.drain == milliseconds(2'000));
    CHECK(settings.stop_signal == Signal(SIGINT));
    CHECK(settings.forward == ForwardMode::Child);
    CHECK(settings.post_stop_timeout == milliseconds(1'000));
  }
  SUBCASE("overrides beat the file") {
    const Settings settings = resolved(given({{"--grace", "1m"},
                                              {"LASTCALL_DRAIN", "250ms"},
                                              {"--stop-signal", "usr2"},
                                              {"--forward", "group"},
                                              {"LASTCALL_LOG_LEVEL", "debug"}}),
                                       file);
    CHECK(settings.grace == milliseconds(60'000));
    CHECK(settings.drain == milliseconds(250));
    CHECK(settings.stop_signal == Signal(SIGUSR2));
    CHECK(settings.forward == ForwardMode::Group);
    CHECK(settings.log_level == LogLevel::Debug);
    CHECK(settings.post_stop_timeout == milliseconds(1'000));
  }
}

TEST_CASE("from argv and the environment: file < environment < command line, key by key") {
  lastcall::test::CleanEnv clean;
  const std::string file = R"({"grace": "30s", "drain": "3s", "listen": "127.0.0.1:9000"})";
  ScopedEnv grace("LASTCALL_GRACE", "20s");
  ScopedEnv drain("LASTCALL_DRAIN", "2s");
  const Settings settings = resolved(parsed({"--grace", "10s", "--", "app"}), file);
  CHECK(settings.grace == milliseconds(10'000));   // the command line over the environment
  CHECK(settings.drain == milliseconds(2'000));    // the environment over the file
  CHECK(settings.listen == Endpoint{.host = "127.0.0.1", .port = 9000, .ipv6 = false});  // the file alone
  CHECK(settings.post_stop_timeout == milliseconds(5'000));  // the default
  CHECK(settings.command == std::vector<std::string>{"app"});
}

TEST_CASE("--rewrite merges over the file's rewrite map, the command line winning per signal") {
  const std::string file = R"({"signals": {"rewrite": {"SIGHUP": "SIGUSR1", "WINCH": "USR2"}}})";
  const Settings settings =
      resolved(given({{"--rewrite", "HUP:TERM"}, {"--rewrite", "SIGINT:sigquit"}, {"--rewrite", "int:2"}}), file);
  CHECK(settings.rewrite == std::map<Signal, Signal>{{Signal(SIGHUP), Signal(SIGTERM)},
                                                     {Signal(SIGINT), Signal(SIGINT)},
                                                     {Signal(SIGWINCH), Signal(SIGUSR2)}});
}

TEST_CASE("--success-exit codes are added to the file's success_exit_codes") {
  const Settings settings =
      resolved(given({{"--success-exit", "0"}, {"--success-exit", "143"}}), R"({"success_exit_codes": [143, 1]})");
  CHECK(settings.success_exit_codes == std::vector<int>{0, 1, 143});
}

TEST_CASE("--triggers replaces the file's signals.triggers") {
  const std::string file = R"({"signals": {"triggers": ["QUIT", "HUP"]}})";
  CHECK(resolved(given({}), file).triggers == std::vector<Signal>{Signal(SIGQUIT), Signal(SIGHUP)});
  CHECK(resolved(given({{"--triggers", "TERM,INT"}}), file).triggers ==
        std::vector<Signal>{Signal(SIGTERM), Signal(SIGINT)});
}

TEST_CASE("--ready gives the readiness check, over the file's ready") {
  SUBCASE("tcp") {
    const auto ready = resolved(given({{"--ready", "tcp:127.0.0.1:5432"}})).ready;
    REQUIRE(ready);
    CHECK(ready->kind == ReadyCheck::Kind::Tcp);
    CHECK(ready->endpoint == Endpoint{.host = "127.0.0.1", .port = 5432, .ipv6 = false});
  }
  SUBCASE("http") {
    const auto ready = resolved(given({{"--ready", "http://127.0.0.1:8080/healthz"}})).ready;
    REQUIRE(ready);
    CHECK(ready->kind == ReadyCheck::Kind::Http);
    CHECK(ready->path == "/healthz");
  }
  SUBCASE("exec") {
    const auto ready = resolved(given({{"--ready", "exec:pg_isready -q"}})).ready;
    REQUIRE(ready);
    CHECK(ready->kind == ReadyCheck::Kind::Command);
    CHECK(ready->argv == std::vector<std::string>{"/bin/sh", "-c", "pg_isready -q"});
  }
  SUBCASE("the file's ready, then replaced") {
    const std::string file = R"({"ready": {"command": ["true"], "interval": "5s"}})";
    const auto from_file = resolved(given({}), file).ready;
    REQUIRE(from_file);
    CHECK(from_file->kind == ReadyCheck::Kind::Command);
    CHECK(from_file->interval == milliseconds(5'000));
    const auto replaced = resolved(given({{"--ready", "tcp:127.0.0.1:1"}}), file).ready;
    REQUIRE(replaced);
    CHECK(replaced->kind == ReadyCheck::Kind::Tcp);
    CHECK(replaced->text == "tcp:127.0.0.1:1");
  }
}

TEST_CASE("an invalid override is an error naming its origin") {
  SUBCASE("a bad duration on the command line") {
    CHECK(error_of(given({{"--grace", "abc"}})) == "--grace: invalid duration \"abc\" (use 250ms, 1.5s, 2m, 1m30s or seconds)");
  }
  SUBCASE("a bad duration in the environment") {
    CHECK(error_of(given({{"LASTCALL_DRAIN", "-1s"}})).starts_with("LASTCALL_DRAIN: invalid duration \"-1s\""));
  }
  SUBCASE("a bad stop signal") {
    CHECK(error_of(given({{"--stop-signal", "SIGNOPE"}})).starts_with("--stop-signal: invalid signal \"SIGNOPE\""));
  }
  SUBCASE("a bad forward mode") {
    CHECK(error_of(given({{"--forward", "all"}})) == "--forward: invalid value \"all\" (use group or child)");
  }
  SUBCASE("a bad log format") {
    CHECK(error_of(given({{"LASTCALL_LOG_FORMAT", "xml"}})) == "LASTCALL_LOG_FORMAT: invalid value \"xml\" (use text or json)");
  }
  SUBCASE("a bad log level") {
    CHECK(error_of(given({{"--log-level", "loud"}})) == "--log-level: invalid value \"loud\" (use debug, info, warn or error)");
  }
  SUBCASE("a rewrite without a colon") {
    CHECK(error_of(given({{"--rewrite", "HUP"}})) == "--rewrite: invalid rewrite \"HUP\" (use FROM:TO, such as HUP:USR1)");
  }
  SUBCASE("a rewrite with a bad signal") {
    CHECK(error_of(given({{"--rewrite", "HUP:NOPE"}})).starts_with("--rewrite: invalid signal \"NOPE\""));
  }
  SUBCASE("rewriting SIGKILL or SIGSTOP") {
    CHECK(error_of(given({{"--rewrite", "KILL:TERM"}, {"--rewrite", "19:TERM"}})) ==
          "--rewrite: SIGKILL is never relayed, so it cannot be rewritten\n"
          "--rewrite: SIGSTOP is never relayed, so it cannot be rewritten");
  }
  SUBCASE("rewriting a signal that is never relayed") {
    CHECK(error_of(given({{"--rewrite", "CHLD:USR1"}})) == "--rewrite: SIGCHLD is never relayed, so it cannot be rewritten");
  }
  SUBCASE("a trigger that lastcall never receives") {
    CHECK(error_of(given({{"--triggers", "TERM,KILL"}})) ==
          "--triggers: SIGKILL cannot be a trigger: lastcall never receives it as one");
  }
  SUBCASE("a bad readiness check") {
    CHECK(error_of(given({{"--ready", "tcp:localhost:80"}})) ==
          "--ready: invalid readiness check \"tcp:localhost:80\" (use tcp:ADDR:PORT, http://ADDR:PORT/PATH or "
          "exec:COMMAND)");
  }
  SUBCASE("a success exit code out of range") {
    for (const char* bad : {"256", "-1", "", "1.0", "0x1", "1000"}) {
      CAPTURE(bad);
      CHECK(error_of(given({{"--success-exit", bad}})).starts_with("--success-exit: invalid exit code"));
    }
  }
  SUBCASE("every problem at once") {
    const std::string message = error_of(given({{"--grace", "x"}, {"LASTCALL_DRAIN", "y"}}));
    CHECK(message.starts_with("--grace: "));
    CHECK(message.find("\nLASTCALL_DRAIN: ") != std::string::npos);
  }
}

TEST_CASE("every problem of the file, the overrides and the command is reported at once") {
  const std::string message =
      error_of(given({{"--drain", "soon"}, {"--rewrite", "SEGV:HUP"}}, {}), R"({"grace": 8, "colour": "blue"})");
  CHECK(message ==
        "config test.json: 2 errors\n"
        "  /colour: unknown key\n"
        "  /grace: expected a duration string such as \"24s\", got number\n"
        "--drain: invalid duration \"soon\" (use 250ms, 1.5s, 2m, 1m30s or seconds)\n"
        "--rewrite: SIGSEGV is never relayed, so it cannot be rewritten\n"
        "no COMMAND given; usage: lastcall [OPTIONS] [--] COMMAND [ARG...]");
}

TEST_CASE("hooks are put in execution order: descending priority, file order within one") {
  const Settings settings = resolved(given({}), R"({"hooks": {
      "pre_stop": [{"name": "a", "command": "true"}, {"name": "b", "command": "true", "priority": 10},
                   {"name": "c", "command": "true"}, {"name": "d", "command": "true", "priority": 10},
                   {"name": "e", "command": "true", "priority": -5}, {"name": "f", "command": "true", "priority": 20}],
      "post_stop": [{"name": "x", "command": "true", "priority": 1}, {"name": "y", "command": "true", "priority": 2}]}})");
  CHECK(names(settings.pre_stop) == std::vector<std::string>{"f", "b", "d", "a", "c", "e"});
  CHECK(names(settings.post_stop) == std::vector<std::string>{"y", "x"});
}

TEST_CASE("a COMMAND is required unless --check") {
  CHECK(error_of(given({}, {})) == "no COMMAND given; usage: lastcall [OPTIONS] [--] COMMAND [ARG...]");
  CHECK(error_of(given({{"--grace", "1s"}}, {})).starts_with("no COMMAND given"));
  CHECK(resolved(given({{"--check", ""}}, {})).check);
}

TEST_CASE("where the config file is, and whether to trust it, is known before it is read") {
  bool insecure_seen = false;
  std::string path_seen;
  const FileSource source = [&](const std::string& path, bool insecure) -> lastcall::core::Result<std::string> {
    path_seen = path;
    insecure_seen = insecure;
    return std::string(R"({"grace": "2s"})");
  };
  // Given after the other options, as the command line may give them.
  auto overrides = given({{"--grace", "5s"}, {"--insecure-config", ""}, {"LASTCALL_CONFIG", "/etc/l.json"}});
  auto settings = resolve_layers(overrides, source, false);
  REQUIRE(settings.ok());
  CHECK(path_seen == "/etc/l.json");
  CHECK(insecure_seen);
  CHECK(settings->config_path == "/etc/l.json");
  CHECK(settings->grace == milliseconds(5'000));
  SUBCASE("a file that cannot be had is a problem beside the others") {
    auto missing = resolve_layers(given({{"--config", "/nope.json"}, {"--drain", "x"}}), file(""), false);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.starts_with("config /nope.json: cannot read: No such file or directory\n--drain: "));
  }
}

TEST_CASE("resolve loads the config file the overrides name") {
  lastcall::test::TempDir dir;
  SUBCASE("a valid file") {
    const auto path = dir.write("c.json", R"({"grace": "8s", "drain": "1s"})");
    auto settings = resolve(given({{"--config", path}, {"--drain", "2s"}}), false);
    REQUIRE_MESSAGE(settings.ok(), (settings ? "" : settings.error().message));
    CHECK(settings->config_path == path);
    CHECK(settings->grace == milliseconds(8'000));
    CHECK(settings->drain == milliseconds(2'000));
    CHECK(settings->pre_stop_cap() == milliseconds(4'000));
  }
  SUBCASE("a bad file and a bad override are both reported") {
    const std::string path = dir.write("c.json", R"({"grace": 8})");
    auto settings = resolve(given({{"LASTCALL_CONFIG", path}, {"--drain", "soon"}}), false);
    REQUIRE_FALSE(settings.ok());
    CHECK(settings.error().message.starts_with("config " + path + ": 1 error\n  /grace: "));
    CHECK(settings.error().message.find("\n--drain: invalid duration \"soon\"") != std::string::npos);
  }
  SUBCASE("a missing file") {
    auto settings = resolve(given({{"--config", dir.path() + "/nope.json"}}), false);
    REQUIRE_FALSE(settings.ok());
    CHECK(settings.error().message.find("No such file or directory") != std::string::npos);
  }
  SUBCASE("an empty path") {
    auto settings = resolve(given({{"--config", ""}}), false);
    REQUIRE_FALSE(settings.ok());
    CHECK(settings.error().message == "--config: must not be empty");
  }
  SUBCASE("the settings are bound to the host: a hook's cwd is made absolute") {
    const auto path = dir.write("c.json", R"({"hooks": {"pre_stop": [{"name": "a", "command": "true"}]}})");
    auto settings = resolve(given({{"--config", path}}), false);
    REQUIRE(settings.ok());
    CHECK(settings->pre_stop.at(0).cwd == lastcall::config::current_directory());
  }
}

TEST_CASE("--listen over LASTCALL_LISTEN over the file's \"listen\"; none means no endpoint") {
  const std::string file = R"({"listen": "127.0.0.1:9000"})";
  CHECK_FALSE(resolved(given({})).listen);
  CHECK(resolved(given({}), file).listen == Endpoint{.host = "127.0.0.1", .port = 9000, .ipv6 = false});
  CHECK(resolved(given({{"LASTCALL_LISTEN", "[::1]:9100"}}), file).listen ==
        Endpoint{.host = "::1", .port = 9100, .ipv6 = true});
  CHECK(error_of(given({{"--listen", "localhost:9000"}}), file).find("--listen: invalid address \"localhost:9000\"") !=
        std::string::npos);
}

TEST_CASE("--exit-by-signal, or INVOCATION_ID, turns exit_by_signal on") {
  CHECK_FALSE(resolved(given({})).exit_by_signal);
  CHECK(resolved(given({{"INVOCATION_ID", "0123abcd"}})).exit_by_signal);
  lastcall::test::CleanEnv clean;
  ScopedEnv invocation("INVOCATION_ID", "0123abcd");
  CHECK(resolved(parsed({"app"})).exit_by_signal);
}

TEST_CASE("--ready replaces only what to check: the file's interval, timeout and start_timeout stay") {
  const std::string file =
      R"({"ready": {"command": ["true"], "interval": "5s", "timeout": "3s", "start_timeout": "1m"}})";
  const auto ready = resolved(given({{"--ready", "tcp:127.0.0.1:1"}}), file).ready;
  REQUIRE(ready);
  CHECK(ready->kind == ReadyCheck::Kind::Tcp);
  CHECK(ready->endpoint == Endpoint{.host = "127.0.0.1", .port = 1, .ipv6 = false});
  CHECK(ready->argv.empty());
  CHECK(ready->interval == milliseconds(5'000));
  CHECK(ready->timeout == milliseconds(3'000));
  CHECK(ready->start_timeout == milliseconds(60'000));
  const auto alone = resolved(given({{"--ready", "tcp:127.0.0.1:1"}})).ready;
  REQUIRE(alone);
  CHECK(alone->interval == milliseconds(1'000));
  CHECK(alone->timeout == milliseconds(1'000));
  CHECK_FALSE(alone->start_timeout.has_value());
}
