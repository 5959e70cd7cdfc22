// SPDX-License-Identifier: MIT
#include "http/request_parser.hpp"

#include <doctest/doctest.h>

#include <string>

using lastcall::http::kMaxHeaderBytes;
using lastcall::http::RequestParser;
using Progress = RequestParser::Progress;

TEST_CASE("a request head is complete at its blank line, however the socket splits it") {
  const std::string head = "GET /metrics?x=1 HTTP/1.1\r\nHost: lastcall\r\nAccept: */*\r\n\r\n";
  SUBCASE("in one piece") {
    RequestParser parser;
    REQUIRE(parser.feed(head) == Progress::Complete);
    CHECK(parser.request().method == "GET");
    CHECK(parser.request().path == "/metrics");
  }
  SUBCASE("one byte at a time") {
    RequestParser parser;
    for (std::size_t i = 0; i + 1 < head.size(); ++i) {
      CAPTURE(i);
      REQUIRE(parser.feed(head.substr(i, 1)) == Progress::Incomplete);
    }
    REQUIRE(parser.feed(head.substr(head.size() - 1)) == Progress::Complete);
    CHECK(parser.request().path == "/metrics");
  }
}

TEST_CASE("HTTP/1.0, HEAD and an absolute URL are understood") {
  RequestParser parser;
  REQUIRE(parser.feed("HEAD http://lastcall:9000/readyz HTTP/1.0\r\n\r\n") == Progress::Complete);
  CHECK(parser.request().method == "HEAD");
  CHECK(parser.request().path == "/readyz");
}

TEST_CASE("the body of a request is not read: the head is enough") {
  RequestParser parser;
  CHECK(parser.feed("POST /healthz HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello") == Progress::Complete);
  CHECK(parser.request().method == "POST");
}

TEST_CASE("a malformed request is bad") {
  for (const std::string& bad : std::initializer_list<std::string>{"NONSENSE\r\n\r\n", "GET /x HTTP/1.1\r\nno colon\r\n\r\n",
                                "GET /x HTTP/2.0\r\n\r\n", std::string("\0\1\2\r\n\r\n", 7)}) {
    CAPTURE(bad);
    RequestParser parser;
    CHECK(parser.feed(bad) == Progress::Bad);
    CHECK(parser.feed("GET / HTTP/1.1\r\n\r\n") == Progress::Bad);  // the verdict stays
  }
}

TEST_CASE("a header section beyond 8 KiB is too large, one within it is fine") {
  const std::string start = "GET /healthz HTTP/1.1\r\nX-Pad: ";
  SUBCASE("too large, in one piece") {
    RequestParser parser;
    CHECK(parser.feed(start + std::string(kMaxHeaderBytes, 'a') + "\r\n\r\n") == Progress::TooLarge);
  }
  SUBCASE("too large, in pieces") {
    RequestParser parser;
    REQUIRE(parser.feed(start) == Progress::Incomplete);
    Progress progress = Progress::Incomplete;
    for (int i = 0; i < 20 && progress == Progress::Incomplete; ++i) progress = parser.feed(std::string(1000, 'a'));
    CHECK(progress == Progress::TooLarge);
  }
  SUBCASE("exactly at the limit") {
    const std::string end = "\r\n\r\n";
    const std::string head = start + std::string(kMaxHeaderBytes - start.size() - end.size(), 'a') + end;
    REQUIRE(head.size() == kMaxHeaderBytes);
    RequestParser parser;
    CHECK(parser.feed(head) == Progress::Complete);
  }
}
