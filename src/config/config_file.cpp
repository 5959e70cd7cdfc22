// SPDX-License-Identifier: MIT
#include "config/config_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <map>
#include <vector>

#include "config/json_text.hpp"
#include "config/keys.hpp"
#include "config/parse.hpp"

namespace lastcall::config {
namespace {

using nlohmann::json;

// The keys only the config file has, as JSON pointers ("-" stands for every element of an
// array); with the pointers of keys() and the objects they lie in, every key the file accepts.
constexpr std::array<std::string_view, 16> kFileOnlyPointers{
    "/hooks/pre_stop",  "/hooks/post_stop", "/hooks/-/name",   "/hooks/-/command",  "/hooks/-/timeout",
    "/hooks/-/priority", "/hooks/-/env",    "/hooks/-/cwd",    "/hooks/-/user",     "/hooks/-/group",
    "/ready/tcp",       "/ready/http",      "/ready/command",  "/ready/interval",   "/ready/timeout",
    "/ready/start_timeout"};

// The keys the object at `pattern` ("" for the top level, "/hooks/-" for a hook) may hold.
std::vector<std::string_view> known_keys(std::string_view pattern) {
  std::vector<std::string_view> known;
  for (const std::string_view pointer : file_pointers()) {
    const std::size_t slash = pointer.rfind('/');
    if (pointer.substr(0, slash) == pattern) known.push_back(pointer.substr(slash + 1));
  }
  return known;
}

// What a JSON string field of a key must look like, for "expected X, got number".
std::string expected_text(std::string_view type) {
  if (type == "DURATION") return "a duration string such as \"24s\"";
  if (type == "SIG") return "a signal name such as \"SIGTERM\"";
  return "a string";
}

// Reads the JSON tree of one config file onto the settings, collecting every problem.
class FileReader {
 public:
  FileReader(Settings& settings, Diagnostics& diagnostics) : s_(settings), d_(diagnostics) {}

  void read(const json& root) {
    if (!is_object(root, "", "")) return;
    // A key of one value is the same text as on the command line; "ready" alone is an object
    // in the file (ready_section below).
    for (const Key& key : keys()) {
      const json::json_pointer pointer{std::string(key.pointer)};
      if (key.arity != Key::Arity::One || key.pointer.empty() || key.pointer == "/ready" || !root.contains(pointer)) {
        continue;
      }
      const json& value = root.at(pointer);
      if (!expect(value, std::string(key.pointer), value.is_string(), expected_text(key.type))) continue;
      if (auto problem = key.apply(s_, value.get_ref<const std::string&>()); !problem.empty()) {
        d_.add(std::string(key.pointer), problem);
      }
    }
    if (root.contains("signals") && is_object(root["signals"], "/signals", "/signals")) read_signals(root["signals"]);
    if (root.contains("success_exit_codes")) read_success_codes(root["success_exit_codes"]);
    if (root.contains("hooks") && is_object(root["hooks"], "/hooks", "/hooks")) {
      if (root["hooks"].contains("pre_stop")) s_.pre_stop = read_phase(root["hooks"]["pre_stop"], "/hooks/pre_stop");
      if (root["hooks"].contains("post_stop")) s_.post_stop = read_phase(root["hooks"]["post_stop"], "/hooks/post_stop");
    }
    if (root.contains("ready") && is_object(root["ready"], "/ready", "/ready")) ready_section(root["ready"]);
  }

 private:
  static core::Result<std::string> read_text_as_is(std::string_view text) { return std::string(text); }

  // An object at `path` whose keys must be those known at `pattern`.
  bool is_object(const json& value, const std::string& path, std::string_view pattern) {
    if (!expect(value, path, value.is_object(), "an object")) return false;
    const auto known = known_keys(pattern);
    for (const auto& [key, member] : value.items()) {
      if (std::find(known.begin(), known.end(), key) == known.end()) d_.add_unknown_key(path, key, known);
    }
    return true;
  }
  bool is_array(const json& value, const std::string& path) { return expect(value, path, value.is_array(), "an array"); }

  bool expect(const json& value, const std::string& path, bool ok, std::string_view expected) {
    if (!ok) d_.add(path, "expected " + std::string(expected) + ", got " + value.type_name());
    return ok;
  }

  // A JSON string at `path` read by `read` (parse.hpp), the one reader of its value type.
  template <class Read>
  auto parsed(const json& value, const std::string& path, std::string_view expected, Read read)
      -> std::optional<std::decay_t<decltype(*read(""))>> {
    if (!expect(value, path, value.is_string(), expected)) return std::nullopt;
    auto result = read(value.get_ref<const std::string&>());
    if (!result) {
      d_.add(path, result.error().message);
      return std::nullopt;
    }
    return std::move(*result);
  }

