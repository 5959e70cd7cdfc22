// SPDX-License-Identifier: MIT
#include "config/signal_parser.hpp"

#include <array>
#include <csignal>
#include <string>

namespace lastcall::config {
namespace {

// The highest standard signal on Linux; 32 and 33 are taken by glibc's threads (signal(7)),
// so SIGRTMIN starts above them.
constexpr int kLastStandardSignal = 31;

struct Alias {
  std::string_view name;
  std::string_view canonical;
};

// Old names signal(7) still documents; core::signal_by_name knows only the canonical ones.
constexpr std::array kAliases{Alias{"SIGIOT", "SIGABRT"}, Alias{"SIGPOLL", "SIGIO"},
                              Alias{"SIGCLD", "SIGCHLD"}};

bool is_valid_number(int number) {
  return (number >= 1 && number <= kLastStandardSignal) ||
         (number >= SIGRTMIN && number <= core::max_signal());
}

std::optional<core::Signal> parse_number(std::string_view text) {
  int number = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || number > 1'000) return std::nullopt;
    number = number * 10 + (c - '0');
  }
  if (!is_valid_number(number)) return std::nullopt;
  return core::Signal(number);
}

std::string canonical_name(std::string_view text) {
  std::string name;
  for (char c : text) name += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  if (!name.starts_with("SIG")) name.insert(0, "SIG");
  for (const auto& alias : kAliases) {
    if (name == alias.name) return std::string(alias.canonical);
  }
  return name;
}

}  // namespace

std::optional<core::Signal> parse_signal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.front() >= '0' && text.front() <= '9') return parse_number(text);
  return core::signal_by_name(canonical_name(text));
}

std::optional<std::string> rewrite_source_problem(core::Signal from) {
  if (core::can_be_caught(from)) return std::nullopt;
  return from.name() + " cannot be caught, so it cannot be rewritten";
}

}  // namespace lastcall::config
