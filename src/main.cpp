// SPDX-License-Identifier: MIT
#include <unistd.h>

#include <cstdio>

#include "app/app.hpp"
#include "cli/cli.hpp"
#include "config/plan.hpp"
#include "config/resolve.hpp"
#include "signals/signal_router.hpp"

using namespace lastcall;

int main(int argc, char** argv) {
  // Before anything else: from here on no signal that reaches lastcall is lost.
  const auto inherited = signals::take_over();
  auto parsed = cli::parse(argc, argv);
  if (!parsed) return app::report_setup_error(parsed.error(), std::nullopt);
  if (parsed->print) return std::fputs(parsed->print->c_str(), stdout) < 0 ? 1 : 0;

  auto settings = config::resolve(parsed->overrides, isatty(STDERR_FILENO) == 1);
  if (!settings) return app::report_setup_error(settings.error(), app::requested_format(parsed->overrides));

  if (settings->check) {
    std::fputs(config::plan_json(*settings).c_str(), stdout);
    return 0;
  }
  return app::run(*settings, inherited);
}
