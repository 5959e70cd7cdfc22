// SPDX-License-Identifier: MIT
#include "fakes/fake_ports.hpp"

#include <algorithm>

namespace lastcall::fakes {

bool Journal::has(const std::string& line) const { return index_of(line) >= 0; }

int Journal::index_of(const std::string& line) const {
  const auto it = std::find(lines.begin(), lines.end(), line);
  return it == lines.end() ? -1 : static_cast<int>(it - lines.begin());
}

void FakeTimer::start(core::Duration after) {
  armed_ = true;
  after_ = after;
  journal_.add(name_ + ".start " + std::to_string(after.count()));
}

void FakeTimer::stop() {
  if (armed_) journal_.add(name_ + ".stop");
  armed_ = false;
}

void FakeHooks::start(core::Phase phase, core::Duration cap, const supervisor::PhaseContext& context) {
  contexts.push_back(context);
  caps.push_back(cap);
  journal_.add("hooks.start " + std::string(core::phase_name(phase)) + " " + std::to_string(cap.count()));
}

void FakeReporter::shutdown_started(core::Signal trigger, core::Duration grace) {
  journal_.add("report.shutdown " + trigger.name() + " " + std::to_string(grace.count()));
}

void FakeReporter::state_changed(supervisor::State state) {
  journal_.add(std::string("state ") + supervisor::state_name(state));
}

void FakeReporter::child_killed(pid_t, core::Duration after) {
  killed_after = after;
  journal_.add("report.killed");
}

void FakeReporter::shutdown_complete(const supervisor::Summary& summary) {
  summaries.push_back(summary);
  journal_.add("report.complete " + std::to_string(summary.exit_code));
}

void FakeExit::exit(int exit_code) {
  code = exit_code;
  ++calls;
  journal_.add("exit " + std::to_string(exit_code));
}

FakeWorld::FakeWorld(supervisor::Plan plan)
    : supervisor(std::move(plan), supervisor::Ports{.child = child, .leftovers = leftovers, .hooks = hooks,
                                                    .drain_timer = drain_timer, .grace_timer = grace_timer,
                                                    .clock = clock, .reporter = reporter, .exit = exit}) {}

}  // namespace lastcall::fakes