  std::optional<std::string> read_string(const json& value, const std::string& path, bool nonempty = true) {
    return parsed(value, path, "a string", nonempty ? read_text : read_text_as_is);
  }
  std::optional<core::Duration> duration_at(const json& value, const std::string& path) {
    return parsed(value, path, expected_text("DURATION"), read_duration);
  }
  // A duration that must be more than 0s; `instead` says what leaving it out would mean.
  std::optional<core::Duration> read_positive(const json& value, const std::string& path, std::string_view instead) {
    auto duration = duration_at(value, path);
    if (!duration || duration->count() > 0) return duration;
    d_.add(path, "must be more than 0s" + std::string(instead));
    return std::nullopt;
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
    if (signals.contains("rewrite")) {
      const json& rewrite = signals["rewrite"];
      if (expect(rewrite, "/signals/rewrite", rewrite.is_object(), "an object")) {
        for (const auto& [key, value] : rewrite.items()) read_rewrite(key, value);
      }
    }
    if (signals.contains("triggers")) read_triggers(signals["triggers"]);
  }

  void read_rewrite(const std::string& key, const json& value) {
    const std::string path = pointer_child("/signals/rewrite", key);
    const auto from = parsed(json(key), path, expected_text("SIG"), read_rewrite_from);
    const auto to = parsed(value, path, expected_text("SIG"), read_signal);
    if (from && to && !s_.rewrite.emplace(*from, *to).second) {
      d_.add(path, from->name() + " is rewritten more than once");
    }
  }

  void read_triggers(const json& list) {
    if (!is_array(list, "/signals/triggers")) return;
    if (list.empty()) d_.add("/signals/triggers", "name at least one signal");
    s_.triggers.clear();
    for (std::size_t i = 0; i < list.size(); ++i) {
      const auto path = pointer_child("/signals/triggers", i);
      if (auto signal = parsed(list[i], path, expected_text("SIG"), read_trigger)) s_.triggers.push_back(*signal);
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
      if (is_object(list[i], hook_path, "/hooks/-")) hooks.push_back(read_hook(list[i], hook_path));
    }
    return hooks;
  }

  core::HookSpec read_hook(const json& hook, const std::string& path) {
    core::HookSpec spec;
    read_name(hook, path, spec);
    if (!hook.contains("command")) {
      d_.add(path, "missing required key \"command\"");
    } else {
      spec.via_shell = hook["command"].is_string();
      spec.argv = read_command(hook["command"], pointer_child(path, "command"));
    }
    // A hook killed the moment it starts is always a mistake; leaving timeout out already
    // means "what remains of the phase".
    if (hook.contains("timeout")) {
      spec.timeout = read_positive(hook["timeout"], pointer_child(path, "timeout"),
                                   " (leave it out to give the hook what remains of its phase)");
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
    const auto is_control = [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == '\x7f'; };
    if (std::any_of(name->begin(), name->end(), is_control)) {
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
    if (!expect(env, path, env.is_object(), "an object")) return;
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

  void ready_section(const json& ready) {
    ReadyCheck check;
    if (ready.contains("tcp")) {
      if (auto endpoint = parsed(ready["tcp"], "/ready/tcp", "a string", read_endpoint)) {
        check.endpoint = *endpoint;
        check.text = "tcp:" + ready["tcp"].get<std::string>();
      }
    }
    if (ready.contains("http")) {
      if (auto http = parsed(ready["http"], "/ready/http", "a string", read_http_check)) check = std::move(*http);
    }
    if (ready.contains("command")) {
      check.kind = ReadyCheck::Kind::Command;
      check.argv = read_command(ready["command"], "/ready/command");
      check.text = ready["command"].dump();
    }
    if (ready.contains("tcp") + ready.contains("http") + ready.contains("command") != 1) {
      d_.add("/ready", "name exactly one of \"tcp\", \"http\" or \"command\"");
    }
    for (const auto& [key, field] : {std::pair{"interval", &check.interval}, {"timeout", &check.timeout}}) {
      if (!ready.contains(key)) continue;
      if (auto duration = read_positive(ready[key], pointer_child("/ready", key), "")) *field = *duration;
    }
    // 0s would start the shutdown at the spawn, before any check could pass.
    if (ready.contains("start_timeout")) {
      check.start_timeout = read_positive(ready["start_timeout"], "/ready/start_timeout",
                                          " (leave it out to wait for the first pass for ever)");
    }
    s_.ready = std::move(check);
  }

  Settings& s_;
  Diagnostics& d_;
  std::map<std::string, std::string> hook_names_;  // hook name -> JSON pointer of its name
};

}  // namespace

std::span<const std::string_view> file_pointers() {
  static const std::vector<std::string_view> all = [] {
    std::vector<std::string_view> pointers(kFileOnlyPointers.begin(), kFileOnlyPointers.end());
    for (const Key& key : keys()) {
      if (!key.pointer.empty()) pointers.push_back(key.pointer);
    }
    // The objects the keys lie in ("/signals" of "/signals/forward") are keys too.
    for (std::size_t i = 0; i < pointers.size(); ++i) {
      const std::string_view parent = pointers[i].substr(0, pointers[i].rfind('/'));
      const bool known = parent.empty() || parent.ends_with("/-") ||
                         std::find(pointers.begin(), pointers.end(), parent) != pointers.end();
      if (!known) pointers.push_back(parent);
    }
    return pointers;
  }();
  return all;
}

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
