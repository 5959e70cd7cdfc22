// SPDX-License-Identifier: MIT
#include "hooks/line_splitter.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace lastcall::hooks {
namespace {

struct Collected {
  std::vector<std::string> lines;
  LineSplitter splitter;
  explicit Collected(std::size_t max = 4)
      : splitter([this](std::string_view line) { lines.emplace_back(line); }, max) {}
};

TEST_CASE("hook output is cut into lines on newline, without a trailing carriage return") {
  Collected c;
  c.splitter.feed("ab\r\ncd\n\n");
  CHECK(c.lines == std::vector<std::string>{"ab", "cd", ""});
}

TEST_CASE("a line split across reads is relayed once, whole") {
  Collected c;
  c.splitter.feed("a");
  c.splitter.feed("b\nc");
  c.splitter.feed("d\n");
  CHECK(c.lines == std::vector<std::string>{"ab", "cd"});
}

TEST_CASE("a line longer than the limit is relayed in pieces of the limit") {
  Collected c;
  c.splitter.feed("abcdefghij\n");
  CHECK(c.lines == std::vector<std::string>{"abcd", "efgh", "ij"});
  c.lines.clear();
  c.splitter.feed("abcd\nabcd");
  c.splitter.feed("\n");
  CHECK(c.lines == std::vector<std::string>{"abcd", "abcd"});
  c.lines.clear();
  c.splitter.feed("abcd\r\n");  // the "\r" past a full piece ends the line and is no line
  CHECK(c.lines == std::vector<std::string>{"abcd"});
}

TEST_CASE("a partial last line is relayed at the end of the stream") {
  Collected c;
  c.splitter.feed("one\ntwo");
  CHECK(c.lines == std::vector<std::string>{"one"});
  c.splitter.finish();
  CHECK(c.lines == std::vector<std::string>{"one", "two"});
  c.splitter.finish();
  CHECK(c.lines.size() == 2);
}

}  // namespace
}  // namespace lastcall::hooks
