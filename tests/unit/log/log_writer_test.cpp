// SPDX-License-Identifier: MIT
#include "log/log_writer.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "log/logger.hpp"

using namespace lastcall;
using namespace std::chrono_literals;

namespace {

// A pipe whose ends close when the test ends.
struct TestPipe {
  int read_end = -1;
  int write_end = -1;
  TestPipe() {
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    read_end = fds[0];
    write_end = fds[1];
  }
  ~TestPipe() {
    if (read_end >= 0) close(read_end);
    if (write_end >= 0) close(write_end);
  }
  // Everything buffered in the pipe now.
  std::string drain() const {
    const int flags = fcntl(read_end, F_GETFL);
    fcntl(read_end, F_SETFL, flags | O_NONBLOCK);
    std::string out;
    char buf[65536];
    for (ssize_t n; (n = read(read_end, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    fcntl(read_end, F_SETFL, flags);
    return out;
  }
};

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    out.push_back(nlohmann::json::parse(text.substr(start, nl - start)));
  }
  CHECK(start == text.size());  // whole lines only
  return out;
}

// SIGPIPE blocked for one test, as lastcall blocks it for its signalfd (the test binary does
// not): a write to a pipe nobody reads then fails with EPIPE and leaves SIGPIPE pending. The
// pending ones are taken before the old mask comes back, so none reaches another test.
struct BlockSigpipe {
  sigset_t set{};
  sigset_t old{};
  BlockSigpipe() {
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    REQUIRE(sigprocmask(SIG_BLOCK, &set, &old) == 0);
  }
  ~BlockSigpipe() {
    const timespec now{.tv_sec = 0, .tv_nsec = 0};
    while (sigtimedwait(&set, nullptr, &now) == SIGPIPE) {
    }
    sigprocmask(SIG_SETMASK, &old, nullptr);
  }
  BlockSigpipe(const BlockSigpipe&) = delete;
  BlockSigpipe& operator=(const BlockSigpipe&) = delete;
};

}  // namespace

TEST_CASE("a full stderr pipe nobody reads delays the log by at most the stall budget, then drops lines") {
  TestPipe pipe;
  log::Logger logger(log::Format::Json, log::Level::Info, pipe.write_end, 50ms);
  const auto started = std::chrono::steady_clock::now();
  constexpr int kLines = 5'000;
  const std::string padding(200, 'x');
  for (int i = 0; i < kLines; ++i) logger.info("test_line", padding, {{"i", i}});
  CHECK(std::chrono::steady_clock::now() - started < 2s);

  const auto written = json_lines(pipe.drain());
  REQUIRE(written.size() < static_cast<std::size_t>(kLines));
  logger.info("after", "the reader caught up");
  const auto after = json_lines(pipe.drain());
  REQUIRE(after.size() == 2);
  CHECK(after[0]["event"] == "log_dropped");
  CHECK(after[0]["lines"] == kLines - static_cast<int>(written.size()));
  CHECK(after[1]["event"] == "after");
}

TEST_CASE("the non-blocking log leaves the flags of the inherited stderr alone") {
  TestPipe pipe;
  log::LogWriter writer(pipe.write_end);
  CHECK(writer.is_non_blocking());
  CHECK((fcntl(pipe.write_end, F_GETFL) & O_NONBLOCK) == 0);
  CHECK(writer.write("one line\n"));
  CHECK(pipe.drain() == "one line\n");
}

TEST_CASE("a line cut short by a full pipe is finished before the next one") {
  TestPipe pipe;
  // Two pages. A write above PIPE_BUF (4096 bytes) is not atomic, so a full pipe takes a head.
  REQUIRE(fcntl(pipe.write_end, F_SETPIPE_SZ, 8192) >= 0);
  log::LogWriter writer(pipe.write_end, 0ms);
  const std::string first(5000, 'a');
  const std::string second(5000, 'b');
  CHECK(writer.write(first + "\n"));
  CHECK(writer.write(second + "\n"));  // only its head fits; the rest waits
  CHECK_FALSE(writer.write("dropped\n"));  // the tail has not gone out yet
  std::string seen = pipe.drain();
  CHECK(writer.write("third\n"));  // the tail goes first
  seen += pipe.drain();
  CHECK(seen == first + "\n" + second + "\nthird\n");
}

TEST_CASE("a stderr whose reader is gone costs nothing and never kills lastcall") {
  BlockSigpipe block;
  TestPipe pipe;
  SUBCASE("a reader gone before the log starts") {
    close(pipe.read_end);
    pipe.read_end = -1;
    log::Logger logger(log::Format::Json, log::Level::Info, pipe.write_end);
    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < 1'000; ++i) logger.info("test_line", "nobody reads this");
    CHECK(std::chrono::steady_clock::now() - started < 1s);
    log::LogWriter writer(pipe.write_end);
    CHECK_FALSE(writer.write("x\n"));  // EPIPE: the line is dropped, the sequence goes on
  }
  SUBCASE("a reader gone after the writer reopened the pipe") {
    log::LogWriter writer(pipe.write_end);
    REQUIRE(writer.is_non_blocking());
    CHECK(writer.write("read\n"));
    CHECK(pipe.drain() == "read\n");
    close(pipe.read_end);
    pipe.read_end = -1;
    const auto started = std::chrono::steady_clock::now();
    CHECK_FALSE(writer.write("x\n"));
    CHECK_FALSE(writer.write("y\n"));
    CHECK(std::chrono::steady_clock::now() - started < 1s);
  }
}

TEST_CASE("a closed stderr is not an error") {
  log::LogWriter writer(-1);
  CHECK_FALSE(writer.is_non_blocking());
  CHECK_FALSE(writer.write("lost\n"));
}
