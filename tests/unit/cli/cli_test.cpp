// SPDX-License-Identifier: MIT
#include "cli/cli.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "test_support.hpp"

using lastcall::cli::parse;
using lastcall::cli::Parsed;
using lastcall::config::Override;
using lastcall::config::Overrides;
using lastcall::test::ScopedEnv;

namespace {


// Runs parse() on `args` (after argv[0]).
lastcall::core::Result<Parsed> run(std::vector<std::string> args) {
  args.insert(args.begin(), "lastcall");
  std::vector<const char*> argv;
  for (const auto& arg : args) argv.push_back(arg.c_str());
  return parse(static_cast<int>(argv.size()), argv.data());
}

Overrides overrides_of(std::vector<std::string> args) {
  auto result = run(std::move(args));
  REQUIRE_MESSAGE(result.ok(), (result ? "" : result.error().message));
  REQUIRE_FALSE(result->print.has_value());
  return result->overrides;
}

std::string error_of(std::vector<std::string> args) {
  auto result = run(std::move(args));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().exit_code == 2);
  return result.error().message;
}

// Every value given for the key whose long flag is `flag`, in order.
std::vector<Override> values_of(const Overrides& overrides, std::string_view flag) {
  std::vector<Override> out;
  for (const auto& value : overrides.values) {
    if (value.key->origin() == flag) out.push_back(value);
  }
  return out;
}

// The one value given for `flag`; nullopt when none was.
std::optional<Override> value_of(const Overrides& overrides, std::string_view flag) {
  const auto values = values_of(overrides, flag);
  REQUIRE(values.size() <= 1);
  return values.empty() ? std::nullopt : std::optional<Override>(values.front());
}

// The one value given for `flag`; fails the test when none was.
Override given(const Overrides& overrides, std::string_view flag) {
  const auto value = value_of(overrides, flag);
  REQUIRE_MESSAGE(value.has_value(), "no value for " << flag);
  return *value;
}

using Argv = std::vector<std::string>;

}  // namespace

TEST_CASE("COMMAND [ARG...] is everything after -- or from the first positional on") {
  lastcall::test::CleanEnv env;
  SUBCASE("after --") { CHECK(overrides_of({"--", "sh", "-c", "exit 3"}).command == Argv{"sh", "-c", "exit 3"}); }
  SUBCASE("a bare command") { CHECK(overrides_of({"sleep", "10"}).command == Argv{"sleep", "10"}); }
  SUBCASE("options of the command are not lastcall's") {
    const Overrides o = overrides_of({"-t", "5s", "app", "--grace", "1s", "-c", "x", "--help"});
    CHECK(o.command == Argv{"app", "--grace", "1s", "-c", "x", "--help"});
    CHECK(given(o, "--grace").value == "5s");
    CHECK_FALSE(value_of(o, "--config").has_value());
  }
  SUBCASE("a command that looks like an option, after --") {
    CHECK(overrides_of({"--", "--weird"}).command == Argv{"--weird"});
    CHECK(overrides_of({"--", "--"}).command == Argv{"--"});
  }
  SUBCASE("a repeatable option takes one value per use") {
    const Overrides o = overrides_of({"--rewrite", "HUP:USR1", "sleep", "1"});
    CHECK(o.command == Argv{"sleep", "1"});
    REQUIRE(values_of(o, "--rewrite").size() == 1);
  }
}

