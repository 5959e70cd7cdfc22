// SPDX-License-Identifier: MIT
#include "ready/ready_probe.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "config/parse.hpp"
#include "process/children.hpp"
#include "process_support.hpp"
#include "uv/tcp.hpp"

using namespace lastcall;
using namespace std::chrono_literals;

namespace {

// A listening TCP socket on 127.0.0.1 that nobody accepts from: the kernel completes the
// handshake from its backlog. Closed (and its port then refuses) when it ends.
class Listening {
 public:
  Listening() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    REQUIRE(fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
  }
  ~Listening() { close(); }
  Listening(const Listening&) = delete;
  Listening& operator=(const Listening&) = delete;
  [[nodiscard]] int port() const { return port_; }
  void close() {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  }

 private:
  int fd_;
  int port_ = 0;
};

// A tiny HTTP server on the probe's loop: it reads a request head and answers `status`, or,
// when silent, never answers.
class TinyHttp {
 public:
  TinyHttp(uv_loop_t* loop, int status, bool silent = false)
      : loop_(loop), status_(status), silent_(silent), listener_(loop, [this](int rc) { on_connection(rc); }) {
    REQUIRE(listener_.listen("127.0.0.1", 0, false, 16) == 0);
  }
  [[nodiscard]] int port() const { return listener_.port(); }
  [[nodiscard]] const std::vector<std::string>& requests() const { return requests_; }

 private:
  struct Conn {
    std::unique_ptr<uv::TcpStream> stream;
    std::string head;
  };

  void on_connection(int rc) {
    CHECK(rc == 0);  // CHECK, not REQUIRE: nothing may throw through libuv
    auto conn = std::make_unique<Conn>();
    conn->stream = std::make_unique<uv::TcpStream>(loop_);
    CHECK(listener_.accept(*conn->stream) == 0);
    Conn* c = conn.get();
    conns_.push_back(std::move(conn));
    CHECK(c->stream->read_start({.on_data = [this, c](std::string_view bytes) { on_data(*c, bytes); },
                                   .on_end = [](int) {}}) == 0);
  }

  void on_data(Conn& c, std::string_view bytes) {
    c.head.append(bytes);
    if (c.head.find("\r\n\r\n") == std::string::npos || silent_) return;
    requests_.push_back(c.head);
    const std::string body = status_ == 200 ? "ok" : "broken";
    const std::string response = "HTTP/1.1 " + std::to_string(status_) + " X\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    CHECK(c.stream->write(response, [](int) {}) == 0);
    CHECK(c.stream->shutdown() == 0);
  }

  uv_loop_t* loop_;
  int status_;
  bool silent_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<std::string> requests_;  // each request head answered
  uv::TcpListener listener_;  // last: closed first
};

// One probe on a loop of its own, with the Reaper fed by SIGCHLD for command checks.
struct World {
  test::Cleanup cleanup;  // first, so it runs last
  uv::Loop loop;
  process::Reaper reaper;
  core::InheritedSignals signals{};
  std::unique_ptr<test::SigchldWatch> sigchld = std::make_unique<test::SigchldWatch>(loop.get(), reaper);
  config::ReadyCheck check;
  std::vector<std::pair<bool, std::string>> results;
  std::vector<std::size_t> children_at_result;  // how many children the test process had at each
  std::unique_ptr<ready::ReadyProbe> probe;

  void start(config::ReadyCheck c) {
    check = std::move(c);
    probe = std::make_unique<ready::ReadyProbe>(loop.get(), check, reaper, signals, [this](bool passed, const std::string& error) {
      results.emplace_back(passed, error);
      children_at_result.push_back(process::list_children().value_or(std::vector<pid_t>{}).size());
    });
    probe->start();
  }
  bool wait_for_results(std::size_t count, std::chrono::milliseconds limit = 5s) {
    return test::run_until(loop, [&] { return results.size() >= count; }, limit);
  }
  [[nodiscard]] bool close() {
    probe.reset();
    sigchld.reset();
    return loop.close();
  }
};

config::ReadyCheck tcp(int port) {
  auto check = config::ready_from_text("tcp:127.0.0.1:" + std::to_string(port));
  REQUIRE(check);
  return *check;
}

config::ReadyCheck http(int port, const std::string& path) {
  auto check = config::ready_from_text("http://127.0.0.1:" + std::to_string(port) + path);
  REQUIRE(check);
  return *check;
}

config::ReadyCheck command(std::vector<std::string> args) {
  config::ReadyCheck check;
  check.kind = config::ReadyCheck::Kind::Command;
  check.argv = testing::helper_argv(std::move(args));
  return check;
}

}  // namespace

