// SPDX-License-Identifier: MIT
#include "cli/cli.hpp"

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "config/test_support.hpp"

using lastcall::cli::Overrides;
using lastcall::cli::parse;
using lastcall::cli::Parsed;
using lastcall::test::ScopedEnv;

namespace {

// Clears every LASTCALL_* variable for the test, so the host's environment cannot leak in.
struct CleanEnv {
  ScopedEnv config{"LASTCALL_CONFIG", std::nullopt};
  ScopedEnv grace{"LASTCALL_GRACE", std::nullopt};
  ScopedEnv drain{"LASTCALL_DRAIN", std::nullopt};
  ScopedEnv log_format{"LASTCALL_LOG_FORMAT", std::nullopt};
  ScopedEnv log_level{"LASTCALL_LOG_LEVEL", std::nullopt};
};

// Runs parse() on `args` (after argv[0]) with stdout captured into `out`.
lastcall::core::Result<Parsed> run(std::vector<std::string> args, std::string* out = nullptr) {
  args.insert(args.begin(), "lastcall");
  std::vector<const char*> argv;
  for (const auto& arg : args) argv.push_back(arg.c_str());
  std::ostringstream captured;
  std::streambuf* old = std::cout.rdbuf(captured.rdbuf());
  auto result = parse(static_cast<int>(argv.size()), argv.data());
  std::cout.rdbuf(old);
  if (out != nullptr) *out = captured.str();
  return result;
}

Overrides overrides_of(std::vector<std::string> args) {
  auto result = run(std::move(args));
  REQUIRE_MESSAGE(result.ok(), (result ? "" : result.error().message));
  REQUIRE_FALSE(result->exit_now.has_value());
  return result->overrides;
}

std::string error_of(std::vector<std::string> args) {
  auto result = run(std::move(args));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().exit_code == 2);
  return result.error().message;
}

using Argv = std::vector<std::string>;

}  // namespace

TEST_CASE("COMMAND [ARG...] is everything after -- or from the first positional on") {
  CleanEnv env;
  SUBCASE("after --") {
    CHECK(overrides_of({"--", "sh", "-c", "exit 3"}).command == Argv{"sh", "-c", "exit 3"});
  }
  SUBCASE("a bare command") { CHECK(overrides_of({"sleep", "10"}).command == Argv{"sleep", "10"}); }
  SUBCASE("options of the command are not lastcall's") {
    const Overrides o = overrides_of({"-t", "5s", "app", "--grace", "1s", "-c", "x", "--help"});
    CHECK(o.command == Argv{"app", "--grace", "1s", "-c", "x", "--help"});
    CHECK(o.grace->value == "5s");
    CHECK_FALSE(o.config.has_value());
  }
  SUBCASE("a command that looks like an option, after --") {
    CHECK(overrides_of({"--", "--weird"}).command == Argv{"--weird"});
    CHECK(overrides_of({"--", "--"}).command == Argv{"--"});
  }
  SUBCASE("a repeatable option takes one value per use") {
    const Overrides o = overrides_of({"--rewrite", "HUP:USR1", "sleep", "1"});
    CHECK(o.command == Argv{"sleep", "1"});
    REQUIRE(o.rewrite.size() == 1);
  }
}

TEST_CASE("every option is recorded raw with its origin") {
  CleanEnv env;
  const Overrides o = overrides_of(
      {"-c", "/etc/l.json", "--grace=30s", "--stop-signal", "term", "--drain", "2s", "--forward",
       "child", "--rewrite", "HUP:USR1", "--rewrite", "INT:TERM", "--success-exit", "143",
       "--success-exit", "0", "--log-format", "text", "--log-level", "debug", "--", "app"});
  CHECK(o.config->value == "/etc/l.json");
  CHECK(o.config->origin == "--config");
  CHECK(o.grace->value == "30s");
  CHECK(o.grace->origin == "--grace");
  CHECK(o.stop_signal->value == "term");
  CHECK(o.drain->value == "2s");
  CHECK(o.forward->value == "child");
  REQUIRE(o.rewrite.size() == 2);
  CHECK(o.rewrite[1].value == "INT:TERM");
  CHECK(o.rewrite[1].origin == "--rewrite");
  REQUIRE(o.success_exit.size() == 2);
  CHECK(o.success_exit[0].value == "143");
  CHECK(o.log_format->value == "text");
  CHECK(o.log_level->value == "debug");
  CHECK_FALSE(o.check);
}

