// SPDX-License-Identifier: MIT
#include "process/terminal.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "process/reaper.hpp"
#include "process_support.hpp"

using namespace lastcall;

namespace {

// The steps of the hand-over, checked in a forked process that leads a session of its own
// with a pseudo-terminal as its controlling terminal and stdin: its exit code is the first
// step that failed, 0 when none did.
enum Step { kOk, kSession, kPty, kPresent, kOurs, kFork, kHanded, kForeground, kNotOurs, kBack, kReaped };

[[noreturn]] void hand_over_and_back() {
  if (setsid() < 0) _exit(kSession);
  int master = -1;
  int slave = -1;
  if (openpty(&master, &slave, nullptr, nullptr, nullptr) != 0 || ioctl(slave, TIOCSCTTY, 0) != 0 ||
      dup2(slave, STDIN_FILENO) < 0) {
    _exit(kPty);
  }
  // As lastcall does: SIGTTOU blocked, so that tcsetpgrp(3) works from the background too.
  sigset_t ttou;
  sigemptyset(&ttou);
  sigaddset(&ttou, SIGTTOU);
  sigprocmask(SIG_BLOCK, &ttou, nullptr);
  pid_t group = -1;
  {
    process::Terminal terminal;
    if (!terminal.present()) _exit(kPresent);
    if (!terminal.is_ours()) _exit(kOurs);
    group = fork();
    if (group == 0) {
      setpgid(0, 0);
      alarm(30);
      for (;;) pause();
    }
    if (group < 0) _exit(kFork);
    setpgid(group, group);
    if (!terminal.hand_to(group)) _exit(kHanded);
    if (tcgetpgrp(STDIN_FILENO) != group) _exit(kForeground);
    if (terminal.is_ours()) _exit(kNotOurs);
  }
  // Gone with the terminal object: the foreground is lastcall's own group again.
  const bool back = tcgetpgrp(STDIN_FILENO) == getpgrp();
  kill(group, SIGKILL);
  if (process::Reaper::wait_for(group).signal != SIGKILL) _exit(kReaped);
  _exit(back ? kOk : kBack);
}

}  // namespace

TEST_CASE("the terminal's foreground goes to the child's group, and back to lastcall's when it ends") {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) hand_over_and_back();
  CHECK(process::Reaper::wait_for(pid) == core::ExitStatus{.code = kOk, .signal = 0});
}

TEST_CASE("without a terminal on stdin there is nothing to hand over") {
  const int saved = dup(STDIN_FILENO);
  REQUIRE(saved >= 0);
  const int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(null >= 0);
  REQUIRE(dup2(null, STDIN_FILENO) == STDIN_FILENO);
  {
    process::Terminal terminal;
    CHECK_FALSE(terminal.present());
    CHECK_FALSE(terminal.is_ours());
    CHECK_FALSE(terminal.hand_to(getpgrp()));
  }
  REQUIRE(dup2(saved, STDIN_FILENO) == STDIN_FILENO);
  close(saved);
  close(null);
}
