// SPDX-License-Identifier: MIT
#include "config/config_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <map>

#include "config/json_text.hpp"
#include "config/keys.hpp"
#include "config/parse.hpp"

namespace lastcall::config {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 12> kTopKeys{
    "grace",   "stop_signal",        "drain", "pre_stop_timeout", "post_stop_timeout", "signals",
    "success_exit_codes", "hooks", "listen", "ready", "user", "group"};
constexpr std::array<std::string_view, 3> kSignalsKeys{"forward", "rewrite", "triggers"};
constexpr std::array<std::string_view, 2> kHooksKeys{"pre_stop", "post_stop"};
constexpr std::array<std::string_view, 8> kHookKeys{"name", "command", "timeout", "priority",
                                                    "env",  "cwd",     "user",    "group"};
constexpr std::array<std::string_view, 6> kReadyKeys{"tcp",      "http",    "command",
                                                     "interval", "timeout", "start_timeout"};

std::string_view type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::object: return "object";
    case json::value_t::array: return "array";
    case json::value_t::string: return "string";
    case json::value_t::boolean: return "boolean";
    case json::value_t::null: return "null";
    default: return "number";
  }
}

// What a JSON string field of a key must look like, for "expected X, got number".
std::string expected_text(std::string_view type) {
  if (type == "DURATION") return "a duration string such as \"24s\"";
  if (type == "SIG") return "a signal name such as \"SIGTERM\"";
  return "a string";
}

bool has_control_character(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '\x7f') return true;
  }
  return false;
}

// Reads the JSON tree of one config file onto the settings, collecting every problem.
class FileReader {
 public:
  FileReader(Settings& settings, Diagnostics& diagnostics) : s_(settings), d_(diagnostics) {}

  void read(const json& root) {
    if (!is_object(root, "")) return;
    check_keys(root, "", kTopKeys);
    for (const Key& key : keys()) {
      const json::json_pointer pointer{std::string(key.pointer)};
      if (key.arity == Key::Arity::One && !key.pointer.empty() && key.pointer != "/ready" &&
          key.pointer != "/signals/triggers" && root.contains(pointer)) {
        apply_text(key, root.at(pointer));
      }
    }
    if (root.contains("signals") && is_object(root["signals"], "/signals")) read_signals(root["signals"]);
    if (root.contains("success_exit_codes")) read_success_codes(root["success_exit_codes"]);
    if (root.contains("hooks") && is_object(root["hooks"], "/hooks")) {
      check_keys(root["hooks"], "/hooks", kHooksKeys);
      if (root["hooks"].contains("pre_stop")) s_.pre_stop = read_phase(root["hooks"]["pre_stop"], "/hooks/pre_stop");
      if (root["hooks"].contains("post_stop")) s_.post_stop = read_phase(root["hooks"]["post_stop"], "/hooks/post_stop");
    }
    if (root.contains("ready") && is_object(root["ready"], "/ready")) read_ready(root["ready"]);
  }

 private:
  bool is_object(const json& value, const std::string& path) { return expect(value, path, value.is_object(), "an object"); }
  bool is_array(const json& value, const std::string& path) { return expect(value, path, value.is_array(), "an array"); }
  bool is_string(const json& value, const std::string& path) { return expect(value, path, value.is_string(), "a string"); }

  bool expect(const json& value, const std::string& path, bool ok, std::string_view expected) {
    if (!ok) d_.add(path, "expected " + std::string(expected) + ", got " + std::string(type_name(value)));
    return ok;
  }

  template <std::size_t N>
  void check_keys(const json& object, const std::string& path, const std::array<std::string_view, N>& known) {
    for (const auto& [key, member] : object.items()) {
      if (std::find(known.begin(), known.end(), key) == known.end()) d_.add_unknown_key(path, key, known);
    }
  }

  // A value the key's own text parser reads, at its pointer.
  void apply_text(const Key& key, const json& value) {
    const std::string path(key.pointer);
    if (!expect(value, path, value.is_string(), expected_text(key.type))) return;
    if (auto problem = key.apply(s_, value.get_ref<const std::string&>()); !problem.empty()) d_.add(path, problem);
  }

  std::optional<std::string> read_string(const json& value, const std::string& path, bool nonempty = true) {
    if (!is_string(value, path)) return std::nullopt;
    auto text = value.get<std::string>();
    if (nonempty && text.empty()) {
      d_.add(path, "must not be empty");
      return std::nullopt;
    }
    return text;
  }

  std::optional<core::Duration> read_duration(const json& value, const std::string& path) {
    if (!expect(value, path, value.is_string(), expected_text("DURATION"))) return std::nullopt;
    const auto& text = value.get_ref<const std::string&>();
    auto duration = parse_duration(text);
    if (!duration) d_.add(path, "invalid duration \"" + text + "\" (" + std::string(kDurationHint) + ")");
    return duration;
  }

