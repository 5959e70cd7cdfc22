// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

#include "supervisor/supervisor.hpp"

// Recording fakes for the supervisor's ports. Each appends what it was asked to do to one
// shared journal, so a test can check the order of actions across ports.
namespace lastcall::fakes {

struct Journal {
  std::vector<std::string> lines;
  void add(std::string line) { lines.push_back(std::move(line)); }
  [[nodiscard]] bool has(const std::string& line) const;
  [[nodiscard]] int index_of(const std::string& line) const;  // -1 when absent
};

class FakeClock final : public supervisor::Clock {
 public:
  [[nodiscard]] core::TimePoint now() const override { return now_; }
  void advance(core::Duration d) { now_ += d; }

 private:
  core::TimePoint now_{};
};

class FakeTimer final : public supervisor::Timer {
 public:
  FakeTimer(Journal& journal, std::string name) : journal_(journal), name_(std::move(name)) {}
  void start(core::Duration after) override;
  void stop() override;
  [[nodiscard]] bool armed() const { return armed_; }
  [[nodiscard]] core::Duration armed_for() const { return after_; }

 private:
  Journal& journal_;
  std::string name_;
  bool armed_ = false;
  core::Duration after_{0};
};

class FakeChild final : public supervisor::ChildControl {
 public:
  explicit FakeChild(Journal& journal) : journal_(journal) {}
  void send_stop_signal(core::Signal signal) override { journal_.add("child.stop " + signal.name()); }
  void kill_group() override { journal_.add("child.kill"); }
  [[nodiscard]] pid_t pid() const override { return 4242; }

 private:
  Journal& journal_;
};

class FakeLeftovers final : public supervisor::Leftovers {
 public:
  explicit FakeLeftovers(Journal& journal) : journal_(journal) {}
  void stop(core::Signal signal) override { journal_.add("leftovers.stop " + signal.name()); }
  void kill() override { journal_.add("leftovers.kill"); }

 private:
  Journal& journal_;
};

class FakeHooks final : public supervisor::HookPhases {
 public:
  explicit FakeHooks(Journal& journal) : journal_(journal) {}
  void start(core::Phase phase, core::Duration cap, const supervisor::PhaseContext& context) override;
  void kill_all() override { journal_.add("hooks.kill_all"); }
  std::vector<supervisor::PhaseContext> contexts;
  std::vector<core::Duration> caps;

 private:
  Journal& journal_;
};

class FakeReporter final : public supervisor::Reporter {
 public:
  explicit FakeReporter(Journal& journal) : journal_(journal) {}
  void shutdown_started(core::Signal trigger, core::Duration grace) override;
  void state_changed(supervisor::State state) override;
  void child_signaled(core::Signal signal, pid_t) override { journal_.add("report.signaled " + signal.name()); }
  void child_killed(pid_t, core::Duration after) override;
  void forced_exit(core::Signal signal) override { journal_.add("report.forced " + signal.name()); }
  void shutdown_complete(const supervisor::Summary& summary) override;
  std::vector<supervisor::Summary> summaries;
  core::Duration killed_after{-1};

 private:
  Journal& journal_;
};

class FakeExit final : public supervisor::Exit {
 public:
  explicit FakeExit(Journal& journal) : journal_(journal) {}
  void exit(int code) override;
  int code = -1;  // -1 until exit() was called
  int calls = 0;

 private:
  Journal& journal_;
};

// All fakes, wired into one supervisor.
struct FakeWorld {
  explicit FakeWorld(supervisor::Plan plan);
  Journal journal;
  FakeClock clock;
  FakeChild child{journal};
  FakeLeftovers leftovers{journal};
  FakeHooks hooks{journal};
  FakeTimer drain_timer{journal, "drain"};
  FakeTimer grace_timer{journal, "grace"};
  FakeReporter reporter{journal};
  FakeExit exit{journal};
  supervisor::Supervisor supervisor;
};

}  // namespace lastcall::fakes
