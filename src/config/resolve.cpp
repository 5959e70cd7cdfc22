// SPDX-License-Identifier: MIT
#include "config/resolve.hpp"

#include <algorithm>
#include <csignal>
#include <string>
#include <vector>

#include <unistd.h>

#include "config/config_trust.hpp"
#include "config/duration_parser.hpp"
#include "config/host_binding.hpp"
#include "config/json_fields.hpp"
#include "config/listen_parser.hpp"
#include "config/signal_parser.hpp"

namespace lastcall::config {
namespace {

// "a, b or c".
template <class Enum, std::size_t N>
std::string one_of(const std::array<Enum, N>& choices) {
  std::string out;
  for (std::size_t i = 0; i < N; ++i) {
    if (i > 0) out += i + 1 == N ? " or " : ", ";
    out += name(choices[i]);
  }
  return out;
}

// Turns the raw overrides into typed values, one problem line per bad value.
class OverrideReader {
 public:
  [[nodiscard]] std::optional<core::Duration> duration(const std::optional<cli::Raw>& raw) {
    if (!raw) return std::nullopt;
    auto value = parse_duration(raw->value);
    if (!value) fail(*raw, "invalid duration", kDurationHint);
    return value;
  }

  [[nodiscard]] std::optional<core::Signal> signal(const cli::Raw& raw, std::string_view text) {
    auto value = parse_signal(text);
    if (!value) fail(cli::Raw{std::string(text), raw.origin}, "invalid signal", kSignalHint);
    return value;
  }

  // One of `choices`, as its index.
  template <class Enum, std::size_t N>
  [[nodiscard]] std::optional<Enum> choice(const std::optional<cli::Raw>& raw, const std::array<Enum, N>& choices) {
    if (!raw) return std::nullopt;
    const auto found = by_name(choices, raw->value);
    if (!found) fail(*raw, "invalid value", "use " + one_of(choices));
    return found;
  }

  [[nodiscard]] std::optional<ListenAddress> listen(const std::optional<cli::Raw>& raw) {
    if (!raw) return std::nullopt;
    auto value = parse_listen(raw->value);
    if (!value) fail(*raw, "invalid address", kListenHint);
    return value;
  }

  [[nodiscard]] std::optional<int> exit_code(const cli::Raw& raw) {
    const std::string& text = raw.value;
    const bool digits = !text.empty() && text.size() <= 3 &&
                        std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits && std::stoi(text) <= 255) return std::stoi(text);
    fail(raw, "invalid exit code", "use an integer 0..255; 128+N for signal N");
    return std::nullopt;
  }

  void rewrite(const cli::Raw& raw, std::map<core::Signal, core::Signal>& out) {
    const std::size_t colon = raw.value.find(':');
    if (colon == std::string::npos || raw.value.find(':', colon + 1) != std::string::npos) {
      fail(raw, "invalid rewrite", "use FROM:TO, such as HUP:USR1");
      return;
    }
    auto from = signal(raw, std::string_view(raw.value).substr(0, colon));
    auto to = signal(raw, std::string_view(raw.value).substr(colon + 1));
    if (!from || !to) return;
    if (auto problem = rewrite_source_problem(*from)) {
      problems_.push_back(raw.origin + ": " + *problem);
      return;
    }
    out[*from] = *to;
  }

  void add(std::string problem) { problems_.push_back(std::move(problem)); }
  [[nodiscard]] const std::vector<std::string>& problems() const { return problems_; }

 private:
  void fail(const cli::Raw& raw, std::string_view what, std::string_view hint) {
    problems_.push_back(raw.origin + ": " + std::string(what) + " \"" + raw.value + "\" (" +
                        std::string(hint) + ")");
  }

