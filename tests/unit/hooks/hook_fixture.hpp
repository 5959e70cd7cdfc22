// SPDX-License-Identifier: MIT
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "hooks/hook_runner.hpp"
#include "log/logger.hpp"
#include "process/reaper.hpp"
#include "process_support.hpp"
#include "test_support.hpp"
#include "uv/loop.hpp"

namespace lastcall::hooks::testing {

using namespace std::chrono_literals;
using Json = nlohmann::json;
using test::process_is_gone;

// One test's world: a loop, a Reaper fed by SIGCHLD, a JSON log in a file, and the runner.
class Fixture {
 public:
  struct Outcome {
    std::optional<core::HookTally> tally;  // nullopt: on_done was not called before the watchdog
    std::chrono::milliseconds elapsed{0};
  };

  Fixture() : log_path_(dir_.file("log.jsonl")) {
    REQUIRE_FALSE(dir_.path().empty());
    log_fd_ = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE(log_fd_ >= 0);
    logger_ = std::make_unique<log::Logger>(log::Format::Json, log::Level::Debug, log_fd_);
    sigchld_ = std::make_unique<test::SigchldWatch>(loop_.get(), reaper_);
    runner_ = std::make_unique<HookRunner>(loop_.get(), reaper_, *logger_, signals_,
                                           HookRunner::Observer{.on_done =
                                                                    [this](core::Phase, const core::HookTally& tally) {
                                                                      if (on_done_) on_done_(tally);
                                                                    },
                                                                .on_hook =
                                                                    [this](const HookResult& result) {
                                                                      results_.push_back(result.status);
                                                                    }});
  }
  ~Fixture() {
    runner_.reset();
    sigchld_.reset();
    ::close(log_fd_);
  }

  HookRunner& runner() { return *runner_; }
  process::Reaper& reaper() { return reaper_; }
  uv_loop_t* loop() { return loop_.get(); }
  uv::Loop& uv_loop() { return loop_; }
  const test::TempDir& dir() const { return dir_; }
  // Every status the observer heard of, in order.
  [[nodiscard]] const std::vector<core::HookStatus>& results() const { return results_; }

  // Calls `on_done` when the phase ends, as the runner's observer.
  void on_done(std::function<void(const core::HookTally&)> on_done) { on_done_ = std::move(on_done); }

  Outcome run(core::Phase phase, const std::vector<core::HookSpec>& hooks, core::Duration cap,
              const core::PhaseContext& context = {}, std::chrono::milliseconds watchdog = 8s) {
    Outcome outcome;
    parsed_.reset();
    hooks_ = hooks;  // the runner reads them until the phase ends
    const auto t0 = std::chrono::steady_clock::now();
    on_done([&](const core::HookTally& tally) {
      outcome.tally = tally;
      outcome.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
      loop_.stop();
    });
    runner_->run(phase, hooks_, cap, context);
    if (!outcome.tally) run_for(watchdog);
    on_done(nullptr);
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

  test::Cleanup cleanup_;  // first, so it runs last: reaps whatever a failed test left
  test::TempDir dir_;
  mutable std::optional<std::vector<Json>> parsed_;  // the log as of the last parse
  std::string log_path_;
  int log_fd_ = -1;
  uv::Loop loop_;
  process::Reaper reaper_;
  core::InheritedSignals signals_{};
  std::unique_ptr<log::Logger> logger_;
  std::unique_ptr<test::SigchldWatch> sigchld_;
  std::unique_ptr<HookRunner> runner_;
  std::vector<core::HookSpec> hooks_;
  std::function<void(const core::HookTally&)> on_done_;
  std::vector<core::HookStatus> results_;
};

inline core::HookSpec shell_hook(std::string name, std::string script, int priority = 0,
                                 std::optional<core::Duration> timeout = std::nullopt) {
  core::HookSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.via_shell = true;
  spec.name = std::move(name);
  spec.priority = priority;
  spec.timeout = timeout;
  return spec;
}

// Milliseconds since the epoch of an event's `ts` ("2026-12-01T06:58:29.123Z"): the date
// counts too, so two stamps either side of midnight UTC still subtract right.
inline long long ts_ms(const Json& event) {
  const std::string ts = event["ts"];
  std::tm fields{};
  int ms = -1;
  const bool parsed = std::sscanf(ts.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &fields.tm_year, &fields.tm_mon,
                                  &fields.tm_mday, &fields.tm_hour, &fields.tm_min, &fields.tm_sec, &ms) == 7;
  REQUIRE_MESSAGE(parsed, "not a timestamp: " << ts);
  fields.tm_year -= 1900;
  fields.tm_mon -= 1;
  return static_cast<long long>(::timegm(&fields)) * 1'000 + ms;
}

// A pid a hook wrote to a file.
inline pid_t read_pid(const std::string& path) {
  std::ifstream in(path);
  pid_t pid = -1;
  in >> pid;
  return pid;
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
