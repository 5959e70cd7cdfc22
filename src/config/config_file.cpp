// SPDX-License-Identifier: MIT
#include "config/config_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <csignal>
#include <variant>

#include "config/diagnostics.hpp"
#include "config/hook_reader.hpp"
#include "config/json_fields.hpp"
#include "config/signal_parser.hpp"
#include "config/json_text.hpp"
#include "config/listen_parser.hpp"

namespace lastcall::config {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 11> kTopKeys{
    "grace",   "stop_signal",        "drain", "pre_stop_timeout", "post_stop_timeout",
    "signals", "success_exit_codes", "hooks", "listen",           "user",
    "group"};
constexpr std::array<std::string_view, 2> kSignalsKeys{"forward", "rewrite"};
constexpr std::array<std::string_view, 2> kHooksKeys{"pre_stop", "post_stop"};

// Reads the top level of one config file into a FileConfig, collecting every problem.
class FileReader {
 public:
  explicit FileReader(Diagnostics& diagnostics) : diagnostics_(diagnostics), hooks_(diagnostics) {}

  FileConfig read(const json& root) {
    if (!expect_object(root, "", diagnostics_)) return config_;
    check_keys(root, "", kTopKeys, diagnostics_);
    read_durations(root);
    if (root.contains("stop_signal")) {
      config_.stop_signal = read_signal(root["stop_signal"], "/stop_signal", diagnostics_);
    }
    if (root.contains("signals")) read_signals(root["signals"]);
    if (root.contains("success_exit_codes")) read_success_codes(root["success_exit_codes"]);
    if (root.contains("hooks")) read_hooks(root["hooks"]);
    if (root.contains("listen")) read_listen(root["listen"]);
    if (root.contains("user")) config_.user = read_nonempty_string(root["user"], "/user", diagnostics_);
    if (root.contains("group")) config_.group = read_nonempty_string(root["group"], "/group", diagnostics_);
    return config_;
  }

 private:
  void read_durations(const json& root) {
    const std::array<std::pair<std::string_view, std::optional<core::Duration>*>, 4> fields{{
        {"grace", &config_.grace},
        {"drain", &config_.drain},
        {"pre_stop_timeout", &config_.pre_stop_timeout},
        {"post_stop_timeout", &config_.post_stop_timeout},
    }};
    for (const auto& [key, field] : fields) {
      if (!root.contains(key)) continue;
      *field = read_duration(root[std::string(key)], pointer_child("", key), diagnostics_);
    }
  }

  void read_signals(const json& signals) {
    if (!expect_object(signals, "/signals", diagnostics_)) return;
    check_keys(signals, "/signals", kSignalsKeys, diagnostics_);
    if (signals.contains("forward")) read_forward(signals["forward"]);
    if (signals.contains("rewrite")) read_rewrite(signals["rewrite"]);
  }

  void read_forward(const json& forward) {
    auto text = read_string(forward, "/signals/forward", diagnostics_);
    if (!text) return;
    config_.forward = by_name(kForwardModes, *text);
    if (!config_.forward) {
      diagnostics_.add("/signals/forward", "expected \"group\" or \"child\", got \"" + *text + "\"");
    }
  }

  void read_rewrite(const json& rewrite) {
    const std::string path = "/signals/rewrite";
    if (!expect_object(rewrite, path, diagnostics_)) return;
    config_.rewrite.emplace();
    for (const auto& [key, value] : rewrite.items()) {
      const std::string entry_path = pointer_child(path, key);
      auto from = read_signal(json(key), entry_path, diagnostics_);
      auto to = read_signal(value, entry_path, diagnostics_);
      if (!from || !to) continue;
      if (auto problem = rewrite_source_problem(*from)) {
        diagnostics_.add(entry_path, std::move(*problem));
      } else if (!config_.rewrite->emplace(*from, *to).second) {
        diagnostics_.add(entry_path, from->name() + " is rewritten more than once");
      }
    }
  }

  void read_success_codes(const json& codes) {
    const std::string path = "/success_exit_codes";
    if (!expect_array(codes, path, diagnostics_)) return;
    config_.success_exit_codes.emplace();
    for (std::size_t i = 0; i < codes.size(); ++i) {
      auto code = read_int(codes[i], pointer_child(path, i), 0, 255, diagnostics_);
      if (code) config_.success_exit_codes->push_back(*code);
    }
  }

  void read_hooks(const json& hooks) {
    if (!expect_object(hooks, "/hooks", diagnostics_)) return;
    check_keys(hooks, "/hooks", kHooksKeys, diagnostics_);
    if (hooks.contains("pre_stop")) {
      config_.pre_stop = hooks_.read_phase(hooks["pre_stop"], "/hooks/pre_stop");
    }
    if (hooks.contains("post_stop")) {
      config_.post_stop = hooks_.read_phase(hooks["post_stop"], "/hooks/post_stop");
    }
  }

  void read_listen(const json& listen) {
    config_.listen = read_parsed(listen, "/listen", diagnostics_, "a string", {.what = "address", .hint = kListenHint},
                                 parse_listen);
  }

  Diagnostics& diagnostics_;
  HookReader hooks_;
  FileConfig config_;
};

// The whole file, or the errno that stopped reading it (EISDIR for a directory).
std::variant<std::string, int> read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  std::string text;
  std::array<char, 4096> buffer{};
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : 0;
      ::close(fd);
      if (error != 0) return error;
      return text;
    }
    text.append(buffer.data(), static_cast<std::size_t>(n));
  }
}

}  // namespace

core::Result<FileConfig> load_config_file(const std::string& path) {
  auto contents = read_file(path);
  if (const int* error = std::get_if<int>(&contents)) {
    return core::Error{.message = "config " + path + ": cannot read: " + std::strerror(*error),
                       .exit_code = core::kExitUsage};
  }
  return parse_config_text(std::get<std::string>(contents), path);
}

core::Result<FileConfig> parse_config_text(std::string_view text, std::string_view source_name) {
  Diagnostics diagnostics;
  auto root = parse_json_text(text, diagnostics);
  FileConfig config;
  if (root) config = FileReader(diagnostics).read(*root);
  if (!diagnostics.empty()) return diagnostics.to_error(source_name);
  return config;
}

}  // namespace lastcall::config