  std::vector<std::string> problems_;
};

// Descending priority; std::stable_sort keeps file order within a priority.
std::vector<HookSpec> in_execution_order(std::vector<HookSpec> hooks) {
  std::stable_sort(hooks.begin(), hooks.end(),
                   [](const HookSpec& a, const HookSpec& b) { return a.priority > b.priority; });
  return hooks;
}

void apply_durations(OverrideReader& reader, const cli::Overrides& overrides,
                     const FileConfig& file, Settings& settings) {
  settings.grace = reader.duration(overrides.grace).value_or(file.grace.value_or(kDefaultGrace));
  settings.drain = reader.duration(overrides.drain).value_or(file.drain.value_or(kDefaultDrain));
  settings.pre_stop_timeout = file.pre_stop_timeout.value_or(settings.grace / 2);
  settings.post_stop_timeout = file.post_stop_timeout.value_or(kDefaultPostStopTimeout);
}

void apply_signals(OverrideReader& reader, const cli::Overrides& overrides,
                   const FileConfig& file, Settings& settings) {
  settings.stop_signal = file.stop_signal;
  if (overrides.stop_signal) {
    settings.stop_signal = reader.signal(*overrides.stop_signal, overrides.stop_signal->value);
  }
  settings.forward = file.forward.value_or(ForwardMode::Group);
  if (auto forward = reader.choice(overrides.forward, kForwardModes)) settings.forward = *forward;
  settings.rewrite = file.rewrite.value_or(std::map<core::Signal, core::Signal>{});
  for (const auto& raw : overrides.rewrite) reader.rewrite(raw, settings.rewrite);
}

void apply_exit_codes(OverrideReader& reader, const cli::Overrides& overrides,
                      const FileConfig& file, Settings& settings) {
  settings.success_exit_codes = file.success_exit_codes.value_or(std::vector<int>{});
  for (const auto& raw : overrides.success_exit) {
    if (auto code = reader.exit_code(raw)) settings.success_exit_codes.push_back(*code);
  }
  auto& codes = settings.success_exit_codes;
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
}

void apply_log(OverrideReader& reader, const cli::Overrides& overrides, bool stderr_is_tty,
               Settings& settings) {
  settings.log_format = reader.choice(overrides.log_format, kLogFormats).value_or(default_log_format(stderr_is_tty));
  settings.log_level = reader.choice(overrides.log_level, kLogLevels).value_or(LogLevel::Info);
}

core::Error joined(const std::vector<std::string>& problems) {
  std::string message;
  for (const auto& problem : problems) message += (message.empty() ? "" : "\n") + problem;
  return core::Error{.message = std::move(message), .exit_code = core::kExitUsage};
}

}  // namespace

core::Result<Settings> resolve(const cli::Overrides& overrides, const FileConfig& file,
                               bool stderr_is_tty) {
  OverrideReader reader;
  Settings settings;
  settings.command = overrides.command;
  settings.check = overrides.check;
  if (overrides.config) settings.config_path = overrides.config->value;
  apply_durations(reader, overrides, file, settings);
  apply_signals(reader, overrides, file, settings);
  apply_exit_codes(reader, overrides, file, settings);
  apply_log(reader, overrides, stderr_is_tty, settings);
  settings.listen = overrides.listen ? reader.listen(overrides.listen) : file.listen;
  settings.exit_by_signal = overrides.exit_by_signal.has_value();
  settings.user = file.user;
  settings.group = file.group;
  settings.pre_stop = in_execution_order(file.pre_stop.value_or(std::vector<HookSpec>{}));
  settings.post_stop = in_execution_order(file.post_stop.value_or(std::vector<HookSpec>{}));
  if (settings.command.empty() && !settings.check) {
    reader.add("no COMMAND given; usage: lastcall [OPTIONS] [--] COMMAND [ARG...]");
  }
  if (!reader.problems().empty()) return joined(reader.problems());
  return settings;
}

core::Result<Settings> resolve(const cli::Overrides& overrides, bool stderr_is_tty) {
  FileConfig file;
  std::vector<std::string> file_problems;
  if (overrides.config && overrides.config->value.empty()) {
    file_problems.push_back(overrides.config->origin + ": the config file path is empty");
  } else if (overrides.config) {
    const auto distrust = overrides.insecure_config ? std::nullopt
                                                    : check_config_trust(overrides.config->value, geteuid());
    auto loaded = distrust ? core::Result<FileConfig>(*distrust) : load_config_file(overrides.config->value);
    if (loaded) file = std::move(*loaded);
    if (!loaded) file_problems.push_back(loaded.error().message);
  }
  auto settings = resolve(overrides, file, stderr_is_tty);
  if (settings && file_problems.empty()) {
    const auto problems = bind_to_host(*settings, current_directory());
    if (!problems.empty()) return joined(problems);
  }
  if (file_problems.empty()) return settings;
  // Report the command line's problems too, so that one run shows every mistake.
  if (!settings) file_problems.push_back(settings.error().message);
  return joined(file_problems);
}

}  // namespace lastcall::config