TEST_CASE("a tcp check passes while something listens on the port, and fails once nothing does") {
  World w;
  Listening listening;
  const int port = listening.port();
  auto check = tcp(port);
  check.interval = 20ms;
  w.start(check);
  REQUIRE(w.wait_for_results(2));
  CHECK(w.results[0] == std::pair<bool, std::string>{true, ""});
  CHECK(w.results[1].first);
  listening.close();
  REQUIRE(test::run_until(w.loop, [&] { return !w.results.back().first; }));
  CHECK(w.results.back().second == "connect: connection refused (ECONNREFUSED)");
  CHECK(w.close());
}

TEST_CASE("an http check passes on a 2xx answer and fails on any other") {
  World w;
  SUBCASE("200") {
    TinyHttp server(w.loop.get(), 200);
    w.start(http(server.port(), "/healthz?deep=1"));
    REQUIRE(w.wait_for_results(1));
    CHECK(w.results[0] == std::pair<bool, std::string>{true, "HTTP 200"});
    REQUIRE(server.requests().size() == 1);
    const auto& request = server.requests()[0];
    CHECK(request.starts_with("GET /healthz?deep=1 HTTP/1.1\r\n"));
    CHECK(request.find("\r\nHost: 127.0.0.1:" + std::to_string(server.port()) + "\r\n") != std::string::npos);
    w.probe.reset();
  }
  SUBCASE("500") {
    TinyHttp server(w.loop.get(), 500);
    w.start(http(server.port(), ""));
    REQUIRE(w.wait_for_results(1));
    CHECK(w.results[0] == std::pair<bool, std::string>{false, "HTTP 500"});
    CHECK(server.requests().at(0).starts_with("GET / HTTP/1.1\r\n"));
    w.probe.reset();
  }
  CHECK(w.close());
}

TEST_CASE("a command check passes when the command exits 0 and fails otherwise") {
  World w;
  SUBCASE("exit 0") {
    w.start(command({"exit", "0"}));
    REQUIRE(w.wait_for_results(1));
    CHECK(w.results[0] == std::pair<bool, std::string>{true, "the command exited with 0"});
  }
  SUBCASE("exit 1") {
    w.start(command({"exit", "1"}));
    REQUIRE(w.wait_for_results(1));
    CHECK(w.results[0] == std::pair<bool, std::string>{false, "the command exited with 1"});
  }
  SUBCASE("a command that cannot run") {
    config::ReadyCheck check;
    check.kind = config::ReadyCheck::Kind::Command;
    check.argv = {"/nonexistent/lastcall-ready-check"};
    w.start(check);
    REQUIRE(w.wait_for_results(1));
    CHECK_FALSE(w.results[0].first);
    CHECK(w.results[0].second == "the command exited with 127");
  }
  CHECK(w.close());
  CHECK_FALSE(process::Reaper::has_children());
}

TEST_CASE("checks never overlap: the next starts an interval after the last one ended") {
  World w;
  auto check = command({"sleep", "100"});
  check.interval = 50ms;
  const auto started = std::chrono::steady_clock::now();
  w.start(check);
  REQUIRE(w.wait_for_results(3));
  // Each check takes its 100 ms and then waits 50: three cannot end before 400 ms (libuv's
  // millisecond clock may fire each wait up to 1 ms early).
  CHECK(std::chrono::steady_clock::now() - started >= 395ms);
  for (const auto& [passed, error] : w.results) CHECK(passed);
  // When each result came, its command had been reaped and no other was running.
  CHECK(w.children_at_result == std::vector<std::size_t>(w.results.size(), 0));
  CHECK(w.close());
}

