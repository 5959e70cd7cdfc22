// SPDX-License-Identifier: MIT
#include "process/spawn.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

extern char** environ;

namespace lastcall::process {
namespace {

// Where starting a process failed, and the errno: what travels back through the report pipe.
struct Failure {
  enum class Step { Chdir, Credentials, Exec } step = Step::Exec;
  int error = 0;
};

// "LISTEN_PID=" and room for any pid, filled in by the new process itself.
constexpr std::string_view kListenPid = "LISTEN_PID=";
constexpr std::size_t kPidDigits = 10;

// The search execvp(3) does, in lastcall's PATH: the paths to try with execve(2).
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

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Everything the new process reads, built before the fork.
struct Prepared {
  std::vector<std::string> candidates;
  std::vector<std::string> argv_strings;
  std::vector<std::string> env_strings;
  std::vector<char*> candidate_ptrs;
  std::vector<char*> argv;
  std::vector<char*> envp;
  char* const* env = nullptr;  // envp's data, or environ itself when nothing is changed
  char* listen_pid = nullptr;  // the digits of the LISTEN_PID entry, when set_listen_pid
  const SpawnRequest* request = nullptr;
  const core::InheritedSignals* inherited = nullptr;
  int max_fd = 0;                // the last descriptor the fallback of close_other_fds closes
  bool may_set_groups = false;   // setgroups(2) needs CAP_SETGID
};

// Fills `p` in place: its pointers point into its own strings, or at environ.
void prepare(Prepared& p, const SpawnRequest& request, const core::InheritedSignals& inherited) {
  p.request = &request;
  p.inherited = &inherited;
  p.candidates = exec_candidates(request.argv.front());
  p.argv_strings = request.argv;
  p.candidate_ptrs = c_strings(p.candidates);
  p.argv = c_strings(p.argv_strings);
  if (!request.env && !request.set_listen_pid) {
    // Our own environment as it is: nothing to copy (it does not change before the exec).
    p.env = environ;
  } else {
    p.env_strings = request.env ? *request.env : current_environment();
    if (request.set_listen_pid) {
      std::erase_if(p.env_strings, [](const std::string& e) { return e.starts_with(kListenPid); });
      p.env_strings.push_back(std::string(kListenPid) + std::string(kPidDigits, '\0'));
      p.listen_pid = p.env_strings.back().data() + kListenPid.size();
    }
    p.envp = c_strings(p.env_strings);
    p.env = p.envp.data();
  }
  // Only what the new process will need: the child at start needs neither.
  if (request.close_other_fds) {
    rlimit files{};
    p.max_fd = getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < 65536 ? static_cast<int>(files.rlim_cur) : 65536;
  }
  if (request.credentials) p.may_set_groups = ::geteuid() == 0;
}

// From here on runs in the new process, before exec: async-signal-safe calls only.

[[noreturn]] void fail(int report, Failure::Step step) {
  const Failure failure{.step = step, .error = errno};
  // A parent that closed the report unread (it only wants the exit status) would otherwise
  // have the write raise SIGPIPE and the process die of it instead of exiting 127.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  (void)::sigaction(SIGPIPE, &ignore, nullptr);
  // Nothing to do if it fails: the parent then sees end of file and a process that exited 127.
  (void)!::write(report, &failure, sizeof failure);
  ::_exit(127);
}

// lastcall catches no signal (it reads them from a signalfd), so exec(2) leaves every
// disposition as lastcall inherited it, but SIGCHLD's, which signals::take_over() reset.
void restore_signals(const core::InheritedSignals& inherited) {
  if (inherited.sigchld_ignored) {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    (void)::sigaction(SIGCHLD, &ignore, nullptr);
  }
  (void)::sigprocmask(SIG_SETMASK, &inherited.blocked, nullptr);
}

bool wire_stdio(const SpawnRequest& r) {
  const int wiring[3] = {r.stdin_fd, r.stdout_fd, r.stderr_fd};
  for (int target = 0; target < 3; ++target) {
    const int fd = wiring[target];
    // dup2 onto itself keeps close-on-exec set: clear it instead.
    if (fd >= 0 && (fd == target ? ::fcntl(fd, F_SETFD, 0) : ::dup2(fd, target)) < 0) return false;
  }
  return true;
}

// Closes every descriptor above 2 but the report pipe, which closes itself at exec.
// close_range(2) came with Linux 5.9; before it, /proc/self/fd is read with getdents64(2),
// which allocates nothing, and without /proc every number up to the limit is closed.
void close_other_fds(int report, int max_fd) {
  const unsigned keep = static_cast<unsigned>(report);
  if (::syscall(SYS_close_range, 3U, keep - 1, 0U) == 0 && ::syscall(SYS_close_range, keep + 1, ~0U, 0U) == 0) {
    return;
  }
  const int dir = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    for (int fd = 3; fd <= max_fd; ++fd) {
      if (fd != report) (void)::close(fd);
    }
    return;
  }
  alignas(8) char buffer[4096];
  for (long n; (n = ::syscall(SYS_getdents64, dir, buffer, sizeof buffer)) > 0;) {
    for (long at = 0; at < n;) {
      const auto* entry = reinterpret_cast<const dirent64*>(buffer + at);
      int fd = 0;
      for (const char* c = entry->d_name; *c >= '0' && *c <= '9'; ++c) fd = fd * 10 + (*c - '0');
      if (entry->d_name[0] != '.' && fd > 2 && fd != report && fd != dir) (void)::close(fd);
      at += entry->d_reclen;
    }
  }
  (void)::close(dir);
}

bool switch_credentials(const Prepared& p) {
  const auto& c = *p.request->credentials;
  if (p.may_set_groups && ::setgroups(c.groups.size(), c.groups.data()) != 0) return false;
  if (::setgid(c.gid) != 0) return false;
  return !c.uid || ::setuid(*c.uid) == 0;
}

void write_own_pid(char* digits) {
  char reversed[kPidDigits];
  std::size_t n = 0;
  for (pid_t pid = ::getpid(); pid > 0 && n < kPidDigits; pid /= 10) reversed[n++] = static_cast<char>('0' + pid % 10);
  for (std::size_t i = 0; i < n; ++i) digits[i] = reversed[n - 1 - i];
  digits[n] = '\0';
}

// execvp's rules over the prepared candidates: EACCES is remembered, ENOENT and the like
// move on to the next directory, anything else stops the search.
void exec_first(const Prepared& p) {
  bool saw_eacces = false;
  for (std::size_t i = 0; i + 1 < p.candidate_ptrs.size(); ++i) {
    ::execve(p.candidate_ptrs[i], p.argv.data(), p.env);
    if (errno == EACCES) {
      saw_eacces = true;
    } else if (errno != ENOENT && errno != ENOTDIR && errno != ESTALE && errno != ENODEV) {
      return;
    }
  }
  if (saw_eacces) errno = EACCES;
}

[[noreturn]] void run_child(const Prepared& p, int report) {
  const SpawnRequest& r = *p.request;
  (void)::setpgid(0, 0);  // the parent sets it too, so whichever runs first wins the race
  restore_signals(*p.inherited);
  if (!wire_stdio(r)) fail(report, Failure::Step::Exec);
  if (r.close_other_fds) close_other_fds(report, p.max_fd);
  if (r.cwd && ::chdir(r.cwd->c_str()) != 0) fail(report, Failure::Step::Chdir);
  if (r.credentials && !switch_credentials(p)) fail(report, Failure::Step::Credentials);
  if (p.listen_pid != nullptr) write_own_pid(p.listen_pid);
  exec_first(p);
  fail(report, Failure::Step::Exec);
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

std::string exec_error_text(const SpawnRequest& r, int error) {
  switch (error) {
    case ENOENT: return r.argv.front() + ": command not found";
    case EACCES: case ENOEXEC: case EISDIR: case ENOTDIR: case EPERM:
      return r.argv.front() + ": found but not executable: " + std::strerror(error);
    default: return r.argv.front() + ": cannot start: " + std::strerror(error);
  }
}

core::Error to_error(const SpawnRequest& r, const Failure& failure) {
  const std::string& what = r.argv.front();
  switch (failure.step) {
    case Failure::Step::Chdir:
      return {what + ": cannot change to directory " + r.cwd.value_or("") + ": " + std::strerror(failure.error),
              core::kExitNotFound};
    case Failure::Step::Credentials: {
      const auto& c = *r.credentials;
      const std::string group = "group " + std::to_string(c.gid);
      return {what + ": cannot switch to " + (c.user.empty() ? group : "user " + c.user + ", " + group) + ": " +
                  std::strerror(failure.error),
              core::kExitNotExecutable};
    }
    case Failure::Step::Exec: break;
  }
  return {exec_error_text(r, failure.error), failure.error == ENOENT ? core::kExitNotFound : core::kExitNotExecutable};
}

}  // namespace

core::Result<Spawned> spawn(const SpawnRequest& request, const core::InheritedSignals& inherited) {
  if (request.argv.empty() || request.argv.front().empty()) return core::Error{"empty command", core::kExitNotFound};
  Prepared p;
  prepare(p, request, inherited);
  int report[2];
  if (!open_report_pipe(report)) return core::Error{"cannot start " + request.argv.front() + ": " + std::strerror(errno), core::kExitNotExecutable};
  // vfork(2) where the caller waits for the exec anyway and the new process keeps our
  // credentials: no page table is copied, nor any page of ours marked copy-on-write and then
  // faulted in again by both sides. Of our memory it writes its own stack frames below ours,
  // p's LISTEN_PID digits (dropped after the spawn) and errno (read here only when the fork
  // failed, when there is no child), plus ASan's shadow of the stack in the sanitizer build
  // (GCC's libasan intercepts vfork for that). No handler of ours can run in it: every signal
  // is blocked until restore_signals, and lastcall installs none. Otherwise _Fork(3): a slow exec (a cold or
  // remote file system) must not hold the loop, and glibc's setuid() signals every thread of
  // its thread list, which a vfork child would share with us. Neither runs an atfork handler
  // (libuv's would recreate its signal pipe in the child for nothing); the child calls only
  // async-signal-safe functions anyway.
  const pid_t pid = request.await_exec && !request.credentials ? ::vfork() : ::_Fork();
  if (pid == 0) run_child(p, report[1]);
  const int fork_error = errno;
  ::close(report[1]);
  if (pid < 0) {
    ::close(report[0]);
    return core::Error{"cannot start " + request.argv.front() + ": " + std::strerror(fork_error), core::kExitNotExecutable};
  }
  // EACCES: the child has exec'd already, having set its own group first.
  (void)::setpgid(pid, pid);
  return Spawned{.pid = pid, .report = core::UniqueFd(report[0])};
}

std::optional<core::Error> read_exec_report(core::UniqueFd report, const SpawnRequest& request) {
  Failure failure;
  ssize_t n;
  while ((n = ::read(report.get(), &failure, sizeof failure)) < 0 && errno == EINTR) {
  }
  report.reset();
  if (n == 0) return std::nullopt;
  if (n != static_cast<ssize_t>(sizeof failure)) failure = Failure{.step = Failure::Step::Exec, .error = EIO};
  return to_error(request, failure);
}

std::vector<std::string> current_environment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) out.emplace_back(*e);
  return out;
}

}  // namespace lastcall::process
