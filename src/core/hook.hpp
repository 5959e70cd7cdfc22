// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/credentials.hpp"
#include "core/duration.hpp"
#include "core/exit_status.hpp"
#include "core/signal.hpp"

namespace lastcall::core {

// One hook of CONTRACT §4 as the settings resolve it: the command as an argv ready for exec.
struct HookSpec {
  std::string name;
  std::vector<std::string> argv;  // {"/bin/sh", "-c", text} for a string command
  bool via_shell = false;         // true when the config gave a string
  std::optional<Duration> timeout;  // nullopt: what remains of its phase
  int priority = 0;
  std::map<std::string, std::string> env;
  std::optional<std::string> cwd;   // absolute once resolved: lastcall's starting directory by default
  std::optional<std::string> user;  // as written; nullopt: lastcall's own
  std::optional<std::string> group;
  std::optional<Credentials> credentials;  // user and group looked up; nullopt: lastcall's own
};

// What a phase's hooks are told about the shutdown (the LASTCALL_* variables).
struct PhaseContext {
  Signal trigger{};  // empty when the child exited on its own or the start timed out
  pid_t child_pid = -1;
  std::optional<ExitStatus> child_status{};  // set in post_stop

  friend bool operator==(const PhaseContext&, const PhaseContext&) = default;
};

// How the hooks of one phase ended, and of the whole run once added up.
struct HookTally {
  int ok = 0;
  int failed = 0;  // a non-zero exit, a signal, or a hook that could not start ("error")
  int timeout = 0;
  int skipped = 0;

  HookTally& operator+=(const HookTally& other) {
    ok += other.ok;
    failed += other.failed;
    timeout += other.timeout;
    skipped += other.skipped;
    return *this;
  }
  friend bool operator==(const HookTally&, const HookTally&) = default;
};

}  // namespace lastcall::core
