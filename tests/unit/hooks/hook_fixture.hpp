// SPDX-License-Identifier: MIT
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "hooks/hook_runner.hpp"
#include "log/logger.hpp"
#include "process/reaper.hpp"
#include "uv/loop.hpp"
#include "uv/poll.hpp"
#include "uv/timer.hpp"

namespace lastcall::hooks::testing {

using namespace std::chrono_literals;
using Json = nlohmann::json;

// SIGCHLD blocked and read from a signalfd, as the app does: each arrival runs the Reaper.
class SigchldWatch {
 public:
  SigchldWatch(uv_loop_t* loop, process::Reaper& reaper) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    // SIG_IGN for SIGCHLD would make the kernel reap hooks itself (waitpid(2), NOTES).
    const bool default_disposition = signal(SIGCHLD, SIG_DFL) != SIG_ERR;
    REQUIRE(default_disposition);
    REQUIRE(sigprocmask(SIG_BLOCK, &set, &old_mask_) == 0);
    fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    REQUIRE(fd_ >= 0);
    poll_ = std::make_unique<uv::Poll>(loop, fd_, [this, &reaper](int) {
      signalfd_siginfo info;
      while (read(fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      }
      (void)reaper.reap();
    });
    REQUIRE(poll_->start() == 0);
  }
  ~SigchldWatch() {
    poll_.reset();
    close(fd_);
    sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  SigchldWatch(const SigchldWatch&) = delete;
  SigchldWatch& operator=(const SigchldWatch&) = delete;

 private:
  int fd_ = -1;
  sigset_t old_mask_{};
  std::unique_ptr<uv::Poll> poll_;
};

// A scratch directory under /tmp, removed with what the hooks left in it.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/lastcall-hooks-XXXXXX";
    REQUIRE(mkdtemp(pattern) != nullptr);
    path_ = pattern;
  }
  ~TempDir() { (void)std::system(("rm -rf '" + path_ + "'").c_str()); }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// One test's world: a loop, a Reaper fed by SIGCHLD, a JSON log in a file, and the runner.
class Fixture {
 public:
  struct Outcome {
    std::optional<Tally> tally;  // nullopt: on_done was not called before the watchdog
    std::chrono::milliseconds elapsed{0};
  };

  Fixture() : log_path_(dir_.file("log.jsonl")) {
    log_fd_ = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE(log_fd_ >= 0);
    logger_ = std::make_unique<log::Logger>(log::Format::Json, log::Level::Debug, log_fd_);
    sigchld_ = std::make_unique<SigchldWatch>(loop_.get(), reaper_);
    runner_ = std::make_unique<HookRunner>(loop_.get(), reaper_, *logger_);
  }
  ~Fixture() { ::close(log_fd_); }

  HookRunner& runner() { return *runner_; }
  process::Reaper& reaper() { return reaper_; }
  uv_loop_t* loop() { return loop_.get(); }
  const TempDir& dir() const { return dir_; }

  Outcome run(core::Phase phase, const std::vector<config::HookSpec>& hooks, core::Duration cap,
              const HookEnv& env = {}, std::chrono::milliseconds watchdog = 8s) {
    Outcome outcome;
    parsed_.reset();
    const auto t0 = std::chrono::steady_clock::now();
    runner_->run(phase, hooks, cap, env, [&](const Tally& tally) {
      outcome.tally = tally;
      outcome.elapsed =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
      loop_.stop();
    });
    if (!outcome.tally) run_for(watchdog);
    return outcome;
  }

  // Runs the loop until stop() or for `limit` at most.
  void run_for(std::chrono::milliseconds limit) {
    parsed_.reset();
    uv::Timer watchdog(loop_.get(), [this] { loop_.stop(); });
    watchdog.start(limit);
    loop_.run();
  }

  // Every event logged so far, or those named `name`.
  [[nodiscard]] std::vector<Json> events(std::string_view name = {}) const {
    if (!parsed_) parsed_ = parse_log();
    std::vector<Json> out;
    for (const auto& event : *parsed_) {
      if (name.empty() || event["event"] == name) out.push_back(event);
    }
    return out;
  }
  [[nodiscard]] Json event_of(std::string_view name, std::string_view hook) const {
    for (auto& event : events(name)) {
      if (event["hook"] == hook) return event;
    }
    FAIL("no " << name << " event for hook " << hook);
    return {};
  }
  [[nodiscard]] std::vector<std::string> lines_of(std::string_view hook, std::string_view stream) const {
    std::vector<std::string> out;
    for (auto& event : events("hook_output")) {
      if (event["hook"] == hook && event["stream"] == stream) out.push_back(event["line"]);
    }
    return out;
  }

  // Drops the runner and the SIGCHLD watch, then closes the loop; true when it closed cleanly.
  [[nodiscard]] bool close() {
    runner_.reset();
    sigchld_.reset();
    return loop_.close();
  }

 private:
  [[nodiscard]] std::vector<Json> parse_log() const {
    std::ifstream in(log_path_);
    std::vector<Json> out;
    for (std::string line; std::getline(in, line);) out.push_back(Json::parse(line));
    return out;
  }

  TempDir dir_;
  mutable std::optional<std::vector<Json>> parsed_;  // the log as of the last parse
  std::string log_path_;
  int log_fd_ = -1;
  uv::Loop loop_;
  process::Reaper reaper_;
  std::unique_ptr<log::Logger> logger_;
  std::unique_ptr<SigchldWatch> sigchld_;
  std::unique_ptr<HookRunner> runner_;
};

inline config::HookSpec shell_hook(std::string name, std::string script, int priority = 0,
                                   std::optional<core::Duration> timeout = std::nullopt) {
  config::HookSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.via_shell = true;
  spec.name = std::move(name);
  spec.priority = priority;
  spec.timeout = timeout;
  return spec;
}

// Milliseconds since midnight UTC of an event's `ts` ("2026-12-01T06:58:29.123Z").
inline long ts_ms(const Json& event) {
  const std::string ts = event["ts"];
  const auto t = ts.find('T');
  return std::stol(ts.substr(t + 1, 2)) * 3'600'000 + std::stol(ts.substr(t + 4, 2)) * 60'000 +
         std::stol(ts.substr(t + 7, 2)) * 1'000 + std::stol(ts.substr(t + 10, 3));
}

// A pid a hook wrote to a file.
inline pid_t read_pid(const std::string& path) {
  std::ifstream in(path);
  pid_t pid = -1;
  in >> pid;
  return pid;
}

// True once `pid` is gone or a zombie (reparented to an init that has not reaped it yet),
// waiting up to a second: SIGKILL is delivered asynchronously.
inline bool process_is_gone(pid_t pid) {
  for (int i = 0; i < 100; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return true;
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto paren = text.rfind(')');
    if (paren != std::string::npos && paren + 2 < text.size()) {
      const char state = text[paren + 2];
      if (state == 'Z' || state == 'X') return true;
    }
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

// The pid a hook wrote to `pidfile` is gone: a missing or unreadable file fails instead of
// passing for a pid of -1.
inline void check_gone(const std::string& pidfile) {
  INFO("pid file " << pidfile);
  const pid_t pid = read_pid(pidfile);
  REQUIRE(pid > 1);
  CHECK(process_is_gone(pid));
}

}  // namespace lastcall::hooks::testing
