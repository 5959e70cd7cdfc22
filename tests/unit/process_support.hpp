// SPDX-License-Identifier: MIT
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/signal.hpp"
#include "helper_mode.hpp"
#include "process/reaper.hpp"
#include "process/spawn.hpp"
#include "test_support.hpp"
#include "uv/loop.hpp"

// What the tests that start processes share: SIGCHLD on the loop, the subreaper role, the
// output of a process read with a deadline, and cleaning up every process a test started.
namespace lastcall::test {

// SIGCHLD blocked and read from a signalfd, as the app does: each arrival runs `on_sigchld`
// (by default the Reaper). The mask comes back when it ends.
class SigchldWatch {
 public:
  SigchldWatch(uv_loop_t* loop, std::function<void()> on_sigchld) : on_sigchld_(std::move(on_sigchld)) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    // SIG_IGN for SIGCHLD would make the kernel reap children itself (waitpid(2), NOTES).
    const bool default_disposition = signal(SIGCHLD, SIG_DFL) != SIG_ERR;
    REQUIRE(default_disposition);
    REQUIRE(sigprocmask(SIG_BLOCK, &set, &old_mask_) == 0);
    fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    REQUIRE(fd_ >= 0);
    poll_ = std::make_unique<uv::Poll>(loop, fd_, [this](int) {
      signalfd_siginfo info;
      while (read(fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      }
      on_sigchld_();
    });
    REQUIRE(poll_->start() == 0);
  }
  SigchldWatch(uv_loop_t* loop, process::Reaper& reaper) : SigchldWatch(loop, [&reaper] { (void)reaper.reap(); }) {}
  ~SigchldWatch() {
    poll_.reset();
    close(fd_);
    sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  SigchldWatch(const SigchldWatch&) = delete;
  SigchldWatch& operator=(const SigchldWatch&) = delete;

 private:
  std::function<void()> on_sigchld_;
  int fd_ = -1;
  sigset_t old_mask_{};
  std::unique_ptr<uv::Poll> poll_;
};

// The test process's signal mask and dispositions, put back when the test ends, for a test
// that takes over the signals as lastcall does (signals::take_over) or sends some to itself.
// What the test left pending is discarded before the mask comes back.
struct SignalGuard {
  sigset_t saved{};
  struct sigaction dispositions[NSIG]{};
  SignalGuard() {
    sigprocmask(SIG_SETMASK, nullptr, &saved);
    for (int sig = 1; sig < NSIG; ++sig) (void)sigaction(sig, nullptr, &dispositions[sig]);
  }
  ~SignalGuard() {
    timespec zero{0, 0};
    sigset_t all;
    sigfillset(&all);
    while (sigtimedwait(&all, nullptr, &zero) > 0) {
    }
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig != SIGKILL && sig != SIGSTOP) (void)sigaction(sig, &dispositions[sig], nullptr);
    }
    sigprocmask(SIG_SETMASK, &saved, nullptr);
  }
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;
};

// The test process as a child subreaper (prctl(2)), as lastcall is when it is not PID 1:
// orphans of the processes it starts become its children.
struct Subreaper {
  Subreaper() { REQUIRE(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0); }
  ~Subreaper() { (void)prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0); }
  Subreaper(const Subreaper&) = delete;
  Subreaper& operator=(const Subreaper&) = delete;
};

// The fields of /proc/PID/stat after the command name (state, ppid, pgrp, ...); "" once
// `pid` is gone.
inline std::string stat_after_name(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return "";
  const std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() ? text.substr(paren + 2) : "";
}

// True while `pid` is a child of the test process that has not exited.
inline bool is_running_child(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0;
}

// SIGKILL to every process (and process group) named, then every child of the test process
// reaped, when the test ends, passed or failed. A test that cleaned up already costs nothing;
// one that passed but left a process running fails here (a leak), unless it is already
// failing (an exception on its way).
class Cleanup {
 public:
  Cleanup() = default;
  ~Cleanup() {
    const bool passing = std::uncaught_exceptions() == 0;
    // What a passing test signalled last gets a second to finish dying before it counts.
    for (const pid_t pid : pids_) {
      // Only a child not reaped yet: once reaped (ECHILD), the pid may be another process's.
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) continue;
      if (passing) {
        CHECK_MESSAGE(eventually([pid] { return !is_running_child(pid); }, 1s),
                      "process " << pid << " still running when the test ended");
      }
      (void)::kill(pid, SIGKILL);
    }
    for (const pid_t pgid : groups_) {
      // Only a group a child of ours (adopted orphans included) is still in: an emptied
      // group's id is free, and may be another process's group by now.
      siginfo_t info{};
      if (::waitid(P_PGID, static_cast<id_t>(pgid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) continue;
      if (passing) {
        CHECK_MESSAGE(eventually([pgid] { return only_zombies_in(pgid); }, 1s),
                      "process group " << pgid << " still has processes when the test ended");
      }
      (void)::kill(-pgid, SIGKILL);
    }
    // Every child, adopted orphans included; a test's processes have at most seconds left.
    const bool all_reaped = eventually([] {
      while (waitpid(-1, nullptr, WNOHANG) > 0) {
      }
      return waitpid(-1, nullptr, WNOHANG) < 0;  // ECHILD: none left
    });
    CHECK_MESSAGE(all_reaped, "children of the test process still running 5 s after SIGKILL");
  }
  Cleanup(const Cleanup&) = delete;
  Cleanup& operator=(const Cleanup&) = delete;

  void process(pid_t pid) {
    if (pid > 1) pids_.push_back(pid);
  }
  void group(pid_t pgid) {
    if (pgid > 1) groups_.push_back(pgid);
  }

  // True when every process of group `pgid` is a zombie (exited, not reaped yet).
  static bool only_zombies_in(pid_t pgid) {
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
      const std::string name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::istringstream fields(stat_after_name(std::stoi(name)));
      char state = '\0';
      pid_t ppid = 0;
      pid_t group = 0;
      if (fields >> state >> ppid >> group && group == pgid && state != 'Z' && state != 'X') return false;
    }
    return true;
  }

