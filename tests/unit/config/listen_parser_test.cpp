// SPDX-License-Identifier: MIT
#include "config/listen_parser.hpp"

#include <doctest/doctest.h>

using lastcall::config::format_listen;
using lastcall::config::ListenAddress;
using lastcall::config::parse_listen;

TEST_CASE("--listen takes a numeric IPv4 address or a bracketed IPv6 one, and a port") {
  CHECK(parse_listen("127.0.0.1:9000") == ListenAddress{.host = "127.0.0.1", .port = 9000, .ipv6 = false});
  CHECK(parse_listen("[::1]:9000") == ListenAddress{.host = "::1", .port = 9000, .ipv6 = true});
  CHECK(parse_listen("0.0.0.0:1") == ListenAddress{.host = "0.0.0.0", .port = 1, .ipv6 = false});
  CHECK(parse_listen("[::]:65535") == ListenAddress{.host = "::", .port = 65535, .ipv6 = true});
}

TEST_CASE("anything else is not an address") {
  for (const char* bad : {"", "9000", ":9000", "localhost:9000", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
                          "127.0.0.1:65536", "127.0.0.1:99999999", "127.0.0.1:-1", "127.0.0.1:+80",
                          "::1:9000", "[::1]", "[127.0.0.1]:80", "1.2.3:80", "[::1:9000"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_listen(bad));
  }
}

TEST_CASE("an address formats back to what parses to it") {
  for (const char* text : {"127.0.0.1:9000", "[::1]:9000"}) {
    CHECK(format_listen(*parse_listen(text)) == text);
  }
}
