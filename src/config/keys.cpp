// SPDX-License-Identifier: MIT
#include "config/keys.hpp"

#include <algorithm>
#include <array>

#include "config/parse.hpp"

namespace lastcall::config {
namespace {

using Arity = Key::Arity;

std::string invalid(std::string_view what, std::string_view text, std::string_view hint) {
  return "invalid " + std::string(what) + " \"" + std::string(text) + "\" (" + std::string(hint) + ")";
}

// A duration field: `Field` is a pointer to the member it sets.
template <auto Field>
std::string set_duration(Settings& s, std::string_view text) {
  const auto value = parse_duration(text);
  if (!value) return invalid("duration", text, kDurationHint);
  s.*Field = *value;
  return "";
}

std::string set_stop_signal(Settings& s, std::string_view text) {
  const auto signal = parse_signal(text);
  if (!signal) return invalid("signal", text, kSignalHint);
  s.stop_signal = signal;
  return "";
}

std::string set_forward(Settings& s, std::string_view text) {
  if (text != "group" && text != "child") return invalid("value", text, "use group or child");
  s.forward = text == "group" ? ForwardMode::Group : ForwardMode::Child;
  return "";
}

// One "FROM:TO", merged over what the file said: the command line wins for the same FROM.
std::string add_rewrite(Settings& s, std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || text.find(':', colon + 1) != std::string_view::npos) {
    return invalid("rewrite", text, "use FROM:TO, such as HUP:USR1");
  }
  const auto from = parse_signal(text.substr(0, colon));
  const auto to = parse_signal(text.substr(colon + 1));
  if (!from) return invalid("signal", text.substr(0, colon), kSignalHint);
  if (!to) return invalid("signal", text.substr(colon + 1), kSignalHint);
  if (auto problem = rewrite_problem(*from); !problem.empty()) return problem;
  s.rewrite[*from] = *to;
  return "";
}

// "TERM,INT": the whole list, replacing what the file said.
std::string set_triggers(Settings& s, std::string_view text) {
  std::vector<core::Signal> triggers;
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view item = text.substr(start, comma - start);
    const auto signal = parse_signal(item);
    if (!signal) return invalid("signal", item, kSignalHint);
    if (auto problem = trigger_problem(*signal); !problem.empty()) return problem;
    triggers.push_back(*signal);
    start = comma + 1;
  }
  s.triggers = std::move(triggers);
  return "";
}

std::string add_success_exit(Settings& s, std::string_view text) {
  const auto code = parse_exit_code(text);
  if (!code) return invalid("exit code", text, "use an integer 0..255; 128+N for signal N");
  s.success_exit_codes.push_back(*code);
  return "";
}

// The value of `all` whose name is `text`.
template <class Enum, std::size_t N>
std::optional<Enum> by_name(const std::array<Enum, N>& all, std::string_view text) {
  for (const Enum value : all) {
    if (name(value) == text) return value;
  }
  return std::nullopt;
}

std::string set_log_format(Settings& s, std::string_view text) {
  const auto format = by_name(core::kLogFormats, text);
  if (!format) return invalid("value", text, "use text or json");
  s.log_format = *format;
  return "";
}

std::string set_log_level(Settings& s, std::string_view text) {
  const auto level = by_name(core::kLogLevels, text);
  if (!level) return invalid("value", text, "use debug, info, warn or error");
  s.log_level = *level;
  return "";
}

std::string set_listen(Settings& s, std::string_view text) {
  const auto endpoint = parse_endpoint(text);
  if (!endpoint) return invalid("address", text, kEndpointHint);
  s.listen = endpoint;
  return "";
}

// What to check, over the file's: the file's interval, timeout and start_timeout stay, as the
// command line names none of them.
std::string set_ready(Settings& s, std::string_view text) {
  auto check = ready_from_text(text);
  if (!check) return invalid("readiness check", text, kReadyHint);
  if (s.ready) {
    check->interval = s.ready->interval;
    check->timeout = s.ready->timeout;
    check->start_timeout = s.ready->start_timeout;
  }
  s.ready = std::move(*check);
  return "";
}

template <auto Field>
std::string set_text(Settings& s, std::string_view text) {
  if (text.empty()) return "must not be empty";
  s.*Field = std::string(text);
  return "";
}

