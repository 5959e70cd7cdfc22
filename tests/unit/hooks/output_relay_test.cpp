// SPDX-License-Identifier: MIT
#include "hooks/output_relay.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "test_support.hpp"

namespace lastcall::hooks {
namespace {

struct Collected {
  std::vector<std::string> lines;
  LineSplitter splitter;
  explicit Collected(std::size_t max = 4) : splitter([this](std::string_view line) { lines.emplace_back(line); }, max) {}
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

// A relay over a pipe the test writes, on a loop of its own.
struct RelayFixture {
  uv::Loop loop;
  int write_end = -1;
  std::vector<std::string> lines;
  std::unique_ptr<OutputRelay> relay;

  RelayFixture() {
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0);
    write_end = fds[1];
    relay = std::make_unique<OutputRelay>(loop.get(), core::UniqueFd(fds[0]),
                                          [this](std::string_view line) { lines.emplace_back(line); });
    REQUIRE(relay->start() == 0);
  }
  ~RelayFixture() {
    relay.reset();
    if (write_end >= 0) close(write_end);
  }
  void write(const std::string& bytes) { REQUIRE(::write(write_end, bytes.data(), bytes.size()) == ssize_t(bytes.size())); }
};

TEST_CASE("a relay hands out each line as the loop reads it, and the partial last line at end of file") {
  RelayFixture f;
  f.write("one\ntw");
  CHECK(lastcall::test::run_until(f.loop, [&] { return f.lines.size() == 1; }));
  f.write("o\nthree");
  close(std::exchange(f.write_end, -1));
  CHECK(lastcall::test::run_until(f.loop, [&] { return f.lines.size() == 3; }));
  CHECK(f.lines == std::vector<std::string>{"one", "two", "three"});
  CHECK(f.relay->error().empty());
  f.relay->drain();
  CHECK(f.lines.size() == 3);
  f.relay.reset();
  CHECK(f.loop.close());
}

TEST_CASE("drain reads what the pipe still holds without waiting for end of file") {
  RelayFixture f;
  f.write("a\nb\npartial");
  f.relay->drain();  // the writer is still open: no end of file
  CHECK(f.lines == std::vector<std::string>{"a", "b", "partial"});
  f.relay.reset();
  CHECK(f.loop.close());
}

TEST_CASE("a discarding relay only counts lines and bytes, the partial last line too") {
  RelayFixture f;
  f.write("kept\nhalf");
  CHECK(lastcall::test::run_until(f.loop, [&] { return f.lines.size() == 1; }));
  f.relay->discard();
  f.write(" line\nsecond\nlast");
  f.relay->drain();
  CHECK(f.lines == std::vector<std::string>{"kept"});
  CHECK(f.relay->discarded_lines() == 3);                      // "half line", "second", "last"
  CHECK(f.relay->discarded_bytes() == std::string("half linesecondlast").size());
  f.relay.reset();
  CHECK(f.loop.close());
}

}  // namespace
}  // namespace lastcall::hooks
