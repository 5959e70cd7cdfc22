// SPDX-License-Identifier: MIT
#pragma once

#include <poll.h>
#include <pty.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <string>

#include <doctest/doctest.h>

#include "test_support.hpp"

namespace lastcall::test {

// A pseudo-terminal whose slave end stands in for a stderr that is a TTY. Raw, so that what
// the master reads is byte for byte what was written ("\n" is not turned into "\r\n").
struct TestPty {
  int master = -1;
  int slave = -1;
  explicit TestPty(unsigned short columns = 80) {
    REQUIRE(openpty(&master, &slave, nullptr, nullptr, nullptr) == 0);
    termios mode{};
    REQUIRE(tcgetattr(slave, &mode) == 0);
    cfmakeraw(&mode);
    REQUIRE(tcsetattr(slave, TCSANOW, &mode) == 0);
    const winsize size{.ws_row = 24, .ws_col = columns, .ws_xpixel = 0, .ws_ypixel = 0};
    REQUIRE(ioctl(slave, TIOCSWINSZ, &size) == 0);
  }
  ~TestPty() {
    close(master);
    close(slave);
  }
  TestPty(const TestPty&) = delete;
  TestPty& operator=(const TestPty&) = delete;

  // Everything written to the slave so far, without waiting for more.
  [[nodiscard]] std::string drain() const {
    std::string out;
    char buf[4096];
    pollfd readable{.fd = master, .events = POLLIN, .revents = 0};
    while (poll(&readable, 1, 0) > 0 && (readable.revents & POLLIN) != 0) {
      const ssize_t n = read(master, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
};

}  // namespace lastcall::test