template <auto Field>
std::string set_flag(Settings& s, std::string_view) {
  s.*Field = true;
  return "";
}

constexpr std::array kKeys{
    Key{"-c,--config", "LASTCALL_CONFIG", "", "FILE", "JSON config file", Arity::One, set_text<&Settings::config_path>},
    Key{"-t,--grace", "LASTCALL_GRACE", "/grace", "DURATION", "whole shutdown budget, trigger to SIGKILL (24s)",
        Arity::One, set_duration<&Settings::grace>},
    Key{"--stop-signal", "", "/stop_signal", "SIG", "signal that asks the child to stop (the trigger signal)",
        Arity::One, set_stop_signal},
    Key{"--drain", "LASTCALL_DRAIN", "/drain", "DURATION", "pause after the trigger, before pre-stop hooks (0s)",
        Arity::One, set_duration<&Settings::drain>},
    Key{"", "", "/pre_stop_timeout", "DURATION", "", Arity::One, set_duration<&Settings::pre_stop_timeout>},
    Key{"", "", "/post_stop_timeout", "DURATION", "", Arity::One, set_duration<&Settings::post_stop_timeout>},
    Key{"--forward", "", "/signals/forward", "group|child",
        "relay to the child's process group or to the child alone (group)", Arity::One, set_forward},
    Key{"--rewrite", "", "/signals/rewrite", "FROM:TO", "relay signal FROM as TO; repeatable", Arity::Repeat,
        add_rewrite},
    Key{"--triggers", "", "/signals/triggers", "SIG,...", "the signals that start the shutdown (TERM,INT,QUIT)",
        Arity::One, set_triggers},
    Key{"--success-exit", "", "/success_exit_codes", "CODE",
        "treat this exit code as 0; repeatable; 128+N for signal N", Arity::Repeat, add_success_exit},
    Key{"--log-format", "LASTCALL_LOG_FORMAT", "", "text|json", "lastcall's log on stderr (text on a TTY, else json)",
        Arity::One, set_log_format},
    Key{"--log-level", "LASTCALL_LOG_LEVEL", "", "LEVEL", "debug, info, warn or error (info)", Arity::One,
        set_log_level},
    Key{"--listen", "LASTCALL_LISTEN", "/listen", "ADDR:PORT", "serve /healthz, /readyz and /metrics over HTTP (off)",
        Arity::One, set_listen},
    Key{"--ready", "", "/ready", "CHECK",
        "the child is ready when this passes: tcp:ADDR:PORT, http://ADDR:PORT/PATH or exec:COMMAND", Arity::One,
        set_ready},
    Key{"", "", "/user", "", "", Arity::One, set_text<&Settings::user>},
    Key{"", "", "/group", "", "", Arity::One, set_text<&Settings::group>},
    Key{"--exit-by-signal", "INVOCATION_ID", "", "",
        "die of the child's fatal signal instead of exiting 128+N (on under systemd)", Arity::Flag,
        set_flag<&Settings::exit_by_signal>},
    Key{"--insecure-config", "", "", "",
        "as root, load a config file that users other than root can change; dangerous: whoever can write the "
        "file runs commands as root",
        Arity::Flag, set_flag<&Settings::insecure_config>},
    Key{"--check", "", "", "", "print the resolved plan as JSON and exit: 0 if valid, 2 if not", Arity::Flag,
        set_flag<&Settings::check>},
};

}  // namespace

std::string rewrite_problem(core::Signal from) {
  if (core::is_relayable(from)) return "";
  return from.name() + " is never relayed, so it cannot be rewritten";
}

std::string trigger_problem(core::Signal signal) {
  if (core::is_relayable(signal)) return "";
  return signal.name() + " cannot be a trigger: lastcall never receives it as one";
}

std::string_view Key::origin() const {
  if (!flags.empty()) return flags.substr(flags.find("--"));
  return env.empty() ? pointer : env;
}

std::span<const Key> keys() { return kKeys; }

const Key* find_key(std::string_view name) {
  for (const Key& key : kKeys) {
    if (key.origin() == name || key.env == name || key.pointer == name) return &key;
  }
  return nullptr;
}

}  // namespace lastcall::config
