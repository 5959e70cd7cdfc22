// SPDX-License-Identifier: MIT
#include "hooks/hook_runner.hpp"

#include <algorithm>
#include <cassert>

#include "core/events.hpp"

namespace lastcall::hooks {

HookRunner::HookRunner(uv_loop_t* loop, process::Reaper& reaper, log::Logger& logger)
    : loop_(loop), reaper_(reaper), logger_(logger), cap_timer_(loop, [this] { on_cap_reached(); }) {}

HookRunner::~HookRunner() { kill_all(); }

void HookRunner::run(core::Phase phase, const std::vector<config::HookSpec>& hooks, core::Duration cap,
                     const HookEnv& env, OnDone on_done) {
  assert(!active_);
  phase_ = phase;
  hooks_ = hooks;
  next_ = 0;
  cap_ = cap;
  env_ = env;
  tally_ = {};
  on_done_ = std::move(on_done);
  active_ = true;
  started_ = core::Clock::now();
  if (cap.count() > 0) cap_timer_.start(cap);
  start_groups();
}

void HookRunner::kill_all() {
  if (!active_) return;
  active_ = false;
  on_done_ = nullptr;
  cap_timer_.stop();
  for (auto& hook : running_) hook->abandon();
  running_.clear();
  next_ = hooks_.size();
}

std::vector<HookProgress> HookRunner::running_hooks() const {
  std::vector<HookProgress> out;
  out.reserve(running_.size());
  for (const auto& hook : running_) {
    out.push_back(HookProgress{.hook = hook->name(), .elapsed = hook->elapsed(), .deadline = hook->deadline()});
  }
  return out;
}

void HookRunner::start_groups() {
  // A group whose hooks all fail to start is over at once; the next one starts right away.
  while (active_ && running_.empty() && next_ < hooks_.size()) {
    if (cap_left().count() <= 0) {
      skip_rest();
      break;
    }
    start_group();
  }
  if (active_ && running_.empty() && next_ >= hooks_.size()) finish_phase();
}

void HookRunner::start_group() {
  const int priority = hooks_[next_].priority;
  while (next_ < hooks_.size() && hooks_[next_].priority == priority) start_hook(hooks_[next_++]);
}

void HookRunner::start_hook(const config::HookSpec& spec) {
  const auto left = cap_left();
  const auto deadline = spec.timeout ? std::min(*spec.timeout, left) : left;
  const HookContext context{.loop = loop_, .reaper = &reaper_, .logger = &logger_, .phase = phase_};
  auto hook = std::make_shared<RunningHook>(
      context, spec.name, deadline,
      [this](RunningHook& done, HookStatus status) { on_hook_finished(done, status); });
  if (!hook->start(spec, env_)) {
    ++tally_.failed;  // "error" counts as failed; its hook_finished is logged already
    observe(spec.name, HookStatus::Error, core::Duration{0});
    return;
  }
  running_.push_back(std::move(hook));
}

void HookRunner::on_hook_finished(RunningHook& hook, HookStatus status) {
  switch (status) {
    case HookStatus::Ok: ++tally_.ok; break;
    case HookStatus::Failed:
    case HookStatus::Error: ++tally_.failed; break;
    case HookStatus::Timeout: ++tally_.timeout; break;
    case HookStatus::Skipped: ++tally_.skipped; break;
  }
  observe(hook.name(), status, hook.elapsed());
  // The hook's own callback keeps it alive until it returns (RunningHook::watch_exit).
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
  for (; next_ < hooks_.size(); ++next_) {
    const auto& name = hooks_[next_].name;
    logger_.warn(core::event::kHookSkipped,
                 "hook " + name + " skipped: the " + std::string(core::phase_name(phase_)) +
                     " cap was reached before it started",
                 {{"phase", core::phase_name(phase_)}, {"hook", name}, {"reason", "phase cap reached"}});
    ++tally_.skipped;
    observe(name, HookStatus::Skipped, core::Duration{0});
  }
}

void HookRunner::finish_phase() {
  active_ = false;
  cap_timer_.stop();
  auto on_done = std::move(on_done_);
  on_done_ = nullptr;
  // A copy, and last: on_done may start the next phase on this runner, which resets tally_.
  const Tally tally = tally_;
  if (on_done) on_done(tally);
}

void HookRunner::observe(std::string_view hook, HookStatus status, core::Duration duration) {
  if (observer_) observer_(HookResult{.phase = phase_, .hook = hook, .status = status, .duration = duration});
}

core::Duration HookRunner::cap_left() const {
  if (!active_) return core::Duration{0};
  const auto spent = std::chrono::duration_cast<core::Duration>(core::Clock::now() - started_);
  return std::max(cap_ - spent, core::Duration{0});
}

}  // namespace lastcall::hooks
