// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/settings.hpp"

namespace lastcall::config {

inline constexpr std::string_view kListenHint = "use ADDR:PORT such as 127.0.0.1:9000 or [::1]:9000";

// Parses `--listen`: `A.B.C.D:PORT` or `[IPV6]:PORT`, numeric addresses only (no name lookup
// before the loop runs), port 1..65535. Returns nullopt for anything else.
[[nodiscard]] std::optional<ListenAddress> parse_listen(std::string_view text);

// The text parse_listen reads back as the same address: "127.0.0.1:9000", "[::1]:9000".
[[nodiscard]] std::string format_listen(const ListenAddress& address);

}  // namespace lastcall::config
