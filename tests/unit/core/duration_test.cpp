// SPDX-License-Identifier: MIT
#include "core/duration.hpp"

#include <doctest/doctest.h>

#include "config/parse.hpp"

using lastcall::config::parse_duration;
using lastcall::core::format_duration;
using std::chrono::milliseconds;

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
