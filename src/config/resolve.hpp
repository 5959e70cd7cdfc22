// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "config/keys.hpp"
#include "config/settings.hpp"
#include "core/error.hpp"

namespace lastcall::config {

// Builds the final Settings: the defaults, then the config file (when the overrides name
// one), then the overrides (the environment's, then the command line's, which cli/ has
// already chosen between). Every problem is reported at once, each naming its origin
// ("--grace: ...", "LASTCALL_GRACE: ...") or, for the file, its JSON pointer.
//
// - `--rewrite FROM:TO` entries merge over the file's `signals.rewrite`, the later winning for
//   the same FROM; `--success-exit` codes are added to the file's `success_exit_codes`;
//   `--triggers` replaces the file's `signals.triggers`.
// - Hooks come out in execution order: descending priority, file order within a priority.
// - log_format defaults to text when stderr is a terminal, json otherwise.
// - As root, a config file others can change is refused (trust.hpp) unless
//   `--insecure-config` is given.
// - Finally the settings are bound to the host (host.hpp).
[[nodiscard]] core::Result<Settings> resolve(const Overrides& overrides, bool stderr_is_tty);

// Reads the config file at a path, trusting it or not: the text, or why it cannot be had.
using FileSource = std::function<core::Result<std::string>(const std::string& path, bool insecure)>;

// The layers above with the config file read through `source`, and nothing bound to the host.
[[nodiscard]] core::Result<Settings> resolve_layers(const Overrides& overrides, const FileSource& source,
                                                    bool stderr_is_tty);

}  // namespace lastcall::config
