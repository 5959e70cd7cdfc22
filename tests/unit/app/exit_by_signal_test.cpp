// SPDX-License-Identifier: MIT
#include "app/app.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <initializer_list>
#include <string>

#include "test_support.hpp"

using lastcall::app::exit_by_signal;

namespace {

// In a forked child: a core, if one is dumped, may be (the soft limit raised to the hard
// one) and lands in `dir`, not in the working directory of the tests.
void allow_core_in(const std::string& dir) {
  if (chdir(dir.c_str()) != 0) _exit(120);
  rlimit core{};
  if (getrlimit(RLIMIT_CORE, &core) != 0) _exit(121);
  core.rlim_cur = core.rlim_max;
  if (setrlimit(RLIMIT_CORE, &core) != 0) _exit(122);
}

// The wait status of a forked process that blocks every signal, as lastcall does, then ends
// by exit_by_signal(signal, code), or exits with what it returned. With `core_dir`, it may
// dump a core there (allow_core_in).
int status_of(int signal, int code, const std::string& core_dir = "") {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (!core_dir.empty()) allow_core_in(core_dir);
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, nullptr);
    _exit(exit_by_signal(signal, code));
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return status;
}

// The wait status of a small process (sh) that may dump a core in `dir` and kills itself
// with `signal`: whether this host dumps a core at all, where status_of shows none.
int control_status(int signal, const std::string& dir) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    allow_core_in(dir);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(signal, SIG_DFL);
    const std::string script = "kill -" + std::to_string(signal) + " $$";
    execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    _exit(127);
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
  rlimit core{};
  REQUIRE(getrlimit(RLIMIT_CORE, &core) == 0);
  for (const int signal : {SIGQUIT, SIGABRT}) {
    CAPTURE(signal);
    const lastcall::test::TempDir dir;
    // The same process without exit_by_signal dumps a core here, so "no core" below means
    // something; a host that forbids cores (hard limit 0) can only show the exit status.
    const int control = control_status(signal, dir.path());
    REQUIRE(WIFSIGNALED(control));
    CHECK(WTERMSIG(control) == signal);
    if (core.rlim_max != 0) {
      CHECK_MESSAGE(WCOREDUMP(control), "sh dumped no core: the check below proves nothing");
    } else {
      MESSAGE("RLIMIT_CORE's hard limit is 0 here: whether a core is dumped is not checked");
    }
    const int status = status_of(signal, 128 + signal, dir.path());
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
