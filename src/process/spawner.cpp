// SPDX-License-Identifier: MIT
#include "process/spawner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <variant>

#include "process/c_strings.hpp"
#include "process/fork_exec.hpp"

extern char** environ;

namespace lastcall::process {
namespace {

// posix_spawn's attribute and file-action objects, destroyed on every path.
class SpawnSetup {
 public:
  SpawnSetup() {
    attr_ok_ = posix_spawnattr_init(&attr_) == 0;
    actions_ok_ = posix_spawn_file_actions_init(&actions_) == 0;
  }
  ~SpawnSetup() {
    if (attr_ok_) posix_spawnattr_destroy(&attr_);
    if (actions_ok_) posix_spawn_file_actions_destroy(&actions_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  [[nodiscard]] int configure(const SpawnRequest& request);
  posix_spawnattr_t* attr() { return &attr_; }
  posix_spawn_file_actions_t* actions() { return &actions_; }

 private:
  [[nodiscard]] int configure_attributes();
  [[nodiscard]] int configure_file_actions(const SpawnRequest& request);

  posix_spawnattr_t attr_{};
  posix_spawn_file_actions_t actions_{};
  bool attr_ok_ = false;
  bool actions_ok_ = false;
};

int SpawnSetup::configure(const SpawnRequest& request) {
  if (!attr_ok_ || !actions_ok_) return ENOMEM;
  if (const int rc = configure_attributes(); rc != 0) return rc;
  return configure_file_actions(request);
}

int SpawnSetup::configure_attributes() {
  // Every signal back to SIG_DFL and an empty mask: lastcall blocks the catchable signals
  // for its signalfd and ignores none, but an ignored or blocked disposition survives exec.
  sigset_t all;
  sigset_t none;
  sigfillset(&all);
  sigemptyset(&none);
  const short flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  if (const int rc = posix_spawnattr_setflags(&attr_, flags); rc != 0) return rc;
  if (const int rc = posix_spawnattr_setpgroup(&attr_, 0); rc != 0) return rc;
  if (const int rc = posix_spawnattr_setsigdefault(&attr_, &all); rc != 0) return rc;
  return posix_spawnattr_setsigmask(&attr_, &none);
}

int SpawnSetup::configure_file_actions(const SpawnRequest& request) {
  const int wiring[3] = {request.stdin_fd, request.stdout_fd, request.stderr_fd};
  for (int target = 0; target < 3; ++target) {
    if (wiring[target] < 0) continue;
    // dup2 clears close-on-exec on the copy, which is what lets the hook write to it.
    if (const int rc = posix_spawn_file_actions_adddup2(&actions_, wiring[target], target); rc != 0) {
      return rc;
    }
  }
  if (request.close_other_fds) {
    if (const int rc = posix_spawn_file_actions_addclosefrom_np(&actions_, 3); rc != 0) return rc;
  }
  if (request.cwd) {
    if (const int rc = posix_spawn_file_actions_addchdir_np(&actions_, request.cwd->c_str()); rc != 0) {
      return rc;
    }
  }
  return 0;
}

core::Error spawn_error(const SpawnRequest& request, int rc) {
  const std::string& what = request.argv.front();
  switch (rc) {
    case ENOENT:
      if (request.cwd && access(request.cwd->c_str(), F_OK) != 0) {
        return {what + ": cannot change to directory " + *request.cwd + ": " + std::strerror(rc),
                core::kExitNotFound};
      }
      return {what + ": command not found", core::kExitNotFound};
    case EACCES:
    case ENOEXEC:
    case EISDIR:
    case ENOTDIR:
    case EPERM:
      return {what + ": found but not executable: " + std::strerror(rc), core::kExitNotExecutable};
    default:
      return {what + ": cannot start: " + std::strerror(rc), core::kExitNotExecutable};
  }
}

// "user nobody, group 65534" or "group 65534".
std::string credentials_name(const core::Credentials& credentials) {
  const std::string group = "group " + std::to_string(credentials.gid);
  return credentials.user.empty() ? group : "user " + credentials.user + ", " + group;
}

core::Error fork_exec_error(const SpawnRequest& request, const ExecFailure& failure) {
  const std::string& what = request.argv.front();
  switch (failure.step) {
    case ExecFailure::Step::Fork:
      return {"cannot start " + what + ": " + std::strerror(failure.error), core::kExitNotExecutable};
    case ExecFailure::Step::Chdir:
      return {what + ": cannot change to directory " + request.cwd.value_or("") + ": " +
                  std::strerror(failure.error),
              core::kExitNotFound};
    case ExecFailure::Step::Credentials:
      return {what + ": cannot switch to " + credentials_name(*request.credentials) + ": " +
                  std::strerror(failure.error),
              core::kExitNotExecutable};
    case ExecFailure::Step::Exec:
      break;
  }
  return spawn_error(request, failure.error);
}

core::Result<pid_t> switch_user_and_spawn(const SpawnRequest& request) {
  auto outcome = fork_exec(request);
  if (const auto* failure = std::get_if<ExecFailure>(&outcome)) return fork_exec_error(request, *failure);
  return std::get<pid_t>(outcome);
}

}  // namespace

core::Result<pid_t> spawn(const SpawnRequest& request) {
  if (request.argv.empty() || request.argv.front().empty()) {
    return core::Error{"empty command", core::kExitNotFound};
  }
  if (request.credentials) return switch_user_and_spawn(request);
  SpawnSetup setup;
  if (const int rc = setup.configure(request); rc != 0) {
    return core::Error{"cannot prepare to start " + request.argv.front() + ": " + std::strerror(rc),
                       core::kExitNotExecutable};
  }
  auto argv = c_strings(request.argv);
  std::vector<char*> envp;
  if (request.env) envp = c_strings(*request.env);
  char* const* env = request.env ? envp.data() : environ;
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], setup.actions(), setup.attr(), argv.data(), env);
  if (rc != 0) return spawn_error(request, rc);
  return pid;
}

std::vector<std::string> current_environment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) out.emplace_back(*e);
  return out;
}

}  // namespace lastcall::process