TEST_CASE("every option is recorded raw with its origin") {
  lastcall::test::CleanEnv env;
  const Overrides o = overrides_of(
      {"-c", "/etc/l.json", "--grace=30s", "--stop-signal", "term", "--drain", "2s", "--forward", "child",
       "--rewrite", "HUP:USR1", "--rewrite", "INT:TERM", "--success-exit", "143", "--success-exit", "0",
       "--log-format", "text", "--log-level", "debug", "--triggers", "TERM,INT", "--listen", "127.0.0.1:9000",
       "--ready", "tcp:127.0.0.1:8080", "--exit-by-signal", "--insecure-config", "--", "app"});
  CHECK(given(o, "--config").value == "/etc/l.json");
  CHECK(given(o, "--config").origin == "--config");
  CHECK(given(o, "--grace").value == "30s");
  CHECK(given(o, "--grace").origin == "--grace");
  CHECK(given(o, "--stop-signal").value == "term");
  CHECK(given(o, "--drain").value == "2s");
  CHECK(given(o, "--forward").value == "child");
  const auto rewrite = values_of(o, "--rewrite");
  REQUIRE(rewrite.size() == 2);
  CHECK(rewrite[1].value == "INT:TERM");
  CHECK(rewrite[1].origin == "--rewrite");
  const auto success = values_of(o, "--success-exit");
  REQUIRE(success.size() == 2);
  CHECK(success[0].value == "143");
  CHECK(given(o, "--log-format").value == "text");
  CHECK(given(o, "--log-level").value == "debug");
  CHECK(given(o, "--triggers").value == "TERM,INT");
  CHECK(given(o, "--listen").value == "127.0.0.1:9000");
  CHECK(given(o, "--ready").value == "tcp:127.0.0.1:8080");
  CHECK(value_of(o, "--exit-by-signal").has_value());
  CHECK(value_of(o, "--insecure-config").has_value());
  CHECK_FALSE(value_of(o, "--check").has_value());
  CHECK(o.command == Argv{"app"});
}

TEST_CASE("an option given twice takes the last value") {
  lastcall::test::CleanEnv env;
  CHECK(given(overrides_of({"-t", "1s", "--grace", "2s", "true"}), "--grace").value == "2s");
  // A wrapper may append overrides to a command line it was given: the earlier one is gone.
  CHECK(given(overrides_of({"--grace", "soon", "--grace=2s", "true"}), "--grace").value == "2s");
  CHECK(values_of(overrides_of({"--rewrite", "HUP:USR1", "--rewrite", "HUP:USR2", "true"}), "--rewrite").size() == 2);
}

TEST_CASE("the environment fills in what the command line does not set") {
  lastcall::test::CleanEnv clean;
  ScopedEnv config("LASTCALL_CONFIG", "/env.json");
  ScopedEnv grace("LASTCALL_GRACE", "9s");
  ScopedEnv drain("LASTCALL_DRAIN", "1s");
  ScopedEnv format("LASTCALL_LOG_FORMAT", "json");
  ScopedEnv level("LASTCALL_LOG_LEVEL", "warn");
  ScopedEnv listen("LASTCALL_LISTEN", "127.0.0.1:9100");
  SUBCASE("from the environment") {
    const Overrides o = overrides_of({"true"});
    CHECK(given(o, "--config").value == "/env.json");
    CHECK(given(o, "--config").origin == "LASTCALL_CONFIG");
    CHECK(given(o, "--grace").value == "9s");
    CHECK(given(o, "--grace").origin == "LASTCALL_GRACE");
    CHECK(given(o, "--drain").origin == "LASTCALL_DRAIN");
    CHECK(given(o, "--log-format").origin == "LASTCALL_LOG_FORMAT");
    CHECK(given(o, "--log-level").value == "warn");
    CHECK(given(o, "--listen").origin == "LASTCALL_LISTEN");
  }
  SUBCASE("the command line beats the environment") {
    const Overrides o = overrides_of({"--grace", "3s", "--log-level", "error", "true"});
    CHECK(given(o, "--grace").value == "3s");
    CHECK(given(o, "--grace").origin == "--grace");
    CHECK(given(o, "--log-level").origin == "--log-level");
    CHECK(given(o, "--drain").origin == "LASTCALL_DRAIN");
  }
  SUBCASE("an empty variable counts as unset") {
    ScopedEnv empty("LASTCALL_GRACE", "");
    CHECK_FALSE(value_of(overrides_of({"true"}), "--grace").has_value());
  }
  SUBCASE("INVOCATION_ID turns --exit-by-signal on") {
    ScopedEnv invocation("INVOCATION_ID", "0123abcd");
    const auto flag = value_of(overrides_of({"true"}), "--exit-by-signal");
    REQUIRE(flag.has_value());
    CHECK(flag->origin == "INVOCATION_ID");
  }
}

