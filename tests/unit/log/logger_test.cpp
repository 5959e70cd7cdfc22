// SPDX-License-Identifier: MIT
#include "log/logger.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include <doctest/doctest.h>

#include "log/terminal_support.hpp"

using lastcall::config::LogFormat;
using lastcall::config::LogLevel;
using lastcall::test::ScopedEnv;
using lastcall::test::TestPty;
using namespace lastcall::log;

namespace {

// The log line that `logger` writes for a plain info event, for comparing with what arrived.
std::string info_line(const Logger& logger, std::string_view msg) {
  std::string line = logger.format_line(LogLevel::Info, "hook_started", msg, {});
  return line.substr(22);  // after "lastcall HH:MM:SS.mmm ", which the clock may move on
}

bool ends_with(const std::string& text, std::string_view tail) {
  return text.size() >= tail.size() && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

TEST_CASE("the status line is drawn below the log and again below every log line") {
  const ScopedEnv term("TERM", "xterm");
  const ScopedEnv no_color("NO_COLOR", "1");
  TestPty pty(40);
  Logger logger(LogFormat::Text, LogLevel::Info, pty.slave);
  REQUIRE(logger.can_show_status());
  int draws = 0;
  logger.show_status([&draws] { return "pre_stop " + std::to_string(++draws); });
  CHECK(pty.drain().empty());  // shown on the first redraw or log line, not before

  logger.redraw_status();
  CHECK(pty.drain() == "\rpre_stop 1\x1b[K");

  logger.info("hook_started", "hook flush started");
  const std::string out = pty.drain();
  // The status row is erased, the log line takes it, the fresh status goes below it.
  CHECK(out.rfind("\r\x1b[Klastcall ", 0) == 0);
  CHECK(out.find(info_line(logger, "hook flush started")) != std::string::npos);
  CHECK(ends_with(out, "\n\rpre_stop 2\x1b[K"));

  SUBCASE("clearing erases the row, and the log goes on there without a status line") {
    logger.clear_status();
    CHECK(pty.drain() == "\r\x1b[K");
    logger.info("hook_started", "hook flush finished");
    const std::string after = pty.drain();
    CHECK(after.rfind("lastcall ", 0) == 0);
    CHECK(after.find('\r') == std::string::npos);
    logger.redraw_status();
    CHECK(pty.drain().empty());
    CHECK(draws == 2);
  }
  SUBCASE("an empty status text erases the line until there is text again") {
    logger.show_status([] { return std::string(); });
    logger.redraw_status();
    CHECK(pty.drain() == "\r\x1b[K");
    logger.redraw_status();
    CHECK(pty.drain().empty());
  }
}

TEST_CASE("the status line is cut one column short of the terminal's width") {
  const ScopedEnv term("TERM", "xterm");
  TestPty pty(12);
  Logger logger(LogFormat::Text, LogLevel::Info, pty.slave);
  logger.show_status([] { return std::string("pre_stop | hooks: flush 1.0s/5.0s"); });
  logger.redraw_status();
  CHECK(pty.drain() == "\rpre_stop...\x1b[K");
}

TEST_CASE("no status line where the log is not a terminal that moves the cursor") {
  const ScopedEnv term("TERM", "xterm");
  const auto status = [] { return std::string("pre_stop"); };
  SUBCASE("stderr is a pipe") {
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0);
    {
      Logger logger(LogFormat::Text, LogLevel::Info, fds[1]);
      CHECK_FALSE(logger.can_show_status());
      logger.show_status(status);
      logger.redraw_status();
      logger.info("hook_started", "hook flush started");
      logger.clear_status();
    }
    char buf[4096];
    const ssize_t n = read(fds[0], buf, sizeof buf);
    REQUIRE(n > 0);
    const std::string out(buf, static_cast<std::size_t>(n));
    CHECK(out.find("pre_stop") == std::string::npos);
    CHECK(out.find('\r') == std::string::npos);
    close(fds[0]);
    close(fds[1]);
  }
  SUBCASE("the JSON log on a terminal") {
    TestPty pty;
    Logger logger(LogFormat::Json, LogLevel::Info, pty.slave);
    CHECK_FALSE(logger.can_show_status());
    logger.show_status(status);
    logger.redraw_status();
    CHECK(pty.drain().empty());
  }
  SUBCASE("TERM=dumb") {
    const ScopedEnv dumb("TERM", "dumb");
    TestPty pty;
    Logger logger(LogFormat::Text, LogLevel::Info, pty.slave);
    CHECK_FALSE(logger.can_show_status());
    logger.show_status(status);
    logger.redraw_status();
    CHECK(pty.drain().empty());
  }
}
