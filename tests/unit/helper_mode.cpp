// SPDX-License-Identifier: MIT
#include "helper_mode.hpp"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

extern char** environ;

namespace lastcall::testing {

std::vector<int> open_fds() {
  std::vector<int> out;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return out;
  const int own = dirfd(dir);
  while (const dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    const int fd = std::atoi(e->d_name);
    if (fd != own) out.push_back(fd);
  }
  closedir(dir);
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

// How long a helper that waits to be killed lives at most.
constexpr unsigned kLifetimeSeconds = 30;

int list_fds() {
  const auto fds = open_fds();
  if (fds.empty()) return 1;  // not even stdout: /proc/self/fd could not be read
  for (const int fd : fds) std::printf("%d\n", fd);
  return 0;
}

int make_orphans(int count) {
  for (int i = 0; i < count; ++i) {
    const pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) {
      if (fork() == 0) {
        // The grandchild outlives its parent briefly, then exits as an orphan.
        timespec ts{0, 20'000'000};
        nanosleep(&ts, nullptr);
        _exit(0);
      }
      _exit(0);
    }
  }
  return 0;
}

int print_signals() {
  sigset_t mask;
  sigprocmask(SIG_SETMASK, nullptr, &mask);
  std::string blocked = "blocked";
  std::string ignored = "ignored";
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sigismember(&mask, sig) == 1) blocked += " " + std::to_string(sig);
    struct sigaction action {};
    if (sigaction(sig, nullptr, &action) == 0 && action.sa_handler == SIG_IGN) ignored += " " + std::to_string(sig);
  }
  std::printf("%s\n%s\n", blocked.c_str(), ignored.c_str());
  return 0;
}

int print_env(const char* name) {
  const std::size_t length = std::strlen(name);
  int count = 0;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, name, length) == 0 && (*e)[length] == '=') ++count;
  }
  const char* value = std::getenv(name);
  std::printf("%s %d %d\n", value != nullptr ? value : "-", static_cast<int>(getpid()), count);
  return 0;
}

// Writes "WORD PID\n" with one write(2), which is atomic on a pipe: safe in a signal handler,
// and lines of several processes sharing the pipe never interleave.
void say(const char* word, int number_or_zero) {
  char line[64];
  std::size_t n = 0;
  const auto put_number = [&](long value) {
    char digits[24];
    std::size_t k = 0;
    do {
      digits[k++] = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value > 0);
    while (k > 0) line[n++] = digits[--k];
  };
  if (word != nullptr) {
    for (const char* c = word; *c != '\0'; ++c) line[n++] = *c;
  } else {
    put_number(number_or_zero);
  }
  line[n++] = ' ';
  put_number(getpid());
  line[n++] = '\n';
  (void)!write(STDOUT_FILENO, line, n);
}

void on_recorded(int sig) { say(nullptr, sig); }

void on_recorded_then_exit(int sig) {
  say(nullptr, sig);
  _exit(0);
}

std::vector<int> signal_list(const char* text) {
  std::vector<int> out;
  for (const char* p = text; *p != '\0';) {
    out.push_back(std::atoi(p));
    while (*p != '\0' && *p != ',') ++p;
    if (*p == ',') ++p;
  }
  return out;
}

[[noreturn]] void record(const std::vector<int>& signals, bool exit_on_first = false) {
  alarm(kLifetimeSeconds);
  struct sigaction action {};
  action.sa_handler = exit_on_first ? on_recorded_then_exit : on_recorded;
  // Every recorded signal waits while one is being said: a handler preempted before its
  // write would otherwise let a later signal's line (a test's marker) come out first.
  sigemptyset(&action.sa_mask);
  for (const int sig : signals) sigaddset(&action.sa_mask, sig);
  action.sa_flags = SA_RESTART;
  for (const int sig : signals) sigaction(sig, &action, nullptr);
  say("ready", 0);
  for (;;) pause();
}

// Forks a recorder; `own_group` puts it in a new process group. Returns its pid in the parent.
pid_t fork_recorder(const std::vector<int>& signals, bool own_group) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (own_group) setpgid(0, 0);
    record(signals);
  }
  return pid;
}

int family(int in, int out, int nested, const char* signal_text) {
  const auto signals = signal_list(signal_text);
  for (int i = 0; i < in; ++i) {
    if (i == 0 && nested > 0) {
      // The first in-group recorder starts the nested ones, which are its children, not ours.
      if (fork() == 0) {
        for (int k = 0; k < nested; ++k) fork_recorder(signals, false);
        record(signals);
      }
    } else {
      fork_recorder(signals, false);
    }
  }
  for (int i = 0; i < out; ++i) fork_recorder(signals, true);
  return 0;
}

[[noreturn]] void parent(const char* signal_text) {
  const auto signals = signal_list(signal_text);
  fork_recorder(signals, false);
  record(signals, true);
}

int fork_sleeper() {
  const pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    alarm(kLifetimeSeconds);
    for (;;) pause();
  }
  std::printf("%d\n", static_cast<int>(pid));
  return 0;
}

}  // namespace

int run_helper(int argc, char** argv) {
  const std::string mode = argv[0];
  const auto arg = [&](int i) { return i < argc ? argv[i] : ""; };
  if (mode == "exit") return std::atoi(arg(1));
  if (mode == "list-fds") return list_fds();
  if (mode == "pgrp") {
    std::printf("%d %d\n", static_cast<int>(getpgrp()), static_cast<int>(getpid()));
    return 0;
  }
  if (mode == "sleep") {
    const int ms = std::atoi(arg(1));
    timespec ts{ms / 1000, (ms % 1000) * 1'000'000L};
    nanosleep(&ts, nullptr);
    return 0;
  }
  if (mode == "orphans") return make_orphans(std::atoi(arg(1)));
  if (mode == "signals") return print_signals();
  if (mode == "env") return print_env(arg(1));
  if (mode == "record") record(signal_list(arg(1)));
  if (mode == "family") return family(std::atoi(arg(1)), std::atoi(arg(2)), std::atoi(arg(3)), arg(4));
  if (mode == "fork-sleeper") return fork_sleeper();
  if (mode == "parent") parent(arg(1));
  std::fprintf(stderr, "unknown helper mode %s\n", mode.c_str());
  return 99;
}

std::string self_path() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

std::vector<std::string> helper_argv(std::vector<std::string> args) {
  std::vector<std::string> out{self_path(), "--helper"};
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

}  // namespace lastcall::testing