  std::optional<core::Signal> read_signal(const json& value, const std::string& path) {
    if (!expect(value, path, value.is_string(), expected_text("SIG"))) return std::nullopt;
    const auto& text = value.get_ref<const std::string&>();
    auto signal = parse_signal(text);
    if (!signal) d_.add(path, "invalid signal \"" + text + "\" (" + std::string(kSignalHint) + ")");
    return signal;
  }

  // An integer within [min, max]; 1.0 is a number but not an integer.
  std::optional<int> read_int(const json& value, const std::string& path, int min, int max) {
    const bool any_int = min == INT_MIN && max == INT_MAX;
    const std::string expected = any_int ? "an integer" : "an integer " + std::to_string(min) + ".." + std::to_string(max);
    if (!expect(value, path, value.is_number_integer(), expected)) return std::nullopt;
    // number_unsigned holds values past INT64_MAX, which are out of any int range anyway.
    const bool too_big = value.is_number_unsigned() && value.get<std::uint64_t>() > INT64_MAX;
    const auto number = too_big ? std::int64_t{0} : value.get<std::int64_t>();
    if (too_big || number < min || number > max) {
      d_.add(path, "expected " + expected + ", got " + value.dump());
      return std::nullopt;
    }
    return static_cast<int>(number);
  }

  void read_signals(const json& signals) {
    check_keys(signals, "/signals", kSignalsKeys);
    if (signals.contains("rewrite") && is_object(signals["rewrite"], "/signals/rewrite")) {
      for (const auto& [key, value] : signals["rewrite"].items()) read_rewrite(key, value);
    }
    if (signals.contains("triggers")) read_triggers(signals["triggers"]);
  }

  void read_rewrite(const std::string& key, const json& value) {
    const std::string path = pointer_child("/signals/rewrite", key);
    const auto from = read_signal(json(key), path);
    const auto to = read_signal(value, path);
    if (!from || !to) return;
    if (auto problem = rewrite_problem(*from); !problem.empty()) {
      d_.add(path, problem);
    } else if (!s_.rewrite.emplace(*from, *to).second) {
      d_.add(path, from->name() + " is rewritten more than once");
    }
  }