TEST_CASE("an option given twice takes the last value") {
  CleanEnv env;
  CHECK(overrides_of({"-t", "1s", "--grace", "2s", "true"}).grace->value == "2s");
}

TEST_CASE("the environment fills in what the command line does not set") {
  CleanEnv clean;
  ScopedEnv config("LASTCALL_CONFIG", "/env.json");
  ScopedEnv grace("LASTCALL_GRACE", "9s");
  ScopedEnv drain("LASTCALL_DRAIN", "1s");
  ScopedEnv format("LASTCALL_LOG_FORMAT", "json");
  ScopedEnv level("LASTCALL_LOG_LEVEL", "warn");
  SUBCASE("from the environment") {
    const Overrides o = overrides_of({"true"});
    CHECK(o.config->value == "/env.json");
    CHECK(o.config->origin == "LASTCALL_CONFIG");
    CHECK(o.grace->value == "9s");
    CHECK(o.grace->origin == "LASTCALL_GRACE");
    CHECK(o.drain->origin == "LASTCALL_DRAIN");
    CHECK(o.log_format->origin == "LASTCALL_LOG_FORMAT");
    CHECK(o.log_level->value == "warn");
  }
  SUBCASE("the command line beats the environment") {
    const Overrides o = overrides_of({"--grace", "3s", "--log-level", "error", "true"});
    CHECK(o.grace->value == "3s");
    CHECK(o.grace->origin == "--grace");
    CHECK(o.log_level->origin == "--log-level");
    CHECK(o.drain->origin == "LASTCALL_DRAIN");
  }
  SUBCASE("an empty variable counts as unset") {
    ScopedEnv empty("LASTCALL_GRACE", "");
    CHECK_FALSE(overrides_of({"true"}).grace.has_value());
  }
}

TEST_CASE("--check needs no COMMAND; without it a COMMAND is required") {
  CleanEnv env;
  const Overrides o = overrides_of({"--check"});
  CHECK(o.check);
  CHECK(o.command.empty());
  CHECK(error_of({}) == "no COMMAND given; usage: lastcall [OPTIONS] [--] COMMAND [ARG...]");
  CHECK(error_of({"--grace", "1s"}).starts_with("no COMMAND given"));
  CHECK(error_of({"--"}).starts_with("no COMMAND given"));
}

TEST_CASE("a malformed command line is a usage error naming the option") {
  CleanEnv env;
  SUBCASE("an unknown option") {
    CHECK(error_of({"--graec", "1s", "true"}) == "unknown option --graec; see lastcall --help");
    CHECK(error_of({"-x", "true"}) == "unknown option -x; see lastcall --help");
  }
  SUBCASE("a missing value") {
    CHECK(error_of({"--grace"}).starts_with("--grace: "));
    CHECK(error_of({"--rewrite"}).starts_with("--rewrite: "));
  }
  SUBCASE("a value for a flag") {
    CHECK(error_of({"--check=maybe"}).find("--check") != std::string::npos);
  }
}

TEST_CASE("--help and --version print to stdout and exit 0") {
  CleanEnv env;
  std::string out;
  SUBCASE("--help") {
    auto result = run({"--help"}, &out);
    REQUIRE(result.ok());
    CHECK(result->exit_now == 0);
    CHECK(out.find("Usage: lastcall [OPTIONS] [--] COMMAND [ARG...]") != std::string::npos);
    for (const char* option : {"--config", "--grace", "--stop-signal", "--drain", "--forward",
                               "--rewrite", "--success-exit", "--log-format", "--log-level",
                               "--check", "--version", "LASTCALL_GRACE"}) {
      CAPTURE(option);
      CHECK(out.find(option) != std::string::npos);
    }
  }
  SUBCASE("-h") {
    auto result = run({"-h", "--bogus"}, &out);
    REQUIRE(result.ok());
    CHECK(result->exit_now == 0);
    CHECK(out.find("Usage:") != std::string::npos);
  }
  SUBCASE("--version") {
    auto result = run({"--version"}, &out);
    REQUIRE(result.ok());
    CHECK(result->exit_now == 0);
    CHECK(out == std::string("lastcall ") + LASTCALL_VERSION + "\n");
  }
  SUBCASE("--help after the COMMAND belongs to the COMMAND") {
    auto result = run({"app", "--help"}, &out);
    REQUIRE(result.ok());
    CHECK_FALSE(result->exit_now.has_value());
    CHECK(out.empty());
  }
}