TEST_CASE("a check without an answer within its timeout fails, and a command is killed with its group") {
  World w;
  SUBCASE("a command") {
    auto check = command({"sleep", "30000"});
    check.timeout = 200ms;
    check.interval = 10s;
    const auto started = std::chrono::steady_clock::now();
    w.start(check);
    REQUIRE(w.wait_for_results(1));
    const auto took = std::chrono::steady_clock::now() - started;
    CHECK(w.results[0] == std::pair<bool, std::string>{false, "no answer within 200ms"});
    CHECK(took >= 199ms);
    CHECK(took < 2s);
    // Killed and reaped, unheard: the next check is 10 s away.
    CHECK(test::run_until(w.loop, [] { return !process::Reaper::has_children(); }));
    CHECK(w.results.size() == 1);
  }
  SUBCASE("an http server that never answers") {
    TinyHttp server(w.loop.get(), 200, true);
    auto check = http(server.port(), "/");
    check.timeout = 200ms;
    w.start(check);
    REQUIRE(w.wait_for_results(1));
    CHECK(w.results[0] == std::pair<bool, std::string>{false, "no answer within 200ms"});
    w.probe.reset();
  }
  CHECK(w.close());
}

TEST_CASE("stop() ends the probe for good: a check in flight is dropped unheard, nothing is left running") {
  World w;
  auto check = command({"sleep", "30000"});
  check.timeout = 10s;
  w.start(check);
  REQUIRE(test::run_until(w.loop, [] { return process::list_children().value_or(std::vector<pid_t>{}).size() == 1; }));
  w.probe->stop();
  CHECK(test::run_until(w.loop, [] { return !process::Reaper::has_children(); }));
  // Nothing more: no result for the dropped check, and no timer left for a next one.
  CHECK(w.results.empty());
  int active = 0;
  uv_walk(w.loop.get(), [](uv_handle_t* handle, void* arg) {
    if (handle->type == UV_TIMER && uv_is_active(handle)) ++*static_cast<int*>(arg);
  }, &active);
  CHECK(active == 0);
  CHECK(w.close());
}

TEST_CASE("a command check runs in the check's cwd, lastcall's starting directory once bound to the host") {
  World w;
  test::TempDir dir;
  REQUIRE_FALSE(dir.path().empty());
  (void)dir.write("marker", "");
  config::ReadyCheck check;
  check.kind = config::ReadyCheck::Kind::Command;
  check.argv = {"/bin/sh", "-c", "test -f marker"};
  check.cwd = dir.path();
  w.start(check);
  REQUIRE(w.wait_for_results(1));
  CHECK(w.results[0] == std::pair<bool, std::string>{true, "the command exited with 0"});
  CHECK(w.close());
  CHECK_FALSE(process::Reaper::has_children());
}

namespace {

// This process's descriptors open on /dev/null.
std::set<int> dev_null_fds() {
  std::set<int> fds;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    if (std::filesystem::read_symlink(entry.path(), error) == "/dev/null") fds.insert(std::stoi(entry.path().filename()));
  }
  return fds;
}

}  // namespace

TEST_CASE("a command probe opens /dev/null once, close-on-exec, for all its checks, and closes it at the end") {
  const auto before = dev_null_fds();
  {
    World w;
    auto check = command({"exit", "0"});
    check.interval = 10ms;
    w.start(check);
    REQUIRE(w.wait_for_results(1));
    const auto first = dev_null_fds();
    REQUIRE(first.size() == before.size() + 1);
    int fd = -1;
    for (const int f : first) {
      if (!before.contains(f)) fd = f;
    }
    REQUIRE(fd >= 0);
    CHECK((::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    REQUIRE(w.wait_for_results(4));
    CHECK(dev_null_fds() == first);
    for (const auto& [passed, error] : w.results) CHECK(passed);
    CHECK(w.close());
  }
  CHECK(dev_null_fds() == before);
}
