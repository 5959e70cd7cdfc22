// SPDX-License-Identifier: MIT
#include "cli/cli.hpp"

#include <algorithm>
#include <cstdlib>
#include <string_view>

namespace lastcall::cli {
namespace {

using config::Key;

constexpr std::string_view kSeeHelp = "; see lastcall --help";

// The key whose flags name `arg`: "--grace" or "-t" (flags are "-t,--grace").
const Key* key_for(std::string_view arg) {
  for (const Key& key : config::keys()) {
    for (std::string_view flags = key.flags; !flags.empty();) {
      const auto comma = flags.find(',');
      if (flags.substr(0, comma) == arg) return &key;
      flags.remove_prefix(comma == std::string_view::npos ? flags.size() : comma + 1);
    }
  }
  return nullptr;
}

core::Error usage(std::string message) { return core::Error{std::move(message) + std::string(kSeeHelp)}; }

// Reads the option at argv[i] (and its value, which may be the next argument) into `out`.
core::Result<int> read_option(int i, int argc, const char* const* argv, config::Overrides& out) {
  std::string_view arg = argv[i];
  const bool long_form = arg.starts_with("--");
  const auto equals = long_form ? arg.find('=') : std::string_view::npos;
  // "-t5s": a short option with its value attached.
  const std::string_view name = long_form ? arg.substr(0, equals) : arg.substr(0, 2);
  const Key* key = key_for(name);
  if (key == nullptr) return usage("unknown option " + std::string(name));
  const std::string origin(key->origin());
  std::optional<std::string_view> value;
  if (equals != std::string_view::npos) value = arg.substr(equals + 1);
  if (!long_form && arg.size() > 2) value = arg.substr(2);
  if (key->arity == Key::Arity::Flag) {
    if (value) return usage(origin + " takes no value");
    out.values.push_back({key, "", origin});
    return i + 1;
  }
  if (!value && i + 1 >= argc) return usage(origin + " needs a value: " + std::string(key->type));
  // The last of a value option wins outright: an earlier, even invalid, one is dropped.
  if (key->arity != Key::Arity::Repeat) std::erase_if(out.values, [key](const auto& v) { return v.key == key; });
  out.values.push_back({key, std::string(value ? *value : argv[++i]), origin});
  return i + 1;
}

// The environment's value for every key the command line did not give.
void add_environment(config::Overrides& out) {
  for (const Key& key : config::keys()) {
    if (key.env.empty()) continue;
    const bool given = std::any_of(out.values.begin(), out.values.end(), [&](const auto& v) { return v.key == &key; });
    const char* env = std::getenv(std::string(key.env).c_str());
    // An empty variable counts as unset, as `docker run -e LASTCALL_GRACE=` would leave it.
    if (!given && env != nullptr && *env != '\0') out.values.push_back({&key, env, std::string(key.env)});
  }
}

}  // namespace

core::Result<Parsed> parse(int argc, const char* const* argv) {
  Parsed parsed;
  int i = 1;
  while (i < argc) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") return Parsed{.print = help_text()};
    if (arg == "--version") return Parsed{.print = std::string("lastcall ") + LASTCALL_VERSION + "\n"};
    if (arg == "--") ++i;
    if (arg == "--" || arg.size() < 2 || arg[0] != '-') break;
    auto next = read_option(i, argc, argv, parsed.overrides);
    if (!next) return next.error();
    i = *next;
  }
  parsed.overrides.command.assign(argv + i, argv + argc);
  add_environment(parsed.overrides);
  return parsed;
}

std::string help_text() {
  std::string out =
      "Usage: lastcall [OPTIONS] [--] COMMAND [ARG...]\n"
      "       lastcall [OPTIONS] --check\n\n"
      "Run COMMAND as a child, relay signals to it, and stop it gracefully.\n\n"
      "On a trigger (SIGTERM, SIGINT or SIGQUIT unless --triggers names others): drain,\n"
      "run the pre-stop hooks, send the stop signal, SIGKILL the child when the grace\n"
      "budget ends, run the post-stop hooks, then exit with the child's status. A second\n"
      "trigger forces an exit.\n\nOptions:\n"
      "  -h, --help                  print this help and exit\n"
      "  --version                   print the version and exit\n";
  for (const Key& key : config::keys()) {
    if (key.flags.empty()) continue;
    std::string names(key.flags);
    if (const auto comma = names.find(','); comma != std::string::npos) names.insert(comma + 1, " ");
    std::string line = "  " + names + (key.type.empty() ? "" : " " + std::string(key.type));
    line.resize(std::max<std::size_t>(line.size() + 1, 30), ' ');
    out += line + std::string(key.help) + (key.env.empty() || key.arity == Key::Arity::Flag ? "" : "  [$" + std::string(key.env) + "]") + "\n";
  }
  return out +
         "\nDURATION is 250ms, 1.5s, 2m, 1m30s or a bare number of seconds (24, 0.5).\n"
         "SIG is a name with or without SIG (SIGTERM, term) or a number (15).\n"
         "Precedence: command line > environment > config file > defaults.\n"
         "Hooks, pre_stop_timeout and post_stop_timeout are set in the config file.\n\n"
         "Exit status: the child's (0 for a --success-exit code; 128+N when killed by\n"
         "signal N), 2 for a usage or config error, 126 or 127 when COMMAND cannot run.\n\n"
         "Examples:\n"
         "  lastcall --listen 127.0.0.1:9000 --drain 5s --stop-signal QUIT -- nginx -g 'daemon off;'\n"
         "  lastcall -c /etc/lastcall.json --check\n"
         "  lastcall --rewrite HUP:USR1 --success-exit 143 -- ./server --port 8080\n";
}

}  // namespace lastcall::cli
