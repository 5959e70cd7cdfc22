// SPDX-License-Identifier: MIT
#include "log/colour.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <optional>
#include <string>

#include <doctest/doctest.h>

#include "log/logger.hpp"
#include "log/terminal_support.hpp"

using lastcall::config::LogFormat;
using lastcall::config::LogLevel;
using namespace lastcall::log;

namespace {

using lastcall::test::ScopedEnv;
using lastcall::test::TestPty;

// Returned as a prvalue: guaranteed elision, so ScopedEnv needs no copy or move.
ScopedEnv no_color(const std::optional<std::string>& value) { return ScopedEnv("NO_COLOR", value); }

bool has_escape(const std::string& line) { return line.find('\x1b') != std::string::npos; }

std::string warn_line(const Logger& logger) {
  return logger.format_line(LogLevel::Warn, "hook_finished", "hook flush timed out after 5s",
                            {{"hook", "flush"}, {"status", "timeout"}});
}

}  // namespace

TEST_CASE("the text log is coloured only on a terminal, and never when NO_COLOR is set") {
  CHECK(wants_colour(LogFormat::Text, true, nullptr));
  CHECK(wants_colour(LogFormat::Text, true, ""));
  CHECK_FALSE(wants_colour(LogFormat::Text, true, "1"));
  CHECK_FALSE(wants_colour(LogFormat::Text, true, "0"));
  CHECK_FALSE(wants_colour(LogFormat::Text, false, nullptr));
  CHECK_FALSE(wants_colour(LogFormat::Json, true, nullptr));
  CHECK_FALSE(wants_colour(LogFormat::Json, false, ""));
}

TEST_CASE("warn is yellow, error bold red, debug dim and info plain") {
  CHECK(level_style(LogLevel::Warn) == kSgrYellow);
  CHECK(level_style(LogLevel::Error) == kSgrBoldRed);
  CHECK(level_style(LogLevel::Debug) == kSgrDim);
  CHECK(level_style(LogLevel::Info).empty());
  std::string out;
  append_styled(out, kSgrBold, "x");
  append_styled(out, "", "y");
  CHECK(out == "\x1b[1mx\x1b[0my");
}

TEST_CASE("a text logger on a terminal colours the level and the event name") {
  const auto unset = no_color(std::nullopt);
  TestPty pty;
  Logger logger(LogFormat::Text, LogLevel::Debug, pty.slave);
  const std::string line = warn_line(logger);
  CHECK(line.find("\x1b[33mwarn\x1b[0m") != std::string::npos);
  CHECK(line.find("[\x1b[1mhook_finished\x1b[0m hook=flush status=timeout]") != std::string::npos);
  CHECK(line.find("hook flush timed out after 5s") != std::string::npos);
  const std::string error = logger.format_line(LogLevel::Error, "config_error", "bad", {{"error", "x"}});
  CHECK(error.find("\x1b[1;31merror\x1b[0m") != std::string::npos);
  SUBCASE("info stays plain and keeps the columns of the uncoloured log") {
    const std::string info = logger.format_line(LogLevel::Info, "child_started", "started", {});
    CHECK_FALSE(has_escape(info));
    CHECK(info.substr(21, 14) == " info  started");
  }
}

TEST_CASE("NO_COLOR with any non-empty value turns the colours off") {
  TestPty pty;
  SUBCASE("set") {
    const auto set = no_color("1");
    CHECK_FALSE(has_escape(warn_line(Logger(LogFormat::Text, LogLevel::Info, pty.slave))));
  }
  SUBCASE("empty counts as unset") {
    const auto empty = no_color("");
    CHECK(has_escape(warn_line(Logger(LogFormat::Text, LogLevel::Info, pty.slave))));
  }
}

TEST_CASE("the JSON log and a log that is not a terminal are never coloured") {
  const auto unset = no_color(std::nullopt);
  TestPty pty;
  CHECK_FALSE(has_escape(warn_line(Logger(LogFormat::Json, LogLevel::Info, pty.slave))));
  int fds[2];
  REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
  CHECK_FALSE(has_escape(warn_line(Logger(LogFormat::Text, LogLevel::Info, fds[1]))));
  close(fds[0]);
  close(fds[1]);
}
