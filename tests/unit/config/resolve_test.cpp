// SPDX-License-Identifier: MIT
#include "config/resolve.hpp"

#include <csignal>

#include <doctest/doctest.h>

#include "config/test_support.hpp"

using lastcall::cli::Overrides;
using lastcall::cli::Raw;
using lastcall::config::FileConfig;
using lastcall::config::ForwardMode;
using lastcall::config::HookSpec;
using lastcall::config::LogFormat;
using lastcall::config::LogLevel;
using lastcall::config::resolve;
using lastcall::config::Settings;
using lastcall::core::Signal;
using std::chrono::milliseconds;

namespace {

Overrides with_command() {
  Overrides overrides;
  overrides.command = {"sleep", "10"};
  return overrides;
}

Settings resolved(const Overrides& overrides, const FileConfig& file = {}, bool tty = false) {
  auto settings = resolve(overrides, file, tty);
  REQUIRE_MESSAGE(settings.ok(), (settings ? "" : settings.error().message));
  return *settings;
}

std::string error_of(const Overrides& overrides, const FileConfig& file = {}) {
  auto settings = resolve(overrides, file, false);
  REQUIRE_FALSE(settings.ok());
  CHECK(settings.error().exit_code == 2);
  return settings.error().message;
}

HookSpec hook(std::string name, int priority) {
  HookSpec spec;
  spec.name = std::move(name);
  spec.argv = {"true"};
  spec.priority = priority;
  return spec;
}

std::vector<std::string> names(const std::vector<HookSpec>& hooks) {
  std::vector<std::string> out;
  for (const auto& h : hooks) out.push_back(h.name);
  return out;
}

}  // namespace

