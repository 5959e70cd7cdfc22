// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace lastcall::cli {

// CLI11's help layout with lastcall's two usage lines: CLI11 knows no COMMAND [ARG...]
// because the command is what it leaves unparsed. Lives as long as the CLI::App it formats.
class HelpFormatter : public CLI::Formatter {
 public:
  [[nodiscard]] std::string make_usage(const CLI::App* app, std::string name) const override;
  // Without CLI11's " ..." after repeatable options: each use takes exactly one value.
  [[nodiscard]] std::string make_option_opts(const CLI::Option* option) const override;
};

// The paragraphs above and below the option list.
[[nodiscard]] std::string help_description();
[[nodiscard]] std::string help_footer();

}  // namespace lastcall::cli