TEST_CASE("--check needs no COMMAND; the command line leaves a missing COMMAND to the settings") {
  lastcall::test::CleanEnv env;
  const Overrides o = overrides_of({"--check"});
  CHECK(value_of(o, "--check").has_value());
  CHECK(o.command.empty());
  CHECK(overrides_of({}).command.empty());
  CHECK(overrides_of({"--grace", "1s"}).command.empty());
  CHECK(overrides_of({"--"}).command.empty());
}

TEST_CASE("a value is the next argument, or follows = on a long option, or is attached to a short one") {
  lastcall::test::CleanEnv env;
  for (const Argv& args : {Argv{"--grace", "5s", "app"}, Argv{"--grace=5s", "app"}, Argv{"-t", "5s", "app"},
                           Argv{"-t5s", "app"}}) {
    CAPTURE(args.front());
    const Overrides o = overrides_of(args);
    CHECK(given(o, "--grace").value == "5s");
    CHECK(o.command == Argv{"app"});
  }
  CHECK(given(overrides_of({"-c/etc/l.json", "app"}), "--config").value == "/etc/l.json");
  CHECK(given(overrides_of({"--grace=", "app"}), "--grace").value.empty());  // the settings refuse it
  SUBCASE("a value may look like an option") {
    CHECK(given(overrides_of({"--stop-signal", "-1", "app"}), "--stop-signal").value == "-1");
  }
  SUBCASE("a lone - is the COMMAND") { CHECK(overrides_of({"-"}).command == Argv{"-"}); }
}

TEST_CASE("a malformed command line is a usage error naming the option") {
  lastcall::test::CleanEnv env;
  SUBCASE("an unknown option") {
    CHECK(error_of({"--graec", "1s", "true"}) == "unknown option --graec; see lastcall --help");
    CHECK(error_of({"-x", "true"}) == "unknown option -x; see lastcall --help");
    CHECK(error_of({"--gr=1s", "true"}) == "unknown option --gr; see lastcall --help");
  }
  SUBCASE("a missing value") {
    CHECK(error_of({"--grace"}) == "--grace needs a value: DURATION; see lastcall --help");
    CHECK(error_of({"-t"}) == "--grace needs a value: DURATION; see lastcall --help");
    CHECK(error_of({"--rewrite"}).starts_with("--rewrite needs a value: "));
  }
  SUBCASE("a value for a flag") {
    CHECK(error_of({"--check=maybe"}) == "--check takes no value; see lastcall --help");
  }
}

TEST_CASE("--help and --version are printed on stdout, and nothing runs") {
  lastcall::test::CleanEnv env;
  SUBCASE("--help") {
    auto result = run({"--help"});
    REQUIRE(result.ok());
    REQUIRE(result->print.has_value());
    const std::string& out = *result->print;
    CHECK(out == lastcall::cli::help_text());
    CHECK(out.find("Usage: lastcall [OPTIONS] [--] COMMAND [ARG...]") != std::string::npos);
    for (const char* option : {"--config", "--grace", "--stop-signal", "--drain", "--forward", "--rewrite",
                               "--triggers", "--success-exit", "--log-format", "--log-level", "--listen", "--ready",
                               "--exit-by-signal", "--insecure-config", "--check", "--version", "LASTCALL_GRACE"}) {
      CAPTURE(option);
      CHECK(out.find(option) != std::string::npos);
    }
  }
  SUBCASE("-h, whatever follows") {
    auto result = run({"-h", "--bogus"});
    REQUIRE(result.ok());
    REQUIRE(result->print.has_value());
    CHECK(result->print->find("Usage:") != std::string::npos);
  }
  SUBCASE("--version") {
    auto result = run({"--version"});
    REQUIRE(result.ok());
    CHECK(result->print == std::string("lastcall ") + LASTCALL_VERSION + "\n");
  }
  SUBCASE("--help after the COMMAND belongs to the COMMAND") {
    auto result = run({"app", "--help"});
    REQUIRE(result.ok());
    CHECK_FALSE(result->print.has_value());
    CHECK(result->overrides.command == Argv{"app", "--help"});
  }
}
