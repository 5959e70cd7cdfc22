// SPDX-License-Identifier: MIT
#include "log/logger.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <string>

#include <doctest/doctest.h>

#include "log/terminal.hpp"
#include "log/terminal_support.hpp"

using lastcall::config::LogFormat;
using lastcall::config::LogLevel;
using lastcall::test::ScopedEnv;
using lastcall::test::TestPty;
using namespace lastcall::log;

TEST_CASE("the status line keeps the bottom row, and log lines scroll above it untouched") {
  const ScopedEnv term("TERM", "xterm");
  const ScopedEnv no_color("NO_COLOR", "1");
  TestPty pty(40);
  Logger logger(LogFormat::Text, LogLevel::Info, pty.slave);
  REQUIRE(logger.can_show_status());

  logger.show_status("pre_stop 1");
  CHECK(pty.drain() == reserve_bottom_row(24) + draw_bottom_row(24, "pre_stop 1"));
  logger.show_status("pre_stop 2");
  CHECK(pty.drain() == draw_bottom_row(24, "pre_stop 2"));

  // A log line is the line alone: it scrolls in the region, the status row stays.
  logger.info("hook_started", "hook flush started");
  const std::string line = pty.drain();
  CHECK(line.rfind("lastcall ", 0) == 0);
  CHECK(line.find('\x1b') == std::string::npos);

  SUBCASE("clearing gives the row back, once") {
    logger.clear_status();
    CHECK(pty.drain() == release_bottom_row(24));
    logger.clear_status();
    CHECK(pty.drain().empty());
    SUBCASE("and the next status line keeps the row again") {
      logger.show_status("post_stop");
      CHECK(pty.drain() == reserve_bottom_row(24) + draw_bottom_row(24, "post_stop"));
    }
  }
  SUBCASE("after a resize the new bottom row is kept, for the new height") {
    const winsize size{.ws_row = 30, .ws_col = 12, .ws_xpixel = 0, .ws_ypixel = 0};
    REQUIRE(ioctl(pty.slave, TIOCSWINSZ, &size) == 0);
    logger.show_status("pre_stop 3");
    CHECK(pty.drain() == "\x1b[r" + reserve_bottom_row(30) + draw_bottom_row(30, "pre_stop 3"));
    logger.clear_status();
    CHECK(pty.drain() == release_bottom_row(30));
  }
  SUBCASE("an empty text leaves the row as it is") {
    logger.show_status("");
    CHECK(pty.drain().empty());
  }
}

TEST_CASE("the status line is cut one column short of the terminal's width") {
  const ScopedEnv term("TERM", "xterm");
  TestPty pty(12);
  Logger logger(LogFormat::Text, LogLevel::Info, pty.slave);
  logger.show_status("pre_stop | hooks: flush 1.0s/5.0s");
  CHECK(pty.drain() == reserve_bottom_row(24) + draw_bottom_row(24, "pre_stop..."));
}

TEST_CASE("no status line where the log is not a terminal that can keep a row") {
  const ScopedEnv term("TERM", "xterm");
  const std::string status = "pre_stop";
  SUBCASE("stderr is a pipe") {
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0);
    {
      Logger logger(LogFormat::Text, LogLevel::Info, fds[1]);
      CHECK_FALSE(logger.can_show_status());
      logger.show_status(status);
      logger.info("hook_started", "hook flush started");
      logger.clear_status();
    }
    char buf[4096];
    const ssize_t n = read(fds[0], buf, sizeof buf);
    REQUIRE(n > 0);
    const std::string out(buf, static_cast<std::size_t>(n));
    CHECK(out.find("pre_stop") == std::string::npos);
    CHECK(out.find('\x1b') == std::string::npos);
    close(fds[0]);
    close(fds[1]);
  }
  // A terminal, yet one the log keeps no row on: nothing reaches it.
  const auto shows_nothing_on_a_terminal = [&status](LogFormat format) {
    TestPty pty;
    Logger logger(format, LogLevel::Info, pty.slave);
    CHECK_FALSE(logger.can_show_status());
    logger.show_status(status);
    CHECK(pty.drain().empty());
  };
  SUBCASE("the JSON log on a terminal") { shows_nothing_on_a_terminal(LogFormat::Json); }
  SUBCASE("TERM=dumb") {
    const ScopedEnv dumb("TERM", "dumb");
    shows_nothing_on_a_terminal(LogFormat::Text);
  }
  SUBCASE("a terminal too short to keep a row, or that does not say its size") {
    for (const unsigned short rows : {0, 2}) {
      TestPty pty;
      const winsize size{.ws_row = rows, .ws_col = 80, .ws_xpixel = 0, .ws_ypixel = 0};
      REQUIRE(ioctl(pty.slave, TIOCSWINSZ, &size) == 0);
      Logger logger(LogFormat::Text, LogLevel::Info, pty.slave);
      logger.show_status(status);
      logger.clear_status();
      CHECK(pty.drain().empty());
    }
  }
}

TEST_CASE("a text value with a control byte is quoted and escaped, so it cannot act on a terminal") {
  Logger logger(LogFormat::Text, LogLevel::Info, -1);
  const std::string line = logger.format_line(LogLevel::Info, "hook_output", "x",
                                              {{"line", "a\x1b[2Jb"}, {"tab", "a\tb"}, {"plain", "ok"}});
  CHECK(line.find("line=\"a\\u001b[2Jb\"") != std::string::npos);
  CHECK(line.find("tab=\"a\\tb\"") != std::string::npos);
  CHECK(line.find("plain=ok") != std::string::npos);
  CHECK(line.find('\x1b') == std::string::npos);
}
