// SPDX-License-Identifier: MIT
#include "process/fork_exec.hpp"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "process/c_strings.hpp"
#include "process/reaper.hpp"

namespace lastcall::process {
namespace {

// The search posix_spawnp(3) does, in lastcall's PATH: the paths to try with execve(2).
std::vector<std::string> exec_candidates(const std::string& file) {
  if (file.find('/') != std::string::npos) return {file};
  const char* path = std::getenv("PATH");
  // glibc's execvp(3) default when PATH is unset.
  std::string_view dirs = path != nullptr && *path != '\0' ? path : "/bin:/usr/bin";
  std::vector<std::string> out;
  for (;;) {
    const std::size_t colon = dirs.find(':');
    const std::string_view dir = dirs.substr(0, colon);
    out.push_back(dir.empty() ? file : std::string(dir) + "/" + file);  // "" is the cwd
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return out;
}

// Everything the new process reads, built before the fork.
struct Prepared {
  std::vector<std::string> candidates;
  std::vector<char*> candidate_ptrs;
  std::vector<char*> argv;
  std::vector<char*> envp;
  const char* cwd = nullptr;
  int wiring[3] = {-1, -1, -1};
  bool close_other_fds = false;
  const core::Credentials* credentials = nullptr;
  bool may_set_groups = false;  // setgroups(2) needs CAP_SETGID
};

[[noreturn]] void fail(int report_fd, ExecFailure::Step step) {
  const ExecFailure failure{.step = step, .error = errno};
  // Nothing to do if it fails: the parent then sees end of file and a child that exited 127.
  (void)!::write(report_fd, &failure, sizeof failure);
  ::_exit(127);
}

void reset_signals() {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  // EINVAL for SIGKILL, SIGSTOP and glibc's reserved 32 and 33 is expected and harmless.
  for (int sig = 1; sig < NSIG; ++sig) (void)::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  (void)::sigprocmask(SIG_SETMASK, &none, nullptr);
}

bool wire_stdio(const Prepared& p) {
  for (int target = 0; target < 3; ++target) {
    const int fd = p.wiring[target];
    if (fd < 0) continue;
    // dup2 onto itself keeps close-on-exec set: clear it, as posix_spawn's adddup2 does.
    const int rc = fd == target ? ::fcntl(fd, F_SETFD, 0) : ::dup2(fd, target);
    if (rc < 0) return false;
  }
  return true;
}

void close_other_fds(int report_fd) {
  // close_range(2) keeps the report pipe, which closes itself at exec.
  if (report_fd > 3) (void)::syscall(SYS_close_range, 3U, static_cast<unsigned>(report_fd - 1), 0U);
  (void)::syscall(SYS_close_range, static_cast<unsigned>(report_fd + 1), ~0U, 0U);
}

bool switch_credentials(const Prepared& p) {
  const auto& c = *p.credentials;
  if (p.may_set_groups && ::setgroups(c.groups.size(), c.groups.data()) != 0) return false;
  if (::setgid(c.gid) != 0) return false;
  return !c.uid || ::setuid(*c.uid) == 0;
}

// execvp's rules over the prepared candidates: EACCES is remembered, ENOENT and the like
// move on to the next directory, anything else stops the search.
void exec_first(const Prepared& p) {
  bool saw_eacces = false;
  for (std::size_t i = 0; i + 1 < p.candidate_ptrs.size(); ++i) {
    ::execve(p.candidate_ptrs[i], p.argv.data(), p.envp.data());
    if (errno == EACCES) {
      saw_eacces = true;
    } else if (errno != ENOENT && errno != ENOTDIR && errno != ESTALE && errno != ENODEV) {
      return;
    }
  }
  if (saw_eacces) errno = EACCES;
}

[[noreturn]] void run_child(const Prepared& p, int report_fd) {
  (void)::setpgid(0, 0);  // the parent sets it too, so whichever runs first wins the race
  reset_signals();
  if (!wire_stdio(p)) fail(report_fd, ExecFailure::Step::Exec);
  if (p.close_other_fds) close_other_fds(report_fd);
  if (p.cwd != nullptr && ::chdir(p.cwd) != 0) fail(report_fd, ExecFailure::Step::Chdir);
  if (!switch_credentials(p)) fail(report_fd, ExecFailure::Step::Credentials);
  exec_first(p);
  fail(report_fd, ExecFailure::Step::Exec);
}

Prepared prepare(const SpawnRequest& request, const std::vector<std::string>& env) {
  Prepared p;
  p.candidates = exec_candidates(request.argv.front());
  p.candidate_ptrs = c_strings(p.candidates);
  p.argv = c_strings(request.argv);
  p.envp = c_strings(env);
  p.cwd = request.cwd ? request.cwd->c_str() : nullptr;
  p.wiring[0] = request.stdin_fd;
  p.wiring[1] = request.stdout_fd;
  p.wiring[2] = request.stderr_fd;
  p.close_other_fds = request.close_other_fds;
  p.credentials = &*request.credentials;
  p.may_set_groups = ::geteuid() == 0;
  return p;
}

// The report pipe, its write end above 2 so that wiring stdio cannot overwrite it.
bool open_report_pipe(int fds[2]) {
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  if (fds[1] > 2) return true;
  const int moved = ::fcntl(fds[1], F_DUPFD_CLOEXEC, 3);
  ::close(fds[1]);
  fds[1] = moved;
  return moved >= 0;
}

}  // namespace

std::variant<pid_t, ExecFailure> fork_exec(const SpawnRequest& request) {
  const std::vector<std::string> env = request.env ? *request.env : current_environment();
  const Prepared p = prepare(request, env);
  int report[2];
  if (!open_report_pipe(report)) return ExecFailure{ExecFailure::Step::Fork, errno};
  const pid_t pid = ::fork();
  if (pid == 0) run_child(p, report[1]);
  const int fork_error = errno;
  ::close(report[1]);
  if (pid < 0) {
    ::close(report[0]);
    return ExecFailure{ExecFailure::Step::Fork, fork_error};
  }
  // EACCES: the child has exec'd already, having set its own group first.
  (void)::setpgid(pid, pid);
  ExecFailure failure;
  ssize_t n;
  while ((n = ::read(report[0], &failure, sizeof failure)) < 0 && errno == EINTR) {
  }
  ::close(report[0]);
  if (n == 0) return pid;
  // The child has exited 127 or is about to: reaped by pid before anyone watches it.
  Reaper::reap_failed_spawn(pid);
  if (n != static_cast<ssize_t>(sizeof failure)) return ExecFailure{ExecFailure::Step::Exec, EIO};
  return failure;
}

}  // namespace lastcall::process
