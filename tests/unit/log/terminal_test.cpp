// SPDX-License-Identifier: MIT
#include "log/terminal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "log/terminal_support.hpp"

using lastcall::config::LogFormat;
using namespace lastcall::log;

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
  lastcall::test::TestPty pty(57);
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
