// SPDX-License-Identifier: MIT
#include "app/exit_by_signal.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <csignal>

namespace lastcall::app {
namespace {

// The disposition back to SIG_DFL and the signal unblocked: the router blocked every
// catchable signal for its signalfd, so raise(3) delivers it at once only after this.
bool restore_default(int signal) {
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  if (sigemptyset(&action.sa_mask) != 0 || sigaction(signal, &action, nullptr) != 0) return false;
  sigset_t set;
  if (sigemptyset(&set) != 0 || sigaddset(&set, signal) != 0) return false;
  return sigprocmask(SIG_UNBLOCK, &set, nullptr) == 0;
}

}  // namespace

int exit_by_signal(int signal, int code) {
  if (signal <= 0 || getpid() == 1) return code;
  // The child's core, if any, is the one that matters: lastcall's own would only mislead.
  const rlimit no_core{0, 0};
  (void)setrlimit(RLIMIT_CORE, &no_core);
  // SIGKILL has no disposition to reset and cannot be blocked (sigaction(2): EINVAL).
  if (signal != SIGKILL && !restore_default(signal)) return code;
  (void)raise(signal);
  return code;  // a signal whose default action is not to terminate
}

}  // namespace lastcall::app
