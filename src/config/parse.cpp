// SPDX-License-Identifier: MIT
#include "config/parse.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

namespace lastcall::config {
namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t ms;
  int rank;  // a compound duration lists its parts in ascending rank
};

// "ms" precedes "m" so that the longer suffix wins when both match.
constexpr std::array kUnits{Unit{"h", 3'600'000, 0}, Unit{"ms", 1, 3}, Unit{"m", 60'000, 1},
                            Unit{"s", 1'000, 2}};
constexpr Unit kSeconds{"", 1'000, 2};
constexpr std::int64_t kLimitMs = kMaxDuration.count();

// One "<digits>[.<digits>]" number, as an exact fraction: whole + frac / scale.
struct Number {
  std::int64_t whole = 0;
  std::int64_t frac = 0;
  std::int64_t scale = 1;
};

// Reads digits from the front of text; false when there are none or they overflow.
bool read_digits(std::string_view& text, std::int64_t& value, std::int64_t& scale) {
  std::size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    // Beyond the limit in any unit is an overflow; stop before the int64 does.
    if (value > kLimitMs || scale > kLimitMs) return false;
    value = value * 10 + (text[i] - '0');
    scale *= 10;
  }
  text.remove_prefix(i);
  return i > 0;
}

std::optional<Number> read_number(std::string_view& text) {
  Number number;
  std::int64_t ignored = 1;
  if (!read_digits(text, number.whole, ignored)) return std::nullopt;
  if (text.empty() || text.front() != '.') return number;
  text.remove_prefix(1);
  number.scale = 1;
  if (!read_digits(text, number.frac, number.scale)) return std::nullopt;
  return number;
}

const Unit* read_unit(std::string_view& text) {
  for (const auto& unit : kUnits) {
    if (text.starts_with(unit.suffix)) {
      text.remove_prefix(unit.suffix.size());
      return &unit;
    }
  }
  return nullptr;
}

// The number in milliseconds, or nullopt when it is not whole milliseconds or too large.
std::optional<std::int64_t> to_ms(const Number& number, std::int64_t unit_ms) {
  if (number.whole > kLimitMs / unit_ms) return std::nullopt;
  const std::int64_t frac_scaled = number.frac * unit_ms;
  if (frac_scaled % number.scale != 0) return std::nullopt;
  return number.whole * unit_ms + frac_scaled / number.scale;
}

// Digits only, at most `max_digits` of them, as a number; nullopt otherwise.
std::optional<int> small_number(std::string_view text, std::size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  int value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// The value found, or the problem: `invalid WHAT "text" (HINT)`.
template <class T>
core::Result<T> or_invalid(std::optional<T> value, std::string_view what, std::string_view text,
                           std::string_view hint) {
  if (value) return std::move(*value);
  return core::Error{"invalid " + std::string(what) + " \"" + std::string(text) + "\" (" + std::string(hint) + ")"};
}

// Old names signal(7) still documents; core::signal_by_name knows only the canonical ones.
std::string canonical_signal_name(std::string_view text) {
  std::string name;
  for (const char c : text) name += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  if (!name.starts_with("SIG")) name.insert(0, "SIG");
  if (name == "SIGIOT") return "SIGABRT";
  if (name == "SIGPOLL") return "SIGIO";
  if (name == "SIGCLD") return "SIGCHLD";
  return name;
}

}  // namespace

std::optional<core::Duration> parse_duration(std::string_view text) {
  std::int64_t total = 0;
  int last_rank = -1;
  bool had_fraction = false;
  while (!text.empty()) {
    if (had_fraction) return std::nullopt;  // only the last part may have a fraction
    auto number = read_number(text);
    if (!number) return std::nullopt;
    const Unit* unit = read_unit(text);
    // A bare number is seconds, but only on its own: "1m30" is a typo, not 1m30s.
    if (unit == nullptr && (last_rank >= 0 || !text.empty())) return std::nullopt;
    if (unit == nullptr) unit = &kSeconds;
    if (unit->rank <= last_rank) return std::nullopt;
    last_rank = unit->rank;
    had_fraction = number->scale > 1;
    auto part = to_ms(*number, unit->ms);
    if (!part || *part > kLimitMs - total) return std::nullopt;
    total += *part;
  }
  if (last_rank < 0) return std::nullopt;
  return core::Duration(total);
}

std::optional<core::Signal> parse_signal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.front() < '0' || text.front() > '9') return core::signal_by_name(canonical_signal_name(text));
  const auto number = small_number(text, 3);
  // 1..31 are the standard signals; 32 and 33 are taken by glibc's threads (signal(7)).
  if (!number || *number < 1 || (*number > 31 && *number < SIGRTMIN) || *number > core::max_signal()) {
    return std::nullopt;
  }
  return core::Signal(*number);
}

std::optional<Endpoint> parse_endpoint(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto port = small_number(text.substr(colon + 1), 5);
  if (!port || *port < 1 || *port > 65535) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const bool ipv6 = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (ipv6) host = host.substr(1, host.size() - 2);
  Endpoint endpoint{.host = std::string(host), .port = *port, .ipv6 = ipv6};
  // inet_pton(3) accepts only the numeric forms, so "localhost" and "1.2.3" are rejected.
  unsigned char buffer[sizeof(struct in6_addr)];
  if (inet_pton(ipv6 ? AF_INET6 : AF_INET, endpoint.host.c_str(), buffer) != 1) return std::nullopt;
  return endpoint;
}

std::string format_endpoint(const Endpoint& endpoint) {
  const std::string host = endpoint.ipv6 ? "[" + endpoint.host + "]" : endpoint.host;
  return host + ":" + std::to_string(endpoint.port);
}

std::optional<ReadyCheck> parse_http_check(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return std::nullopt;
  const std::string_view rest = url.substr(kScheme.size());
  const std::size_t slash = std::min(rest.find('/'), rest.size());
  auto endpoint = parse_endpoint(rest.substr(0, slash));
  const std::string_view path = rest.substr(slash);
  const bool printable = std::all_of(path.begin(), path.end(), [](char c) { return c > ' ' && c < '\x7f'; });
  if (!endpoint || !printable) return std::nullopt;
  return ReadyCheck{.kind = ReadyCheck::Kind::Http,
                    .endpoint = *endpoint,
                    .path = path.empty() ? "/" : std::string(path),
                    .text = std::string(url)};
}

std::optional<ReadyCheck> ready_from_text(std::string_view text) {
  std::optional<ReadyCheck> check;
  if (text.starts_with("tcp:")) {
    if (auto endpoint = parse_endpoint(text.substr(4))) {
      check.emplace();
      check->endpoint = *endpoint;
    }
  } else if (text.starts_with("exec:") && text.size() > 5) {
    check.emplace();
    check->kind = ReadyCheck::Kind::Command;
    check->argv = {"/bin/sh", "-c", std::string(text.substr(5))};
  } else {
    check = parse_http_check(text);
  }
  if (check) check->text = std::string(text);
  return check;
}

std::optional<int> parse_exit_code(std::string_view text) {
  const auto code = small_number(text, 3);
  if (!code || *code > 255) return std::nullopt;
  return code;
}

core::Result<core::Duration> read_duration(std::string_view text) {
  return or_invalid(parse_duration(text), "duration", text, "use 250ms, 1.5s, 2m, 1m30s or seconds");
}

core::Result<core::Signal> read_signal(std::string_view text) {
  return or_invalid(parse_signal(text), "signal", text, "use a name such as SIGTERM or term, or a number such as 15");
}

core::Result<core::Signal> read_trigger(std::string_view text) {
  auto signal = read_signal(text);
  if (!signal || core::is_relayable(*signal)) return signal;
  return core::Error{signal->name() + " cannot be a trigger: lastcall never receives it as one"};
}

core::Result<core::Signal> read_rewrite_from(std::string_view text) {
  auto signal = read_signal(text);
  if (!signal || core::is_relayable(*signal)) return signal;
  return core::Error{signal->name() + " is never relayed, so it cannot be rewritten"};
}

core::Result<Endpoint> read_endpoint(std::string_view text) {
  return or_invalid(parse_endpoint(text), "address", text, "use ADDR:PORT such as 127.0.0.1:9000 or [::1]:9000");
}

core::Result<ReadyCheck> read_http_check(std::string_view url) {
  return or_invalid(parse_http_check(url), "URL", url, "use http://ADDR:PORT/PATH");
}

core::Result<ReadyCheck> read_ready(std::string_view text) {
  return or_invalid(ready_from_text(text), "readiness check", text,
                    "use tcp:ADDR:PORT, http://ADDR:PORT/PATH or exec:COMMAND");
}

core::Result<int> read_exit_code(std::string_view text) {
  return or_invalid(parse_exit_code(text), "exit code", text, "use an integer 0..255; 128+N for signal N");
}

core::Result<std::string> read_text(std::string_view text) {
  if (text.empty()) return core::Error{"must not be empty"};
  return std::string(text);
}

}  // namespace lastcall::config
