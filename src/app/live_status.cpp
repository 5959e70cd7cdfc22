// SPDX-License-Identifier: MIT
#include "app/live_status.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "log/terminal.hpp"

namespace lastcall::app {
namespace {

// Tenths of a second below a minute ("27.4s"), minutes and seconds above ("2m05s"). Time
// spent is rounded down and time left up, as a countdown shows it: "0.0s left" means none.
enum class Rounding { Down, Up };

std::string seconds_text(core::Duration duration, Rounding rounding = Rounding::Down) {
  const long long ms = std::max<long long>(duration.count(), 0);
  char buf[32];
  if (ms < 60'000) {
    const long long tenths = rounding == Rounding::Up ? (ms + 99) / 100 : ms / 100;
    std::snprintf(buf, sizeof buf, "%lld.%llds", tenths / 10, tenths % 10);
  } else {
    const long long seconds = rounding == Rounding::Up ? (ms + 999) / 1000 : ms / 1000;
    std::snprintf(buf, sizeof buf, "%lldm%02llds", seconds / 60, seconds % 60);
  }
  return buf;
}

std::string hooks_text(const std::vector<hooks::HookProgress>& running) {
  std::string out = "hooks:";
  for (std::size_t i = 0; i < running.size(); ++i) {
    out += i == 0 ? " " : ", ";
    // fit_to_columns keeps SGR sequences as lastcall's own styling: a name must not bring any.
    out += log::printable(running[i].hook);
    out += ' ' + seconds_text(running[i].elapsed) + '/' + seconds_text(running[i].deadline);
  }
  return out;
}

// What the state is doing, after its name: "" when the name says it all.
std::string activity_text(const LiveView& view) {
  switch (view.state) {
    case core::State::Running: return view.waiting_for.empty() ? "" : "waiting for " + log::printable(view.waiting_for);
    case core::State::Draining: return seconds_text(view.drain_left, Rounding::Up) + " of drain left";
    case core::State::PreStop:
    case core::State::PostStop: return view.hooks.empty() ? "" : hooks_text(view.hooks);
    case core::State::Stopping:
      return view.child_running ? "waiting for the child (pid " + std::to_string(view.child_pid) + ")"
                                : "waiting for leftover processes";
    case core::State::Exited: break;
  }
  return "";
}

std::string budget_text(const LiveView& view) {
  if (view.state == core::State::Running) return "";
  if (view.state == core::State::PostStop) return seconds_text(view.cap_left, Rounding::Up) + " of post_stop left";
  if (view.grace_left.count() <= 0) return "grace spent, SIGKILL sent";
  if (view.state == core::State::Stopping) return "SIGKILL in " + seconds_text(view.grace_left, Rounding::Up);
  return "grace left " + seconds_text(view.grace_left, Rounding::Up);
}

}  // namespace

std::string render_live_status(const LiveView& view, bool colour) {
  if (view.state == core::State::Exited) return "";
  std::string out = "lastcall >> ";
  log::append_styled(out, colour ? log::kSgrBold : "", view.state == core::State::Running ? "starting" : core::state_name(view.state));
  out += ' ' + seconds_text(view.in_state);
  if (const auto activity = activity_text(view); !activity.empty()) out += " | " + activity;
  if (const auto budget = budget_text(view); !budget.empty()) out += " | " + budget;
  return out;
}

LiveStatus::LiveStatus(uv_loop_t* loop, log::Logger& logger, const hooks::HookRunner& hooks,
                       const supervisor::Supervisor& supervisor, const config::Settings& settings)
    : hooks_(hooks),
      supervisor_(supervisor),
      settings_(settings),
      colour_(logger.is_coloured()),
      line_(logger.writer(), STDERR_FILENO,
            log::wants_live_status(logger.format(), isatty(STDERR_FILENO) == 1, std::getenv("TERM"))),
      timer_(loop, [this] { on_tick(); }) {}

void LiveStatus::update(core::State state) {
  const bool starting = state == core::State::Running && !supervisor_.is_ready() && settings_.ready;
  if (state == core::State::Exited || (state == core::State::Running && !starting)) {
    timer_.stop();
    line_.clear();
    if (state == core::State::Exited) stop();
    return;
  }
  if (stopped_ || !line_.enabled()) return;
  // Drawn on the next loop iteration, once the state has started: its hooks are running.
  timer_.start(core::Duration{0});
}

void LiveStatus::stop() {
  stopped_ = true;
  timer_.stop();
  line_.clear();
}

void LiveStatus::on_tick() {
  line_.show(render_live_status(view(), colour_));
  timer_.start(kLiveStatusPeriod);
}

LiveView LiveStatus::view() const {
  const auto now = core::Clock::now();
  const auto in_state = core::since(supervisor_.state_since(), now);
  const auto grace_left = supervisor_.grace_left(now);
  return LiveView{.state = supervisor_.state(),
                  .in_state = in_state,
                  .hooks = hooks_.running_hooks(),
                  .child_running = supervisor_.is_child_running(),
                  .child_pid = supervisor_.child_pid(),
                  .grace_left = grace_left,
                  .drain_left = std::clamp(settings_.drain - in_state, core::Duration{0}, grace_left),
                  .cap_left = hooks_.cap_left(),
                  .waiting_for = settings_.ready ? settings_.ready->text : ""};
}

}  // namespace lastcall::app
