// SPDX-License-Identifier: MIT
#include "hooks/hook_runner.hpp"

#include <algorithm>
#include <cassert>

#include "core/events.hpp"

namespace lastcall::hooks {

HookRunner::HookRunner(uv_loop_t* loop, process::Reaper& reaper, log::Logger& logger,
                       const core::InheritedSignals& signals, Observer observer)
    : context_{.loop = loop, .reaper = &reaper, .logger = &logger, .signals = &signals},
      observer_(std::move(observer)),
      cap_timer_(loop, [this] { on_cap_reached(); }) {}

HookRunner::~HookRunner() { kill_all(); }

void HookRunner::run(core::Phase phase, const std::vector<core::HookSpec>& hooks, core::Duration cap,
                     const core::PhaseContext& shutdown) {
  assert(!active_);
  context_.phase = phase;
  context_.shutdown = shutdown;
  hooks_ = &hooks;
  next_ = 0;
  cap_ = cap;
  tally_ = {};
  active_ = true;
  started_ = core::Clock::now();
  if (cap.count() > 0) cap_timer_.start(cap);
  start_groups();
}

void HookRunner::kill_all() {
  if (!active_) return;
  active_ = false;
  cap_timer_.stop();
  for (auto& hook : running_) hook->abandon();
  running_.clear();
}

std::vector<HookProgress> HookRunner::running_hooks() const {
  std::vector<HookProgress> out;
  for (const auto& hook : running_) out.push_back({hook->name(), hook->elapsed(), hook->deadline()});
  return out;
}

core::Duration HookRunner::cap_left() const {
  if (!active_) return core::Duration{0};
  return std::max(cap_ - core::since(started_, core::Clock::now()), core::Duration{0});
}

void HookRunner::start_groups() {
  // A group whose hooks all fail to start is over at once; the next one starts right away.
  while (active_ && running_.empty() && next_ < hooks_->size()) {
    if (cap_left().count() <= 0) {
      skip_rest();
      break;
    }
    const int priority = (*hooks_)[next_].priority;
    for (; next_ < hooks_->size() && (*hooks_)[next_].priority == priority; ++next_) {
      const auto& spec = (*hooks_)[next_];
      const auto deadline = spec.timeout ? std::min(*spec.timeout, cap_left()) : cap_left();
      auto hook = std::make_shared<RunningHook>(context_, spec, deadline,
                                                [this](RunningHook& done, core::HookStatus status) { on_hook_finished(done, status); });
      if (hook->start()) {
        running_.push_back(std::move(hook));
      } else {
        count(spec.name, core::HookStatus::Error, core::Duration{0});
      }
    }
  }
  if (!active_ || !running_.empty() || next_ < hooks_->size()) return;
  active_ = false;
  cap_timer_.stop();
  // Last: on_done may start the next phase on this runner, which resets tally_.
  if (observer_.on_done) observer_.on_done(context_.phase, tally_);
}

void HookRunner::on_hook_finished(RunningHook& hook, core::HookStatus status) {
  count(hook.name(), status, hook.elapsed());
  // The hook's own callback keeps it alive until it returns.
  std::erase_if(running_, [&hook](const auto& running) { return running.get() == &hook; });
  start_groups();
}

void HookRunner::on_cap_reached() {
  if (!active_) return;
  skip_rest();
  // Their deadlines fall at the cap too; whichever timer fires first kills them. The phase
  // finishes once they have been reaped.
  for (auto& hook : running_) hook->time_out();
  start_groups();
}

void HookRunner::skip_rest() {
  const auto phase = core::phase_name(context_.phase);
  for (; next_ < hooks_->size(); ++next_) {
    const auto& name = (*hooks_)[next_].name;
    context_.logger->warn(core::event::kHookSkipped,
                          "hook " + name + " skipped: the " + std::string(phase) + " cap was reached before it started",
                          {{"phase", phase}, {"hook", name}, {"reason", "phase cap reached"}});
    count(name, core::HookStatus::Skipped, core::Duration{0});
  }
}

void HookRunner::count(std::string_view hook, core::HookStatus status, core::Duration duration) {
  switch (status) {
    case core::HookStatus::Ok: ++tally_.ok; break;
    case core::HookStatus::Failed: case core::HookStatus::Error: ++tally_.failed; break;
    case core::HookStatus::Timeout: ++tally_.timeout; break;
    case core::HookStatus::Skipped: ++tally_.skipped; break;
  }
  if (observer_.on_hook) observer_.on_hook(HookResult{context_.phase, hook, status, duration});
}

}  // namespace lastcall::hooks
