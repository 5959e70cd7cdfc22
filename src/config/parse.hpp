// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "config/settings.hpp"
#include "core/error.hpp"

// Parsers for the value types of CONTRACT §1, pure functions in two kinds: parse_* returns
// the value, or nullopt for text that is not one; read_* returns the value or the problem in
// words ("invalid duration \"x\" (use 250ms, ...)"), without naming where the text came from.
// The command line, the environment and the config file all read values through read_*, so a
// value is accepted, and refused, alike wherever it is written.
namespace lastcall::config {

// The longest DURATION we accept: anything beyond a year is a typo, not a grace budget.
inline constexpr core::Duration kMaxDuration = std::chrono::hours(24 * 365);

// `250ms`, `1.5s`, `2m`, `1m30s`, `1h`, or a bare number of seconds (`24`, `0.5`). Units
// appear at most once each, largest first, and only the last part may have a fraction. The
// value must be whole milliseconds and at most kMaxDuration.
[[nodiscard]] std::optional<core::Duration> parse_duration(std::string_view text);

// A name with or without `SIG` in any case (`SIGTERM`, `term`), a real-time name
// (`SIGRTMIN+2`, `rtmax-1`), an old alias (`SIGIOT`), or a number: a standard signal 1..31 or
// a real-time one (0, glibc's reserved 32 and 33, and anything past SIGRTMAX are not).
[[nodiscard]] std::optional<core::Signal> parse_signal(std::string_view text);

// `A.B.C.D:PORT` or `[IPV6]:PORT`, numeric addresses only (no name lookup), port 1..65535.
[[nodiscard]] std::optional<Endpoint> parse_endpoint(std::string_view text);
// The text parse_endpoint reads back as the same endpoint: "127.0.0.1:9000", "[::1]:9000".
[[nodiscard]] std::string format_endpoint(const Endpoint& endpoint);

// `http://ADDR:PORT` followed by an optional path: the endpoint and the request target.
[[nodiscard]] std::optional<ReadyCheck> parse_http_check(std::string_view url);

// `--ready`: `tcp:ADDR:PORT`, `http://ADDR:PORT/PATH` or `exec:COMMAND` (run by /bin/sh -c).
[[nodiscard]] std::optional<ReadyCheck> ready_from_text(std::string_view text);

// An exit code 0..255.
[[nodiscard]] std::optional<int> parse_exit_code(std::string_view text);

[[nodiscard]] core::Result<core::Duration> read_duration(std::string_view text);
[[nodiscard]] core::Result<core::Signal> read_signal(std::string_view text);
// A signal lastcall relays, as a trigger and the FROM of a rewrite must be.
[[nodiscard]] core::Result<core::Signal> read_trigger(std::string_view text);
[[nodiscard]] core::Result<core::Signal> read_rewrite_from(std::string_view text);
[[nodiscard]] core::Result<Endpoint> read_endpoint(std::string_view text);
[[nodiscard]] core::Result<ReadyCheck> read_http_check(std::string_view url);
[[nodiscard]] core::Result<ReadyCheck> read_ready(std::string_view text);
[[nodiscard]] core::Result<int> read_exit_code(std::string_view text);
// Text that must not be empty (a path, an account name).
[[nodiscard]] core::Result<std::string> read_text(std::string_view text);

}  // namespace lastcall::config