 private:
  std::vector<pid_t> pids_;
  std::vector<pid_t> groups_;
};

// A pipe whose ends close when the test ends; the read end is non-blocking.
struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    read_end = fds[0];
    write_end = fds[1];
    REQUIRE(fcntl(read_end, F_SETFL, O_NONBLOCK) == 0);
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  void close_read() {
    if (read_end >= 0) ::close(std::exchange(read_end, -1));
  }
  void close_write() {
    if (write_end >= 0) ::close(std::exchange(write_end, -1));
  }
};

// Reads from a non-blocking descriptor what has arrived and appends it to `out`; false at end
// of file (or an error), true while more may come.
inline bool read_available(int fd, std::string& out) {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return n < 0 && errno == EAGAIN;
    }
  }
}

// Reads `fd` until end of file or `limit`, waiting in poll(2).
inline std::string read_to_end(int fd, std::chrono::milliseconds limit = 5s) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (read_available(fd, out) && std::chrono::steady_clock::now() < deadline) {
    pollfd readable{.fd = fd, .events = POLLIN, .revents = 0};
    (void)::poll(&readable, 1, 10);
  }
  return out;
}

// Reads `fd` into `out` until `done(out)` holds or `limit` has passed; true when it held.
inline bool read_until(int fd, std::string& out, const std::function<bool(const std::string&)>& done,
                       std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done(out)) {
    if (!read_available(fd, out) && !done(out)) return false;  // end of file
    if (std::chrono::steady_clock::now() > deadline) return false;
    pollfd readable{.fd = fd, .events = POLLIN, .revents = 0};
    (void)::poll(&readable, 1, 10);
  }
  return true;
}

// The first line `fd` gives, without its newline; "" when none comes within `limit`. For a
// process whose own children keep the pipe open, where end of file would never come.
inline std::string read_line(int fd, std::chrono::milliseconds limit = 5s) {
  std::string out;
  if (!read_until(fd, out, [](const std::string& now) { return now.find('\n') != std::string::npos; }, limit)) return "";
  return out.substr(0, out.find('\n'));
}

// How many lines of `text` are exactly `line`.
inline int count_lines(const std::string& text, const std::string& line) {
  int count = 0;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    if (text.compare(start, nl - start, line) == 0) ++count;
  }
  return count;
}

// What one spawned process printed and how it ended.
struct Captured {
  std::string out;
  std::optional<core::Error> not_run;  // from its exec report
  core::ExitStatus status;
};

// Spawns `request` with stdout into a pipe, reads its exec report and its output, and reaps it.
// A process still running after `limit` fails the test and is killed (then reaped).
inline Captured run_capturing(process::SpawnRequest request,
                              const core::InheritedSignals& signals = core::InheritedSignals{},
                              std::chrono::milliseconds limit = 10s) {
  Pipe out;
  request.stdout_fd = out.write_end;
  auto spawned = process::spawn(request, signals);
  out.close_write();
  REQUIRE_MESSAGE(spawned.ok(), (spawned ? "" : spawned.error().message));
  const pid_t pid = spawned->pid;
  Captured captured;
  captured.not_run = process::read_exec_report(std::move(spawned->report), request);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  captured.out = read_to_end(out.read_end, limit);
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  const bool ended = eventually([pid] { return !is_running_child(pid); }, std::max(left, 100ms));
  CHECK_MESSAGE(ended, (request.argv.empty() ? std::string() : request.argv.front()) << " still running after " << limit.count() << " ms; killed");
  if (!ended) (void)::kill(pid, SIGKILL);
  captured.status = process::Reaper::wait_for(pid);
  return captured;
}

// Starts this test binary in a helper mode (helper_mode.hpp), its stdout on `stdout_fd`
// (-1: the test's), in a process group of its own, and waits for its exec.
inline pid_t start_helper(const std::vector<std::string>& args, int stdout_fd = -1) {
  const process::SpawnRequest request{.argv = testing::helper_argv(args), .stdout_fd = stdout_fd};
  auto spawned = process::spawn(request, core::InheritedSignals{});
  REQUIRE_MESSAGE(spawned.ok(), (spawned ? "" : spawned.error().message));
  const auto not_run = process::read_exec_report(std::move(spawned->report), request);
  REQUIRE_MESSAGE(!not_run, (not_run ? not_run->message : ""));
  return spawned->pid;
}

// The state letter of `pid` in /proc ('R', 'S', 'T', 'Z'...), or '\0' once it is gone.
inline char process_state(pid_t pid) {
  const std::string fields = stat_after_name(pid);
  return fields.empty() ? '\0' : fields[0];
}

// True once `pid` is gone or a zombie, waiting up to two seconds: SIGKILL is delivered
// asynchronously.
inline bool process_is_gone(pid_t pid) {
  return eventually([pid] {
    const char state = process_state(pid);
    return state == '\0' || state == 'Z' || state == 'X';
  }, 2s);
}

}  // namespace lastcall::test
