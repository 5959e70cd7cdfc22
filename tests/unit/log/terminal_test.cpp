// SPDX-License-Identifier: MIT
#include "log/terminal.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>

#include <doctest/doctest.h>

#include "log/logger.hpp"
#include "log/terminal_support.hpp"

using lastcall::core::LogFormat;
using lastcall::core::LogLevel;
using lastcall::test::ScopedEnv;
using lastcall::test::TestPty;
using namespace lastcall::log;

namespace {

// A status line as the app makes one: on when the log is text on a terminal that moves the
// cursor.
StatusLine status_line(Logger& logger, int fd) {
  return StatusLine(logger.writer(), fd, wants_live_status(logger.format(), isatty(fd) == 1, std::getenv("TERM")));
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

TEST_CASE("a live status line needs the text log on a terminal that moves the cursor") {
  CHECK(wants_live_status(LogFormat::Text, true, "xterm-256color"));
  CHECK(wants_live_status(LogFormat::Text, true, "linux"));
  CHECK_FALSE(wants_live_status(LogFormat::Text, true, "dumb"));
  CHECK_FALSE(wants_live_status(LogFormat::Text, true, ""));
  CHECK_FALSE(wants_live_status(LogFormat::Text, true, nullptr));
  CHECK_FALSE(wants_live_status(LogFormat::Text, false, "xterm"));
  CHECK_FALSE(wants_live_status(LogFormat::Json, true, "xterm"));
}

TEST_CASE("the terminal's size is what the terminal says, and unknown elsewhere") {
  TestPty pty(57);
  CHECK(terminal_size(pty.slave) == TerminalSize{.rows = 24, .columns = 57});
  int fds[2];
  REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
  CHECK_FALSE(terminal_size(fds[1]).has_value());
  close(fds[0]);
  close(fds[1]);
}

TEST_CASE("the bottom row is kept out of the scrolling region, drawn in place, and given back") {
  // A new line so the cursor's row survives, the region above the last row, back up.
  CHECK(reserve_bottom_row(24) == "\n\x1b" "7\x1b[1;23r\x1b" "8\x1b[1A");
  // Saved cursor, the last row, the text, erased to the end, cursor restored.
  CHECK(draw_bottom_row(24, "pre_stop") == "\x1b" "7\x1b[24;1Hpre_stop\x1b[K\x1b" "8");
  // The whole screen scrolls again and the last row is erased, the cursor where it was.
  CHECK(release_bottom_row(24) == "\x1b" "7\x1b[r\x1b[24;1H\x1b[2K\x1b" "8");
}

TEST_CASE("a status text is cut to the columns, never wrapped") {
  SUBCASE("a text that fits is kept as it is, up to the last column") {
    CHECK(fit_to_columns("pre_stop 1.2s", 40) == "pre_stop 1.2s");
    CHECK(fit_to_columns("0123456789", 10) == "0123456789");
  }
  SUBCASE("a longer one ends in dots within the columns") {
    CHECK(fit_to_columns("0123456789A", 10) == "0123456...");
    CHECK(fit_to_columns("0123456789", 3) == "...");
    CHECK(fit_to_columns("0123456789", 2) == "..");
    CHECK(fit_to_columns("0123456789", 0).empty());
  }
  SUBCASE("SGR sequences take no room, and a cut styled text ends with a reset") {
    CHECK(fit_to_columns("\x1b[1mpre_stop\x1b[0m 1.2s", 13) == "\x1b[1mpre_stop\x1b[0m 1.2s");
    CHECK(fit_to_columns("\x1b[1mpre_stop 1.2s", 8) == "\x1b[1mpre_s...\x1b[0m");
  }
  SUBCASE("a UTF-8 character is one column") {
    CHECK(fit_to_columns("h\xc3\xa9h\xc3\xa9", 4) == "h\xc3\xa9h\xc3\xa9");
    CHECK(fit_to_columns("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 4) == "\xc3\xa9...");
  }
  SUBCASE("control bytes from a hook name cannot move the cursor") {
    CHECK(fit_to_columns("a\nb\rc\x1b]0;x\x07", 40) == "a?b?c?]0;x?");
  }
}

TEST_CASE("text that did not come from lastcall shows every control byte as ?") {
  CHECK(printable("a\x1b[31mb\n\x7f") == "a?[31mb??");
  CHECK(printable("caf\xc3\xa9") == "caf\xc3\xa9");
}

TEST_CASE("the status line keeps the bottom row, and log lines scroll above it untouched") {
  const ScopedEnv term("TERM", "xterm");
  const ScopedEnv no_color("NO_COLOR", "1");
  TestPty pty(40);
  Logger logger(LogFormat::Text, LogLevel::Info, pty.slave);
  StatusLine line = status_line(logger, pty.slave);
  REQUIRE(line.enabled());

  line.show("pre_stop 1");
  CHECK(pty.drain() == reserve_bottom_row(24) + draw_bottom_row(24, "pre_stop 1"));
  line.show("pre_stop 2");
  CHECK(pty.drain() == draw_bottom_row(24, "pre_stop 2"));

  // A log line is the line alone: it scrolls in the region, the status row stays.
  logger.info("hook_started", "hook flush started");
  const std::string logged = pty.drain();
  CHECK(logged.rfind("lastcall ", 0) == 0);
  CHECK(logged.find('\x1b') == std::string::npos);

  SUBCASE("clearing gives the row back, once") {
    line.clear();
    CHECK(pty.drain() == release_bottom_row(24));
    line.clear();
    CHECK(pty.drain().empty());
    SUBCASE("and the next status line keeps the row again") {
      line.show("post_stop");
      CHECK(pty.drain() == reserve_bottom_row(24) + draw_bottom_row(24, "post_stop"));
    }
  }
  SUBCASE("after a resize the new bottom row is kept, for the new height") {
    const winsize size{.ws_row = 30, .ws_col = 12, .ws_xpixel = 0, .ws_ypixel = 0};
    REQUIRE(ioctl(pty.slave, TIOCSWINSZ, &size) == 0);
    line.show("pre_stop 3");
    CHECK(pty.drain() == "\x1b[r" + reserve_bottom_row(30) + draw_bottom_row(30, "pre_stop 3"));
    line.clear();
    CHECK(pty.drain() == release_bottom_row(30));
  }
  SUBCASE("an empty text leaves the row as it is") {
    line.show("");
    CHECK(pty.drain().empty());
  }
}

TEST_CASE("the row is given back when the status line ends") {
  const ScopedEnv term("TERM", "xterm");
  TestPty pty(40);
  Logger logger(LogFormat::Text, LogLevel::Info, pty.slave);
  {
    StatusLine line = status_line(logger, pty.slave);
    line.show("x");
    CHECK(pty.drain() == reserve_bottom_row(24) + draw_bottom_row(24, "x"));
  }
  CHECK(pty.drain() == release_bottom_row(24));
}

TEST_CASE("the status line is cut one column short of the terminal's width") {
  const ScopedEnv term("TERM", "xterm");
  TestPty pty(12);
  Logger logger(LogFormat::Text, LogLevel::Info, pty.slave);
  StatusLine line = status_line(logger, pty.slave);
  line.show("pre_stop | hooks: flush 1.0s/5.0s");
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
      StatusLine line = status_line(logger, fds[1]);
      CHECK_FALSE(line.enabled());
      line.show(status);
      logger.info("hook_started", "hook flush started");
      line.clear();
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
    StatusLine line = status_line(logger, pty.slave);
    CHECK_FALSE(line.enabled());
    line.show(status);
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
      StatusLine line = status_line(logger, pty.slave);
      line.show(status);
      line.clear();
      CHECK(pty.drain().empty());
    }
  }
}
