// SPDX-License-Identifier: MIT
#include "cli/cli.hpp"

#include <cstdlib>
#include <deque>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/help_formatter.hpp"

namespace lastcall::cli {
namespace {

using config::Key;

// What CLI11 writes into while parsing, one slot per key: they outlive the CLI::App.
struct Slot {
  const Key* key = nullptr;
  std::vector<std::string> values{};
  bool flag = false;
  CLI::Option* option = nullptr;
};

void add_option(CLI::App& app, Slot& slot) {
  const Key& key = *slot.key;
  if (key.arity == Key::Arity::Flag) {
    slot.option = app.add_flag(std::string(key.flags), slot.flag, std::string(key.help));
    return;
  }
  std::string help(key.help);
  if (!key.env.empty()) help += "  [$" + std::string(key.env) + "]";
  slot.option = app.add_option(std::string(key.flags), slot.values, help)->type_name(std::string(key.type));
  // A repeatable option takes one value per use (so `--rewrite A:B sleep` leaves `sleep`
  // alone); a value option given twice keeps the last, so a wrapper can append overrides.
  slot.option->allow_extra_args(false);
  if (key.arity == Key::Arity::One) slot.option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

// The command line's values of a key when it was given, else its environment variable's.
void collect(const Slot& slot, config::Overrides& out) {
  const Key& key = *slot.key;
  const std::string origin(key.origin());
  if (slot.option->count() > 0) {
    if (key.arity == Key::Arity::Flag) out.values.push_back({&key, "", origin});
    for (const auto& value : slot.values) out.values.push_back({&key, value, origin});
    return;
  }
  const char* env = key.env.empty() ? nullptr : std::getenv(std::string(key.env).c_str());
  // An empty variable counts as unset, as `docker run -e LASTCALL_GRACE=` would leave it.
  if (env != nullptr && *env != '\0') out.values.push_back({&key, env, std::string(key.env)});
}

// What CLI11 left unparsed is the COMMAND: everything after `--`, or from the first
// positional on (prefix_command). Anything else it left is an option it does not know.
core::Result<std::vector<std::string>> command_of(std::vector<std::string> rest) {
  if (!rest.empty() && rest.front() == "--") {
    rest.erase(rest.begin());
  } else if (!rest.empty() && rest.front().size() > 1 && rest.front().front() == '-') {
    return core::Error{"unknown option " + rest.front() + "; see lastcall --help"};
  }
  return rest;
}

}  // namespace

core::Result<Parsed> parse(int argc, const char* const* argv) {
  CLI::App app(help_description(), "lastcall");
  app.formatter(std::make_shared<HelpFormatter>());
  app.footer(help_footer());
  app.prefix_command(true);
  app.set_help_flag("-h,--help", "print this help and exit");
  app.set_version_flag("--version", std::string("lastcall ") + LASTCALL_VERSION, "print the version and exit");
  std::deque<Slot> slots;
  for (const Key& key : config::keys()) {
    if (key.flags.empty()) continue;
    add_option(app, slots.emplace_back(Slot{.key = &key, .values = {}, .flag = false, .option = nullptr}));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& success) {
    // --help or --version: CLI11 prints the text; its exit code is 0.
    return Parsed{.exit_now = app.exit(success, std::cout, std::cerr), .overrides = {}};
  } catch (const CLI::ParseError& error) {
    return core::Error{std::string(error.what()) + "; see lastcall --help"};
  }
  auto command = command_of(app.remaining());
  if (!command) return command.error();
  Parsed parsed;
  for (const auto& slot : slots) collect(slot, parsed.overrides);
  parsed.overrides.command = std::move(*command);
  return parsed;
}

}  // namespace lastcall::cli
