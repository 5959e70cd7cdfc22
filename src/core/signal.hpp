// SPDX-License-Identifier: MIT
#pragma once

#include <csignal>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace lastcall::core {

// A signal number with its contract name ("SIGTERM"). It owns only the naming and the
// kernel's facts about a signal; which signals are triggers is the settings'.
class Signal {
 public:
  constexpr Signal() = default;
  constexpr explicit Signal(int number) : number_(number) {}

  [[nodiscard]] constexpr int number() const { return number_; }
  [[nodiscard]] constexpr bool empty() const { return number_ == 0; }
  // "SIGTERM", "SIGRTMIN+3", or "SIG<n>" for a number without a name; "" when empty.
  [[nodiscard]] std::string name() const;

  friend constexpr bool operator==(Signal, Signal) = default;
  friend constexpr auto operator<=>(Signal, Signal) = default;

 private:
  int number_ = 0;  // 0 means "no signal"
};

// SIGKILL and SIGSTOP cannot be caught (signal(7)): never relayed, never rewritten.
[[nodiscard]] constexpr bool can_be_caught(Signal signal) {
  return signal.number() != SIGKILL && signal.number() != SIGSTOP;
}

// The faults the kernel raises on the thread that caused them: lastcall keeps their default
// action (a crash must crash), so they never reach it to be relayed or to trigger.
[[nodiscard]] constexpr bool is_synchronous_fault(Signal signal) {
  switch (signal.number()) {
    case SIGSEGV: case SIGBUS: case SIGILL: case SIGFPE: case SIGTRAP: case SIGSYS: return true;
    default: return false;
  }
}

// Whether lastcall receives `signal` at all (CONTRACT §2 Relay): every catchable signal but
// the synchronous faults. SIGCHLD is received too, but only to reap.
[[nodiscard]] constexpr bool is_received(Signal signal) {
  return signal.number() > 0 && can_be_caught(signal) && !is_synchronous_fault(signal);
}

// Whether `signal` can reach the child through lastcall: received, and not SIGCHLD.
[[nodiscard]] constexpr bool is_relayable(Signal signal) {
  return is_received(signal) && signal.number() != SIGCHLD;
}

// What `received` becomes under `--rewrite`: the table's entry for it, or itself.
[[nodiscard]] Signal rewrite(const std::map<Signal, Signal>& table, Signal received);

// Looks up an exact upper-case name with its SIG prefix ("SIGTERM", "SIGRTMIN+2").
[[nodiscard]] std::optional<Signal> signal_by_name(std::string_view name);

// The highest signal number the platform knows (SIGRTMAX).
[[nodiscard]] int max_signal();

// The signal mask lastcall inherited from its parent, handed on to every process it starts, as
// it would be without lastcall. The ignored signals need no record: lastcall keeps each one
// ignored, so exec(2) hands it on (`nohup lastcall -- cmd` keeps SIGHUP ignored), but for
// SIGCHLD, which it cannot keep ignored (signals::take_over) and sets again in the new process.
struct InheritedSignals {
  sigset_t blocked{};
  bool sigchld_ignored = false;
};

}  // namespace lastcall::core
