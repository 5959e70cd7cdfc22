// SPDX-License-Identifier: MIT
#include "cli/help_formatter.hpp"

namespace lastcall::cli {

std::string HelpFormatter::make_usage(const CLI::App* /*app*/, std::string name) const {
  return "Usage: " + name + " [OPTIONS] [--] COMMAND [ARG...]\n" +
         "       " + name + " [OPTIONS] --check\n";
}

std::string HelpFormatter::make_option_opts(const CLI::Option* option) const {
  std::string opts = CLI::Formatter::make_option_opts(option);
  constexpr std::string_view kEllipsis = " ...";
  if (opts.ends_with(kEllipsis)) opts.resize(opts.size() - kEllipsis.size());
  return opts;
}

std::string help_description() {
  return "Run COMMAND as a child, relay signals to it, and stop it gracefully.\n"
         "\n"
         "On SIGTERM, SIGINT or SIGQUIT: drain, run the pre-stop hooks, send the stop\n"
         "signal, SIGKILL the child when the grace budget ends, run the post-stop hooks,\n"
         "then exit with the child's status. A second such signal forces an exit.\n";
}

std::string help_footer() {
  return "DURATION is 250ms, 1.5s, 2m, 1m30s or a bare number of seconds (24, 0.5).\n"
         "SIG is a name with or without SIG (SIGTERM, term) or a number (15).\n"
         "Precedence: command line > environment > config file > defaults.\n"
         "Hooks, pre_stop_timeout and post_stop_timeout are set in the config file.\n"
         "\n"
         "Exit status: the child's (0 for a --success-exit code; 128+N when killed by\n"
         "signal N), 2 for a usage or config error, 126 or 127 when COMMAND cannot run.\n"
         "\n"
         "Examples:\n"
         "  lastcall --grace 30s --drain 5s -- nginx -g 'daemon off;'\n"
         "  lastcall -c /etc/lastcall.json --check\n"
         "  lastcall --rewrite HUP:USR1 --success-exit 143 -- ./server --port 8080\n";
}

}  // namespace lastcall::cli
