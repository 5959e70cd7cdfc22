// SPDX-License-Identifier: MIT
#include "core/signal.hpp"

#include <array>
#include <csignal>
#include <string>

namespace lastcall::core {
namespace {

struct Named {
  std::string_view name;
  int number;
};

// The standard Linux signals, by the names signal(7) gives them.
constexpr std::array kNames{
    Named{"SIGHUP", SIGHUP},       Named{"SIGINT", SIGINT},       Named{"SIGQUIT", SIGQUIT},
    Named{"SIGILL", SIGILL},       Named{"SIGTRAP", SIGTRAP},     Named{"SIGABRT", SIGABRT},
    Named{"SIGBUS", SIGBUS},       Named{"SIGFPE", SIGFPE},       Named{"SIGKILL", SIGKILL},
    Named{"SIGUSR1", SIGUSR1},     Named{"SIGSEGV", SIGSEGV},     Named{"SIGUSR2", SIGUSR2},
    Named{"SIGPIPE", SIGPIPE},     Named{"SIGALRM", SIGALRM},     Named{"SIGTERM", SIGTERM},
    Named{"SIGSTKFLT", SIGSTKFLT}, Named{"SIGCHLD", SIGCHLD},     Named{"SIGCONT", SIGCONT},
    Named{"SIGSTOP", SIGSTOP},     Named{"SIGTSTP", SIGTSTP},     Named{"SIGTTIN", SIGTTIN},
    Named{"SIGTTOU", SIGTTOU},     Named{"SIGURG", SIGURG},       Named{"SIGXCPU", SIGXCPU},
    Named{"SIGXFSZ", SIGXFSZ},     Named{"SIGVTALRM", SIGVTALRM}, Named{"SIGPROF", SIGPROF},
    Named{"SIGWINCH", SIGWINCH},   Named{"SIGIO", SIGIO},         Named{"SIGPWR", SIGPWR},
    Named{"SIGSYS", SIGSYS},
};

// "+N" after SIGRTMIN or "-N" after SIGRTMAX, as the signal number; -1 when malformed.
int real_time_number(std::string_view name) {
  for (const std::string_view base : {"SIGRTMIN", "SIGRTMAX"}) {
    if (!name.starts_with(base)) continue;
    const std::string_view rest = name.substr(base.size());
    if (rest.empty()) return base == "SIGRTMIN" ? SIGRTMIN : SIGRTMAX;
    if (rest.size() < 2 || rest.size() > 3 || rest[0] != (base == "SIGRTMIN" ? '+' : '-')) return -1;
    int offset = 0;
    for (const char c : rest.substr(1)) {
      if (c < '0' || c > '9') return -1;
      offset = offset * 10 + (c - '0');
    }
    return base == "SIGRTMIN" ? SIGRTMIN + offset : SIGRTMAX - offset;
  }
  return -1;
}

}  // namespace

Signal rewrite(const std::map<Signal, Signal>& table, Signal received) {
  const auto it = table.find(received);
  return it == table.end() ? received : it->second;
}

std::string Signal::name() const {
  if (number_ == 0) return {};
  for (const auto& entry : kNames) {
    if (entry.number == number_) return std::string(entry.name);
  }
  if (number_ >= SIGRTMIN && number_ <= SIGRTMAX) {
    return number_ == SIGRTMIN ? "SIGRTMIN" : "SIGRTMIN+" + std::to_string(number_ - SIGRTMIN);
  }
  return "SIG" + std::to_string(number_);
}

std::optional<Signal> signal_by_name(std::string_view name) {
  for (const auto& entry : kNames) {
    if (entry.name == name) return Signal(entry.number);
  }
  const int number = real_time_number(name);
  if (number >= SIGRTMIN && number <= SIGRTMAX) return Signal(number);
  return std::nullopt;
}

int max_signal() { return SIGRTMAX; }

}  // namespace lastcall::core