TEST_CASE("without overrides or a file, the contract's defaults apply") {
  const Settings settings = resolved(with_command());
  CHECK(settings.command == std::vector<std::string>{"sleep", "10"});
  CHECK(settings.grace == milliseconds(24'000));
  CHECK_FALSE(settings.stop_signal.has_value());
  CHECK(settings.drain == milliseconds(0));
  CHECK(settings.pre_stop_timeout == milliseconds(12'000));
  CHECK(settings.post_stop_timeout == milliseconds(5'000));
  CHECK(settings.forward == ForwardMode::Group);
  CHECK(settings.rewrite.empty());
  CHECK(settings.success_exit_codes.empty());
  CHECK(settings.log_level == LogLevel::Info);
  CHECK_FALSE(settings.config_path.has_value());
  CHECK_FALSE(settings.check);
}

TEST_CASE("the log format defaults to text on a terminal, else json") {
  CHECK(resolved(with_command(), {}, true).log_format == LogFormat::Text);
  CHECK(resolved(with_command(), {}, false).log_format == LogFormat::Json);
  Overrides overrides = with_command();
  overrides.log_format = Raw{"json", "--log-format"};
  CHECK(resolved(overrides, {}, true).log_format == LogFormat::Json);
}

TEST_CASE("pre_stop_timeout defaults to half the resolved grace") {
  FileConfig file;
  file.grace = milliseconds(10'000);
  SUBCASE("grace from the file") { CHECK(resolved(with_command(), file).pre_stop_timeout == milliseconds(5'000)); }
  SUBCASE("grace from the command line, over the file") {
    Overrides overrides = with_command();
    overrides.grace = Raw{"3s", "--grace"};
    CHECK(resolved(overrides, file).pre_stop_timeout == milliseconds(1'500));
  }
  SUBCASE("an explicit pre_stop_timeout wins") {
    file.pre_stop_timeout = milliseconds(7'000);
    CHECK(resolved(with_command(), file).pre_stop_timeout == milliseconds(7'000));
  }
}

TEST_CASE("the command line beats the config file, which beats the defaults") {
  FileConfig file;
  file.grace = milliseconds(30'000);
  file.drain = milliseconds(2'000);
  file.stop_signal = Signal(SIGINT);
  file.forward = ForwardMode::Child;
  file.post_stop_timeout = milliseconds(1'000);
  SUBCASE("the file beats the defaults") {
    const Settings settings = resolved(with_command(), file);
    CHECK(settings.grace == milliseconds(30'000));
    CHECK(settings.drain == milliseconds(2'000));
    CHECK(settings.stop_signal == Signal(SIGINT));
    CHECK(settings.forward == ForwardMode::Child);
    CHECK(settings.post_stop_timeout == milliseconds(1'000));
  }
  SUBCASE("overrides beat the file") {
    Overrides overrides = with_command();
    overrides.grace = Raw{"1m", "--grace"};
    overrides.drain = Raw{"250ms", "LASTCALL_DRAIN"};
    overrides.stop_signal = Raw{"usr2", "--stop-signal"};
    overrides.forward = Raw{"group", "--forward"};
    overrides.log_level = Raw{"debug", "LASTCALL_LOG_LEVEL"};
    const Settings settings = resolved(overrides, file);
    CHECK(settings.grace == milliseconds(60'000));
    CHECK(settings.drain == milliseconds(250));
    CHECK(settings.stop_signal == Signal(SIGUSR2));
    CHECK(settings.forward == ForwardMode::Group);
    CHECK(settings.log_level == LogLevel::Debug);
  }
}

TEST_CASE("--rewrite merges over the file's rewrite map, the command line winning per signal") {
  FileConfig file;
  file.rewrite = std::map<Signal, Signal>{{Signal(SIGHUP), Signal(SIGUSR1)},
                                          {Signal(SIGWINCH), Signal(SIGUSR2)}};
  Overrides overrides = with_command();
  overrides.rewrite = {Raw{"HUP:TERM", "--rewrite"}, Raw{"SIGINT:sigquit", "--rewrite"},
                       Raw{"int:2", "--rewrite"}};
  const Settings settings = resolved(overrides, file);
  CHECK(settings.rewrite == std::map<Signal, Signal>{{Signal(SIGHUP), Signal(SIGTERM)},
                                                     {Signal(SIGINT), Signal(SIGINT)},
                                                     {Signal(SIGWINCH), Signal(SIGUSR2)}});
}

TEST_CASE("--success-exit codes are added to the file's success_exit_codes") {
  FileConfig file;
  file.success_exit_codes = std::vector<int>{143, 1};
  Overrides overrides = with_command();
  overrides.success_exit = {Raw{"0", "--success-exit"}, Raw{"143", "--success-exit"}};
  CHECK(resolved(overrides, file).success_exit_codes == std::vector<int>{0, 1, 143});
}

TEST_CASE("an invalid override is an error naming its origin") {
  Overrides overrides = with_command();
  SUBCASE("a bad duration on the command line") {
    overrides.grace = Raw{"abc", "--grace"};
    CHECK(error_of(overrides) ==
          "--grace: invalid duration \"abc\" (use 250ms, 1.5s, 2m, 1m30s or seconds)");
  }
  SUBCASE("a bad duration in the environment") {
    overrides.drain = Raw{"-1s", "LASTCALL_DRAIN"};
    CHECK(error_of(overrides).starts_with("LASTCALL_DRAIN: invalid duration \"-1s\""));
  }
  SUBCASE("a bad stop signal") {
    overrides.stop_signal = Raw{"SIGNOPE", "--stop-signal"};
    CHECK(error_of(overrides).starts_with("--stop-signal: invalid signal \"SIGNOPE\""));
  }
  SUBCASE("a bad forward mode") {
    overrides.forward = Raw{"all", "--forward"};
    CHECK(error_of(overrides) == "--forward: invalid value \"all\" (use group or child)");
  }
  SUBCASE("a bad log format") {
    overrides.log_format = Raw{"xml", "LASTCALL_LOG_FORMAT"};
    CHECK(error_of(overrides) == "LASTCALL_LOG_FORMAT: invalid value \"xml\" (use text or json)");
  }
  SUBCASE("a bad log level") {
    overrides.log_level = Raw{"loud", "--log-level"};
    CHECK(error_of(overrides) ==
          "--log-level: invalid value \"loud\" (use debug, info, warn or error)");
  }
  SUBCASE("a rewrite without a colon") {
    overrides.rewrite = {Raw{"HUP", "--rewrite"}};
    CHECK(error_of(overrides) == "--rewrite: invalid rewrite \"HUP\" (use FROM:TO, such as HUP:USR1)");
  }
  SUBCASE("a rewrite with a bad signal") {
    overrides.rewrite = {Raw{"HUP:NOPE", "--rewrite"}};
    CHECK(error_of(overrides).starts_with("--rewrite: invalid signal \"NOPE\""));
  }
  SUBCASE("rewriting SIGKILL or SIGSTOP") {
    overrides.rewrite = {Raw{"KILL:TERM", "--rewrite"}, Raw{"19:TERM", "--rewrite"}};
    CHECK(error_of(overrides) ==
          "--rewrite: SIGKILL cannot be caught, so it cannot be rewritten\n"
          "--rewrite: SIGSTOP cannot be caught, so it cannot be rewritten");
  }
  SUBCASE("a success exit code out of range") {
    for (const char* bad : {"256", "-1", "", "1.0", "0x1", "1000"}) {
      CAPTURE(bad);
      overrides.success_exit = {Raw{bad, "--success-exit"}};
      CHECK(error_of(overrides).starts_with("--success-exit: invalid exit code"));
    }
  }
  SUBCASE("every problem at once") {
    overrides.grace = Raw{"x", "--grace"};
    overrides.drain = Raw{"y", "LASTCALL_DRAIN"};
    const std::string message = error_of(overrides);
    CHECK(message.starts_with("--grace: "));
    CHECK(message.find("\nLASTCALL_DRAIN: ") != std::string::npos);
  }
}

TEST_CASE("hooks are put in execution order: descending priority, file order within one") {
  FileConfig file;
  file.pre_stop = std::vector<HookSpec>{hook("a", 0), hook("b", 10), hook("c", 0), hook("d", 10),
                                        hook("e", -5), hook("f", 20)};
  file.post_stop = std::vector<HookSpec>{hook("x", 1), hook("y", 2)};
  const Settings settings = resolved(with_command(), file);
  CHECK(names(settings.pre_stop) == std::vector<std::string>{"f", "b", "d", "a", "c", "e"});
  CHECK(names(settings.post_stop) == std::vector<std::string>{"y", "x"});
}

TEST_CASE("a COMMAND is required unless --check") {
  Overrides overrides;
  CHECK(error_of(overrides).starts_with("no COMMAND given"));
  overrides.check = true;
  CHECK(resolved(overrides).check);
}

TEST_CASE("resolve loads the config file the overrides name") {
  lastcall::test::TempDir dir;
  Overrides overrides = with_command();
  SUBCASE("a valid file") {
    overrides.config = Raw{dir.write("c.json", R"({"grace": "8s", "drain": "1s"})"), "--config"};
    overrides.drain = Raw{"2s", "--drain"};
    auto settings = resolve(overrides, false);
    REQUIRE(settings.ok());
    CHECK(settings->config_path == overrides.config->value);
    CHECK(settings->grace == milliseconds(8'000));
    CHECK(settings->drain == milliseconds(2'000));
    CHECK(settings->pre_stop_timeout == milliseconds(4'000));
  }
  SUBCASE("a bad file and a bad override are both reported") {
    const std::string path = dir.write("c.json", R"({"grace": 8})");
    overrides.config = Raw{path, "LASTCALL_CONFIG"};
    overrides.drain = Raw{"soon", "--drain"};
    auto settings = resolve(overrides, false);
    REQUIRE_FALSE(settings.ok());
    CHECK(settings.error().message.starts_with("config " + path + ": 1 error\n  /grace: "));
    CHECK(settings.error().message.find("\n--drain: invalid duration \"soon\"") != std::string::npos);
  }
  SUBCASE("a missing file") {
    overrides.config = Raw{dir.path() + "/nope.json", "--config"};
    auto settings = resolve(overrides, false);
    REQUIRE_FALSE(settings.ok());
    CHECK(settings.error().message.find("No such file or directory") != std::string::npos);
  }
  SUBCASE("an empty path") {
    overrides.config = Raw{"", "--config"};
    auto settings = resolve(overrides, false);
    REQUIRE_FALSE(settings.ok());
    CHECK(settings.error().message == "--config: the config file path is empty");
  }
}

TEST_CASE("--listen over LASTCALL_LISTEN over the file's \"listen\"; none means no endpoint") {
  using lastcall::config::ListenAddress;
  FileConfig file;
  CHECK_FALSE(resolved(with_command(), file).listen);
  file.listen = ListenAddress{.host = "127.0.0.1", .port = 9000, .ipv6 = false};
  CHECK(resolved(with_command(), file).listen == file.listen);
  Overrides overrides = with_command();
  overrides.listen = Raw{.value = "[::1]:9100", .origin = "LASTCALL_LISTEN"};
  CHECK(resolved(overrides, file).listen == ListenAddress{.host = "::1", .port = 9100, .ipv6 = true});
  overrides.listen = Raw{.value = "localhost:9000", .origin = "--listen"};
  CHECK(error_of(overrides, file).find("--listen: invalid address \"localhost:9000\"") != std::string::npos);
}

TEST_CASE("--exit-by-signal, or INVOCATION_ID, turns exit_by_signal on") {
  CHECK_FALSE(resolved(with_command()).exit_by_signal);
  Overrides overrides = with_command();
  overrides.exit_by_signal = Raw{.value = "true", .origin = "INVOCATION_ID"};
  CHECK(resolved(overrides).exit_by_signal);
}