  void read_triggers(const json& list) {
    if (!is_array(list, "/signals/triggers")) return;
    if (list.empty()) d_.add("/signals/triggers", "name at least one signal");
    s_.triggers.clear();
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string path = pointer_child("/signals/triggers", i);
      const auto signal = read_signal(list[i], path);
      if (!signal) continue;
      if (auto problem = trigger_problem(*signal); !problem.empty()) d_.add(path, problem);
      s_.triggers.push_back(*signal);
    }
  }

  void read_success_codes(const json& codes) {
    if (!is_array(codes, "/success_exit_codes")) return;
    for (std::size_t i = 0; i < codes.size(); ++i) {
      if (auto code = read_int(codes[i], pointer_child("/success_exit_codes", i), 0, 255)) {
        s_.success_exit_codes.push_back(*code);
      }
    }
  }

  std::vector<core::HookSpec> read_phase(const json& list, const std::string& path) {
    std::vector<core::HookSpec> hooks;
    if (!is_array(list, path)) return hooks;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string hook_path = pointer_child(path, i);
      if (is_object(list[i], hook_path)) hooks.push_back(read_hook(list[i], hook_path));
    }
    return hooks;
  }

  core::HookSpec read_hook(const json& hook, const std::string& path) {
    core::HookSpec spec;
    check_keys(hook, path, kHookKeys);
    read_name(hook, path, spec);
    if (!hook.contains("command")) {
      d_.add(path, "missing required key \"command\"");
    } else {
      spec.via_shell = hook["command"].is_string();
      spec.argv = read_command(hook["command"], pointer_child(path, "command"));
    }
    if (hook.contains("timeout")) {
      const std::string timeout_path = pointer_child(path, "timeout");
      spec.timeout = read_duration(hook["timeout"], timeout_path);
      // A hook killed the moment it starts is always a mistake; leaving timeout out already
      // means "what remains of the phase".
      if (spec.timeout && spec.timeout->count() == 0) {
        d_.add(timeout_path, "must be more than 0s (leave it out to give the hook what remains of its phase)");
      }
    }
    if (hook.contains("priority")) {
      spec.priority = read_int(hook["priority"], pointer_child(path, "priority"), INT_MIN, INT_MAX).value_or(0);
    }
    if (hook.contains("env")) read_env(hook["env"], pointer_child(path, "env"), spec);
    for (const auto& [key, field] : {std::pair{"cwd", &spec.cwd}, {"user", &spec.user}, {"group", &spec.group}}) {
      if (hook.contains(key)) *field = read_string(hook[key], pointer_child(path, key));
    }
    return spec;
  }

  void read_name(const json& hook, const std::string& path, core::HookSpec& spec) {
    if (!hook.contains("name")) {
      d_.add(path, "missing required key \"name\"");
      return;
    }
    const std::string name_path = pointer_child(path, "name");
    auto name = read_string(hook["name"], name_path);
    if (!name) return;
    // The name is printed in the text log and the live status line: a control character
    // (an escape above all) in it would act on the reader's terminal instead of being seen.
    if (has_control_character(*name)) {
      d_.add(name_path, "a hook name must not contain control characters");
      return;
    }
    // hook_output carries only the name, so it must identify one hook across both phases.
    const auto [earlier, inserted] = hook_names_.emplace(*name, name_path);
    if (!inserted) d_.add(name_path, "duplicate hook name \"" + *name + "\" (first used at " + earlier->second + ")");
    spec.name = std::move(*name);
  }

  // A string runs under /bin/sh -c; an array is the argv, whose program must not be empty.
  std::vector<std::string> read_command(const json& command, const std::string& path) {
    if (command.is_string()) {
      auto text = read_string(command, path);
      return text ? std::vector<std::string>{"/bin/sh", "-c", std::move(*text)} : std::vector<std::string>{};
    }
    if (!expect(command, path, command.is_array(), "a string or an array of strings")) return {};
    if (command.empty()) d_.add(path, "must not be an empty array");
    std::vector<std::string> argv;
    for (std::size_t i = 0; i < command.size(); ++i) {
      if (auto arg = read_string(command[i], pointer_child(path, i), i == 0)) argv.push_back(std::move(*arg));
    }
    return argv;
  }

  void read_env(const json& env, const std::string& path, core::HookSpec& spec) {
    if (!is_object(env, path)) return;
    for (const auto& [key, value] : env.items()) {
      const std::string var_path = pointer_child(path, key);
      // setenv(3) fails with EINVAL for such names.
      if (key.empty() || key.find('=') != std::string::npos) {
        d_.add(var_path, "an environment variable name must be non-empty, without '='");
      } else if (auto text = read_string(value, var_path, false)) {
        spec.env.emplace(key, std::move(*text));
      }
    }
  }

  void read_ready(const json& ready) {
    check_keys(ready, "/ready", kReadyKeys);
    ReadyCheck check;
    int kinds = 0;
    if (ready.contains("tcp")) {
      ++kinds;
      read_endpoint(ready["tcp"], check);
    }
    if (ready.contains("http")) {
      ++kinds;
      if (auto url = read_string(ready["http"], "/ready/http")) {
        auto http = parse_http_check(*url);
        if (http) check = std::move(*http);
        if (!http) d_.add("/ready/http", "invalid URL \"" + *url + "\" (use http://ADDR:PORT/PATH)");
      }
    }
    if (ready.contains("command")) {
      ++kinds;
      check.kind = ReadyCheck::Kind::Command;
      check.argv = read_command(ready["command"], "/ready/command");
      check.text = ready["command"].dump();
    }
    if (kinds != 1) d_.add("/ready", "name exactly one of \"tcp\", \"http\" or \"command\"");
    for (const auto& [key, field] : {std::pair{"interval", &check.interval}, {"timeout", &check.timeout}}) {
      if (!ready.contains(key)) continue;
      const auto duration = read_duration(ready[key], pointer_child("/ready", key));
      if (duration && duration->count() == 0) d_.add(pointer_child("/ready", key), "must be more than 0s");
      if (duration) *field = *duration;
    }
    if (ready.contains("start_timeout")) {
      check.start_timeout = read_duration(ready["start_timeout"], "/ready/start_timeout");
      // 0s would start the shutdown at the spawn, before any check could pass.
      if (check.start_timeout && check.start_timeout->count() == 0) {
        d_.add("/ready/start_timeout", "must be more than 0s (leave it out to wait for the first pass for ever)");
      }
    }
    s_.ready = std::move(check);
  }

  void read_endpoint(const json& value, ReadyCheck& check) {
    auto text = read_string(value, "/ready/tcp");
    if (!text) return;
    auto endpoint = parse_endpoint(*text);
    if (!endpoint) d_.add("/ready/tcp", "invalid address \"" + *text + "\" (" + std::string(kEndpointHint) + ")");
    if (endpoint) check.endpoint = *endpoint;
    check.text = "tcp:" + *text;
  }

  Settings& s_;
  Diagnostics& d_;
  std::map<std::string, std::string> hook_names_;  // hook name -> JSON pointer of its name
};

}  // namespace

void apply_config_text(std::string_view text, Settings& settings, Diagnostics& diagnostics) {
  if (auto root = parse_json_text(text, diagnostics)) FileReader(settings, diagnostics).read(*root);
}

core::Result<std::string> read_config_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  std::string text;
  char buffer[4096];
  ssize_t n = fd < 0 ? -1 : 0;
  while (fd >= 0 && ((n = ::read(fd, buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR))) {
    if (n > 0) text.append(buffer, static_cast<std::size_t>(n));
  }
  const int error = errno;
  if (fd >= 0) ::close(fd);
  if (n < 0) return core::Error{"config " + path + ": cannot read: " + std::strerror(error)};
  return text;
}

}  // namespace lastcall::config
