// SPDX-License-Identifier: MIT
#include "config/parse.hpp"

#include <csignal>

#include <doctest/doctest.h>

using lastcall::config::Endpoint;
using lastcall::config::format_endpoint;
using lastcall::config::parse_duration;
using lastcall::config::parse_endpoint;
using lastcall::config::parse_exit_code;
using lastcall::config::parse_http_check;
using lastcall::config::parse_signal;
using lastcall::config::ReadyCheck;
using lastcall::config::ready_from_text;
using lastcall::core::Signal;
using std::chrono::milliseconds;

TEST_CASE("a DURATION is 250ms, 1.5s, 2m, 1m30s or 1h") {
  SUBCASE("milliseconds") { CHECK(parse_duration("250ms") == milliseconds(250)); }
  SUBCASE("seconds") { CHECK(parse_duration("24s") == milliseconds(24'000)); }
  SUBCASE("fractional seconds") { CHECK(parse_duration("1.5s") == milliseconds(1'500)); }
  SUBCASE("minutes") { CHECK(parse_duration("2m") == milliseconds(120'000)); }
  SUBCASE("minutes and seconds") { CHECK(parse_duration("1m30s") == milliseconds(90'000)); }
  SUBCASE("hours") { CHECK(parse_duration("1h") == milliseconds(3'600'000)); }
  SUBCASE("every unit at once") { CHECK(parse_duration("1h2m3s4ms") == milliseconds(3'723'004)); }
  SUBCASE("a fraction in the last part") { CHECK(parse_duration("1m0.25s") == milliseconds(60'250)); }
  SUBCASE("fractional minutes") { CHECK(parse_duration("0.5m") == milliseconds(30'000)); }
  SUBCASE("zero") { CHECK(parse_duration("0s") == milliseconds(0)); }
}

TEST_CASE("a bare number is seconds") {
  CHECK(parse_duration("24") == milliseconds(24'000));
  CHECK(parse_duration("0.5") == milliseconds(500));
  CHECK(parse_duration("0") == milliseconds(0));
  CHECK(parse_duration("0.001") == milliseconds(1));
}

TEST_CASE("a DURATION that is not one is rejected") {
  for (const char* bad : {"", "-1", "-1s", "+1s", "abc", "s", "ms", "1x", "1 s", " 1s", "1s ",
                          "1.s", ".5", "1..5s", "1.5.5s", "1m30", "30s1m", "1s1s", "1ms1s",
                          "1.5m30s", "1e3", "1S", "1sec", "0x10", "0.0005s", "1.0001s"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_duration(bad).has_value());
  }
}

TEST_CASE("a DURATION beyond a year is rejected as an overflow") {
  CHECK(parse_duration("8760h") == milliseconds(31'536'000'000));
  CHECK_FALSE(parse_duration("8761h").has_value());
  CHECK_FALSE(parse_duration("8760h1ms").has_value());
  CHECK_FALSE(parse_duration("31536001").has_value());
  CHECK_FALSE(parse_duration("99999999999999999999999999s").has_value());
  CHECK_FALSE(parse_duration("1.99999999999999999999999999s").has_value());
}

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

TEST_CASE("an ADDR:PORT is a numeric IPv4 address or a bracketed IPv6 one, and a port") {
  CHECK(parse_endpoint("127.0.0.1:9000") == Endpoint{.host = "127.0.0.1", .port = 9000, .ipv6 = false});
  CHECK(parse_endpoint("[::1]:9000") == Endpoint{.host = "::1", .port = 9000, .ipv6 = true});
  CHECK(parse_endpoint("0.0.0.0:1") == Endpoint{.host = "0.0.0.0", .port = 1, .ipv6 = false});
  CHECK(parse_endpoint("[::]:65535") == Endpoint{.host = "::", .port = 65535, .ipv6 = true});
}

TEST_CASE("anything else is not an address") {
  for (const char* bad : {"", "9000", ":9000", "localhost:9000", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
                          "127.0.0.1:65536", "127.0.0.1:99999999", "127.0.0.1:-1", "127.0.0.1:+80",
                          "::1:9000", "[::1]", "[127.0.0.1]:80", "1.2.3:80", "[::1:9000"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_endpoint(bad));
  }
}

TEST_CASE("an address formats back to what parses to it") {
  for (const char* text : {"127.0.0.1:9000", "[::1]:9000"}) {
    CHECK(format_endpoint(*parse_endpoint(text)) == text);
  }
}

TEST_CASE("an exit code is an integer 0..255") {
  CHECK(parse_exit_code("0") == 0);
  CHECK(parse_exit_code("143") == 143);
  CHECK(parse_exit_code("255") == 255);
  for (const char* bad : {"256", "-1", "", "1.0", "0x1", "1000", " 1", "+1"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_exit_code(bad).has_value());
  }
}

TEST_CASE("an http check is http://ADDR:PORT with an optional path") {
  const auto with_path = parse_http_check("http://127.0.0.1:8080/healthz?full=1");
  REQUIRE(with_path);
  CHECK(with_path->kind == ReadyCheck::Kind::Http);
  CHECK(with_path->endpoint == Endpoint{.host = "127.0.0.1", .port = 8080, .ipv6 = false});
  CHECK(with_path->path == "/healthz?full=1");
  CHECK(with_path->text == "http://127.0.0.1:8080/healthz?full=1");
  const auto bare = parse_http_check("http://[::1]:80");
  REQUIRE(bare);
  CHECK(bare->endpoint == Endpoint{.host = "::1", .port = 80, .ipv6 = true});
  CHECK(bare->path == "/");
  for (const char* bad : {"https://127.0.0.1:443/", "http://localhost:80/", "http://127.0.0.1/", "127.0.0.1:80/x",
                          "http://127.0.0.1:80/a b", "http://127.0.0.1:80/\x1b"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_http_check(bad));
  }
}

TEST_CASE("--ready is tcp:ADDR:PORT, http://ADDR:PORT/PATH or exec:COMMAND, kept as written") {
  SUBCASE("tcp") {
    const auto check = ready_from_text("tcp:127.0.0.1:5432");
    REQUIRE(check);
    CHECK(check->kind == ReadyCheck::Kind::Tcp);
    CHECK(check->endpoint == Endpoint{.host = "127.0.0.1", .port = 5432, .ipv6 = false});
    CHECK(check->text == "tcp:127.0.0.1:5432");
  }
  SUBCASE("http") {
    const auto check = ready_from_text("http://[::1]:8080/ready");
    REQUIRE(check);
    CHECK(check->kind == ReadyCheck::Kind::Http);
    CHECK(check->path == "/ready");
    CHECK(check->text == "http://[::1]:8080/ready");
  }
  SUBCASE("exec runs under /bin/sh -c") {
    const auto check = ready_from_text("exec:pg_isready -q");
    REQUIRE(check);
    CHECK(check->kind == ReadyCheck::Kind::Command);
    CHECK(check->argv == std::vector<std::string>{"/bin/sh", "-c", "pg_isready -q"});
    CHECK(check->text == "exec:pg_isready -q");
  }
  SUBCASE("the defaults: every second, for a second, no start timeout") {
    const auto check = ready_from_text("tcp:127.0.0.1:1");
    REQUIRE(check);
    CHECK(check->interval == milliseconds(1'000));
    CHECK(check->timeout == milliseconds(1'000));
    CHECK_FALSE(check->start_timeout.has_value());
  }
  SUBCASE("anything else is not a check") {
    for (const char* bad : {"", "tcp:", "tcp:localhost:80", "exec:", "ftp://127.0.0.1:21/", "127.0.0.1:80",
                            "cmd:true"}) {
      CAPTURE(bad);
      CHECK_FALSE(ready_from_text(bad));
    }
  }
}
