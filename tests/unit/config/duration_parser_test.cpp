// SPDX-License-Identifier: MIT
#include "config/duration_parser.hpp"

#include <doctest/doctest.h>

using lastcall::config::format_duration;
using lastcall::config::parse_duration;
using std::chrono::milliseconds;

TEST_CASE("a DURATION is 250ms, 1.5s, 2m, 1m30s or 1h") {
  SUBCASE("milliseconds") { CHECK(parse_duration("250ms") == milliseconds(250)); }
  SUBCASE("seconds") { CHECK(parse_duration("24s") == milliseconds(24'000)); }
  SUBCASE("fractional seconds") { CHECK(parse_duration("1.5s") == milliseconds(1'500)); }
  SUBCASE("minutes") { CHECK(parse_duration("2m") == milliseconds(120'000)); }
  SUBCASE("minutes and seconds") { CHECK(parse_duration("1m30s") == milliseconds(90'000)); }
  SUBCASE("hours") { CHECK(parse_duration("1h") == milliseconds(3'600'000)); }
  SUBCASE("every unit at once") {
    CHECK(parse_duration("1h2m3s4ms") == milliseconds(3'723'004));
  }
  SUBCASE("a fraction in the last part") {
    CHECK(parse_duration("1m0.25s") == milliseconds(60'250));
  }
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

TEST_CASE("a duration is formatted the short way and reads back the same") {
  SUBCASE("examples") {
    CHECK(format_duration(milliseconds(0)) == "0s");
    CHECK(format_duration(milliseconds(250)) == "250ms");
    CHECK(format_duration(milliseconds(1'500)) == "1.5s");
    CHECK(format_duration(milliseconds(24'000)) == "24s");
    CHECK(format_duration(milliseconds(120'000)) == "2m");
    CHECK(format_duration(milliseconds(90'000)) == "1m30s");
    CHECK(format_duration(milliseconds(3'600'000)) == "1h");
    CHECK(format_duration(milliseconds(5'400'000)) == "1h30m");
    CHECK(format_duration(milliseconds(1'001)) == "1.001s");
  }
  SUBCASE("round trip") {
    for (long long ms : {0LL, 1LL, 999LL, 1'000LL, 1'010LL, 59'999LL, 60'001LL, 3'599'999LL,
                         3'600'001LL, 31'536'000'000LL}) {
      CAPTURE(ms);
      CHECK(parse_duration(format_duration(milliseconds(ms))) == milliseconds(ms));
    }
  }
}
