// SPDX-License-Identifier: MIT
#include "cli/cli.hpp"

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/help_formatter.hpp"

namespace lastcall::cli {
namespace {

constexpr std::string_view kUsageHint = "; see lastcall --help";

// The values CLI11 writes into while parsing; they outlive the CLI::App that points to them.
struct Values {
  std::string config;
  std::string grace;
  std::string stop_signal;
  std::string drain;
  std::string forward;
  std::vector<std::string> rewrite;
  std::vector<std::string> success_exit;
  std::string log_format;
  std::string log_level;
  std::string listen;
  bool exit_by_signal = false;
  bool insecure_config = false;
  bool check = false;
};

// A value option: one value per use, the last use wins so a wrapper can append overrides.
CLI::Option* add_value(CLI::App& app, const std::string& flags, std::string& into,
                       const std::string& type, const std::string& help) {
  return app.add_option(flags, into, help)
      ->type_name(type)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

// A repeatable option: one value per use (so `--rewrite A:B sleep` leaves `sleep` alone).
CLI::Option* add_repeatable(CLI::App& app, const std::string& flags,
                            std::vector<std::string>& into, const std::string& type,
                            const std::string& help) {
  return app.add_option(flags, into, help)->type_name(type)->allow_extra_args(false);
}

void add_options(CLI::App& app, Values& values) {
  add_value(app, "-c,--config", values.config, "FILE", "JSON config file  [$LASTCALL_CONFIG]");
  add_value(app, "-t,--grace", values.grace, "DURATION",
            "whole shutdown budget, trigger to SIGKILL (24s)  [$LASTCALL_GRACE]");
  add_value(app, "--stop-signal", values.stop_signal, "SIG",
            "signal that asks the child to stop (the trigger signal)");
  add_value(app, "--drain", values.drain, "DURATION",
            "pause after the trigger, before pre-stop hooks (0s)  [$LASTCALL_DRAIN]");
  add_value(app, "--forward", values.forward, "group|child",
            "relay to the child's process group or to the child alone (group)");
  add_repeatable(app, "--rewrite", values.rewrite, "FROM:TO",
                 "relay signal FROM as TO; repeatable");
  add_repeatable(app, "--success-exit", values.success_exit, "CODE",
                 "treat this exit code as 0; repeatable; 128+N for signal N");
  add_value(app, "--log-format", values.log_format, "text|json",
            "lastcall's log on stderr (text on a TTY, else json)  [$LASTCALL_LOG_FORMAT]");
  add_value(app, "--log-level", values.log_level, "LEVEL",
            "debug, info, warn or error (info)  [$LASTCALL_LOG_LEVEL]");
  add_value(app, "--listen", values.listen, "ADDR:PORT",
            "serve /healthz, /readyz and /metrics over HTTP (off)  [$LASTCALL_LISTEN]");
  app.add_flag("--exit-by-signal", values.exit_by_signal,
               "die of the child's fatal signal instead of exiting 128+N (on under systemd)");
  app.add_flag("--insecure-config", values.insecure_config,
               "as root, load a config file that users other than root can change; dangerous: "
               "whoever can write the file runs commands as root");
  app.add_flag("--check", values.check,
               "print the resolved plan as JSON and exit: 0 if valid, 2 if not");
}

std::optional<std::string> environment(const char* name) {
  const char* value = std::getenv(name);
  // An empty variable counts as unset, as `docker run -e LASTCALL_GRACE=` would leave it.
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

// The command line's value when the option was given, else the environment's, else none.
std::optional<Raw> pick(const CLI::App& app, const std::string& option, const std::string& value,
                        const char* env_name = nullptr) {
  if (app.count(option) > 0) return Raw{.value = value, .origin = option};
  if (env_name == nullptr) return std::nullopt;
  if (auto env = environment(env_name)) return Raw{.value = *env, .origin = env_name};
  return std::nullopt;
}

std::vector<Raw> all_of(const std::string& option, const std::vector<std::string>& values) {
  std::vector<Raw> raws;
  for (const auto& value : values) raws.push_back(Raw{.value = value, .origin = option});
  return raws;
}

// systemd sets INVOCATION_ID for every service it runs (systemd.exec(5)), and a unit
// reports a child killed by a signal best when its main process dies of that signal too.
std::optional<Raw> exit_by_signal(const Values& values) {
  if (values.exit_by_signal) return Raw{.value = "true", .origin = "--exit-by-signal"};
  if (environment("INVOCATION_ID")) return Raw{.value = "true", .origin = "INVOCATION_ID"};
  return std::nullopt;
}

Overrides to_overrides(const CLI::App& app, const Values& values) {
  Overrides out;
  out.config = pick(app, "--config", values.config, "LASTCALL_CONFIG");
  out.grace = pick(app, "--grace", values.grace, "LASTCALL_GRACE");
  out.stop_signal = pick(app, "--stop-signal", values.stop_signal);
  out.drain = pick(app, "--drain", values.drain, "LASTCALL_DRAIN");
  out.forward = pick(app, "--forward", values.forward);
  out.rewrite = all_of("--rewrite", values.rewrite);
  out.success_exit = all_of("--success-exit", values.success_exit);
  out.log_format = pick(app, "--log-format", values.log_format, "LASTCALL_LOG_FORMAT");
  out.log_level = pick(app, "--log-level", values.log_level, "LASTCALL_LOG_LEVEL");
  out.listen = pick(app, "--listen", values.listen, "LASTCALL_LISTEN");
  out.exit_by_signal = exit_by_signal(values);
  out.insecure_config = values.insecure_config;
  out.check = values.check;
  return out;
}

core::Error usage_error(std::string message) {
  return core::Error{.message = std::move(message) + std::string(kUsageHint),
                     .exit_code = core::kExitUsage};
}

// What CLI11 left unparsed is the COMMAND: everything after `--`, or from the first
// positional on (prefix_command). Anything else it left is an option it does not know.
core::Result<std::vector<std::string>> command_of(std::vector<std::string> rest) {
  if (!rest.empty() && rest.front() == "--") {
    rest.erase(rest.begin());
    return rest;
  }
  if (!rest.empty() && rest.front().size() > 1 && rest.front().front() == '-') {
    return usage_error("unknown option " + rest.front());
  }
  return rest;
}

void configure(CLI::App& app, Values& values) {
  app.formatter(std::make_shared<HelpFormatter>());
  app.footer(help_footer());
  app.prefix_command(true);
  app.set_help_flag("-h,--help", "print this help and exit");
  app.set_version_flag("--version", std::string("lastcall ") + LASTCALL_VERSION,
                       "print the version and exit");
  add_options(app, values);
}

}  // namespace

core::Result<Parsed> parse(int argc, const char* const* argv) {
  Values values;
  CLI::App app(help_description(), "lastcall");
  configure(app, values);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& success) {
    // --help or --version: CLI11 prints the text; its exit code is 0.
    return Parsed{.exit_now = app.exit(success, std::cout, std::cerr), .overrides = {}};
  } catch (const CLI::ParseError& error) {
    return usage_error(error.what());
  }
  auto command = command_of(app.remaining());
  if (!command) return command.error();
  Parsed parsed{.exit_now = std::nullopt, .overrides = to_overrides(app, values)};
  parsed.overrides.command = std::move(*command);
  if (parsed.overrides.command.empty() && !parsed.overrides.check) {
    return core::Error{.message = "no COMMAND given; usage: lastcall [OPTIONS] [--] COMMAND [ARG...]",
                       .exit_code = core::kExitUsage};
  }
  return parsed;
}

}  // namespace lastcall::cli
