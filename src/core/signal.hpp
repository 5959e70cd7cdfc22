// SPDX-License-Identifier: MIT
#pragma once

#include <csignal>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace lastcall::core {

// A signal number with its contract name ("SIGTERM"). It owns only the naming; which
// signals are triggers or relayed is decided in signals/.
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

// What `received` becomes under `--rewrite`: the table's entry for it, or itself.
[[nodiscard]] Signal rewrite(const std::map<Signal, Signal>& table, Signal received);

// Looks up an exact upper-case name with its SIG prefix ("SIGTERM", "SIGRTMIN+2").
[[nodiscard]] std::optional<Signal> signal_by_name(std::string_view name);

// The highest signal number the platform knows (SIGRTMAX).
[[nodiscard]] int max_signal();

}  // namespace lastcall::core
