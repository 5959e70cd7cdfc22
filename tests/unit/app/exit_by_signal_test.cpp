// SPDX-License-Identifier: MIT
#include "app/app.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <initializer_list>

using lastcall::app::exit_by_signal;

namespace {

// The wait status of a forked process that blocks every signal, as lastcall does, then ends
// by exit_by_signal(signal, code), or exits with what it returned.
int status_of(int signal, int code) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, nullptr);
    _exit(exit_by_signal(signal, code));
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return status;
}

}  // namespace

TEST_CASE("with --exit-by-signal lastcall dies of the child's signal, even one it had blocked") {
  for (const int signal : {SIGTERM, SIGINT, SIGHUP, SIGKILL, SIGUSR1}) {
    CAPTURE(signal);
    const int status = status_of(signal, 128 + signal);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == signal);
  }
}

TEST_CASE("dying of a signal that dumps core leaves no core of lastcall's own") {
  for (const int signal : {SIGQUIT, SIGABRT}) {
    CAPTURE(signal);
    const int status = status_of(signal, 128 + signal);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == signal);
    CHECK_FALSE(WCOREDUMP(status));
  }
}

TEST_CASE("a signal whose default is not to end a process, or none, leaves the exit code") {
  const int winch = status_of(SIGWINCH, 128 + SIGWINCH);
  REQUIRE(WIFEXITED(winch));
  CHECK(WEXITSTATUS(winch) == 128 + SIGWINCH);
  const int none = status_of(0, 3);
  REQUIRE(WIFEXITED(none));
  CHECK(WEXITSTATUS(none) == 3);
}
