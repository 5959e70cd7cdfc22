// SPDX-License-Identifier: MIT
#pragma once

#include "cli/overrides.hpp"
#include "config/config_file.hpp"
#include "config/settings.hpp"
#include "core/error.hpp"

namespace lastcall::config {

// Builds the final Settings: command line > environment > config file > defaults. The
// Overrides already hold the command line over the environment; this loads the config file
// they name (if any) and fills in the rest. Every problem is reported at once, each naming
// its origin ("--grace: ...", "LASTCALL_GRACE: ...") or, for the file, its JSON pointer.
//
// - `--rewrite FROM:TO` entries merge over the file's `signals.rewrite`; the command line
//   wins for the same FROM, and a later --rewrite wins over an earlier one. SIGKILL and
//   SIGSTOP cannot be a FROM: they are never delivered to lastcall.
// - `--success-exit` codes are added to the file's `success_exit_codes` (a union, sorted):
//   a wrapper script can accept one more code without repeating the file's list.
// - Hooks come out in execution order: descending priority, file order within a priority.
// - log_format defaults to text when stderr is a terminal, json otherwise.
[[nodiscard]] core::Result<Settings> resolve(const cli::Overrides& overrides, bool stderr_is_tty);

// As above, with the config file already read (`file` is empty when there is none). This is
// the pure part, for tests.
[[nodiscard]] core::Result<Settings> resolve(const cli::Overrides& overrides,
                                             const FileConfig& file, bool stderr_is_tty);

}  // namespace lastcall::config
