// SPDX-License-Identifier: MIT
#include "config/keys.hpp"

#include <algorithm>
#include <array>

#include "config/parse.hpp"

namespace lastcall::config {
namespace {

using Arity = Key::Arity;

// A value option: `Read` turns the text into the value that `Field`, a pointer to a member,
// takes; its problem, in words, is the key's.
template <auto Field, auto Read>
std::string set(Settings& s, std::string_view text) {
  auto value = Read(text);
  if (!value) return value.error().message;
  s.*Field = std::move(*value);
  return "";
}

// A repeatable option: each value is added to the list at `Field`.
template <auto Field, auto Read>
std::string add(Settings& s, std::string_view text) {
  auto value = Read(text);
  if (!value) return value.error().message;
  (s.*Field).push_back(std::move(*value));
  return "";
}

// The value of `All` (an array of enum values) whose name is `text`, or a hint naming them all.
template <const auto& All>
auto read_name(std::string_view text) -> core::Result<std::decay_t<decltype(All[0])>> {
  std::string hint = "use ";
  for (std::size_t i = 0; i < All.size(); ++i) {
    if (name(All[i]) == text) return All[i];
    hint += std::string(i == 0 ? "" : i + 1 == All.size() ? " or " : ", ") + std::string(name(All[i]));
  }
  return core::Error{"invalid value \"" + std::string(text) + "\" (" + hint + ")"};
}

// One "FROM:TO", merged over what the file said: the command line wins for the same FROM.
std::string add_rewrite(Settings& s, std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || text.find(':', colon + 1) != std::string_view::npos) {
    return "invalid rewrite \"" + std::string(text) + "\" (use FROM:TO, such as HUP:USR1)";
  }
  const auto from = read_rewrite_from(text.substr(0, colon));
  const auto to = read_signal(text.substr(colon + 1));
  if (!from || !to) return (from ? to.error() : from.error()).message;
  s.rewrite[*from] = *to;
  return "";
}

// "TERM,INT": the whole list, replacing what the file said.
std::string set_triggers(Settings& s, std::string_view text) {
  std::vector<core::Signal> triggers;
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const auto signal = read_trigger(text.substr(start, comma - start));
    if (!signal) return signal.error().message;
    triggers.push_back(*signal);
    start = comma + 1;
  }
  s.triggers = std::move(triggers);
  return "";
}

// What to check, over the file's: the file's interval, timeout and start_timeout stay, as the
// command line names none of them.
std::string set_ready(Settings& s, std::string_view text) {
  auto check = read_ready(text);
  if (!check) return check.error().message;
  if (s.ready) {
    check->interval = s.ready->interval;
    check->timeout = s.ready->timeout;
    check->start_timeout = s.ready->start_timeout;
  }
  s.ready = std::move(*check);
  return "";
}

template <auto Field>
std::string set_flag(Settings& s, std::string_view) {
  s.*Field = true;
  return "";
}

constexpr std::array kKeys{
    Key{"-c,--config", "LASTCALL_CONFIG", "", "FILE", "JSON config file", Arity::One,
        set<&Settings::config_path, read_text>},
    Key{"-t,--grace", "LASTCALL_GRACE", "/grace", "DURATION", "whole shutdown budget, trigger to SIGKILL (24s)",
        Arity::One, set<&Settings::grace, read_duration>},
    Key{"--stop-signal", "", "/stop_signal", "SIG", "signal that asks the child to stop (the trigger signal)",
        Arity::One, set<&Settings::stop_signal, read_signal>},
    Key{"--drain", "LASTCALL_DRAIN", "/drain", "DURATION", "pause after the trigger, before pre-stop hooks (0s)",
        Arity::One, set<&Settings::drain, read_duration>},
    Key{"", "", "/pre_stop_timeout", "DURATION", "", Arity::One, set<&Settings::pre_stop_timeout, read_duration>},
    Key{"", "", "/post_stop_timeout", "DURATION", "", Arity::One, set<&Settings::post_stop_timeout, read_duration>},
    Key{"--forward", "", "/signals/forward", "group|child",
        "relay to the child's process group or to the child alone (group)", Arity::One,
        set<&Settings::forward, read_name<kForwardModes>>},
    Key{"--rewrite", "", "/signals/rewrite", "FROM:TO", "relay signal FROM as TO; repeatable", Arity::Repeat,
        add_rewrite},
    Key{"--triggers", "", "/signals/triggers", "SIG,...", "the signals that start the shutdown (TERM,INT,QUIT)",
        Arity::List, set_triggers},
    Key{"--success-exit", "", "/success_exit_codes", "CODE",
        "treat this exit code as 0; repeatable; 128+N for signal N", Arity::Repeat,
        add<&Settings::success_exit_codes, read_exit_code>},
    Key{"--log-format", "LASTCALL_LOG_FORMAT", "", "text|json", "lastcall's log on stderr (text on a TTY, else json)",
        Arity::One, set<&Settings::log_format, read_name<core::kLogFormats>>},
    Key{"--log-level", "LASTCALL_LOG_LEVEL", "", "LEVEL", "debug, info, warn or error (info)", Arity::One,
        set<&Settings::log_level, read_name<core::kLogLevels>>},
    Key{"--listen", "LASTCALL_LISTEN", "/listen", "ADDR:PORT", "serve /healthz, /readyz and /metrics over HTTP (off)",
        Arity::One, set<&Settings::listen, read_endpoint>},
    Key{"--ready", "", "/ready", "CHECK",
        "the child is ready when this passes: tcp:ADDR:PORT, http://ADDR:PORT/PATH or exec:COMMAND", Arity::One,
        set_ready},
    Key{"", "", "/user", "", "", Arity::One, set<&Settings::user, read_text>},
    Key{"", "", "/group", "", "", Arity::One, set<&Settings::group, read_text>},
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
