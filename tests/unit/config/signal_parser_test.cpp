// SPDX-License-Identifier: MIT
#include "config/signal_parser.hpp"

#include <csignal>

#include <doctest/doctest.h>

using lastcall::config::parse_signal;
using lastcall::core::Signal;

TEST_CASE("a SIG is a name with or without SIG, in any case") {
  SUBCASE("full name") { CHECK(parse_signal("SIGTERM") == Signal(SIGTERM)); }
  SUBCASE("without SIG") { CHECK(parse_signal("TERM") == Signal(SIGTERM)); }
  SUBCASE("lower case") { CHECK(parse_signal("term") == Signal(SIGTERM)); }
  SUBCASE("mixed case") { CHECK(parse_signal("Term") == Signal(SIGTERM)); }
  SUBCASE("lower case with sig") { CHECK(parse_signal("sigusr1") == Signal(SIGUSR1)); }
  SUBCASE("old aliases") {
    CHECK(parse_signal("SIGIOT") == Signal(SIGABRT));
    CHECK(parse_signal("poll") == Signal(SIGIO));
    CHECK(parse_signal("cld") == Signal(SIGCHLD));
  }
}

TEST_CASE("a SIG may be a number") {
  CHECK(parse_signal("15") == Signal(SIGTERM));
  CHECK(parse_signal("1") == Signal(SIGHUP));
  CHECK(parse_signal("31") == Signal(31));
  CHECK(parse_signal(std::to_string(SIGRTMIN)) == Signal(SIGRTMIN));
  CHECK(parse_signal(std::to_string(SIGRTMAX)) == Signal(SIGRTMAX));
}

TEST_CASE("a real-time signal is named from SIGRTMIN or SIGRTMAX") {
  CHECK(parse_signal("SIGRTMIN+2") == Signal(SIGRTMIN + 2));
  CHECK(parse_signal("rtmin+2") == Signal(SIGRTMIN + 2));
  CHECK(parse_signal("SIGRTMIN") == Signal(SIGRTMIN));
  CHECK(parse_signal("SIGRTMAX-1") == Signal(SIGRTMAX - 1));
}

TEST_CASE("an unknown or out-of-range SIG is rejected") {
  for (std::string bad : {"", "0", "00", "-1", "32", "33", "65", "1000", "99999999999", "SIG",
                          "SIGFOO", "foo", "15x", " 15", "TERM ", "SIGRTMIN+99", "SIGRTMIN-1",
                          "SIGRTMAX+1", "SIG TERM"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_signal(bad).has_value());
  }
  CHECK_FALSE(parse_signal(std::to_string(SIGRTMAX + 1)).has_value());
}
