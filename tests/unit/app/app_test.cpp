// SPDX-License-Identifier: MIT
#include "app/app.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "process_support.hpp"

using namespace lastcall;

namespace {

config::Overrides with(const std::vector<std::pair<std::string, std::string>>& values) {
  config::Overrides overrides;
  for (const auto& [name, value] : values) overrides.values.push_back({config::find_key(name), value, name});
  return overrides;
}

// What report_setup_error writes to stderr, and what it returns.
std::pair<std::string, int> reported(const core::Error& error, std::optional<core::LogFormat> format,
                                     std::string_view event = core::event::kConfigError) {
  test::Pipe err;
  const int saved = dup(STDERR_FILENO);
  REQUIRE(saved >= 0);
  REQUIRE(dup2(err.write_end, STDERR_FILENO) == STDERR_FILENO);
  const int code = app::report_setup_error(error, format, event);
  REQUIRE(dup2(saved, STDERR_FILENO) == STDERR_FILENO);
  close(saved);
  err.close_write();
  return {test::read_to_end(err.read_end), code};
}

}  // namespace

TEST_CASE("an error before the settings are resolved is logged in the format the user asked for") {
  CHECK(app::requested_format(with({{"--log-format", "text"}})) == core::LogFormat::Text);
  CHECK(app::requested_format(with({{"LASTCALL_LOG_FORMAT", "json"}})) == core::LogFormat::Json);
  CHECK_FALSE(app::requested_format(with({{"--log-format", "xml"}})).has_value());
  CHECK_FALSE(app::requested_format(with({{"--grace", "1s"}})).has_value());
  CHECK(app::requested_format(with({{"--log-format", "xml"}, {"--log-format", "text"}})) == core::LogFormat::Text);
}

TEST_CASE("a setup error is one log event naming what went wrong, and its exit code") {
  SUBCASE("json") {
    const auto [out, code] = reported(core::Error{"--grace: invalid duration \"x\"", 2}, core::LogFormat::Json);
    CHECK(code == 2);
    const auto event = nlohmann::json::parse(out);
    CHECK(event["level"] == "error");
    CHECK(event["event"] == "config_error");
    CHECK(event["msg"] == "lastcall: --grace: invalid duration \"x\"");
    CHECK(event["error"] == "--grace: invalid duration \"x\"");
  }
  SUBCASE("a COMMAND that cannot run") {
    const auto [out, code] =
        reported(core::Error{"app: command not found", 127}, core::LogFormat::Json, core::event::kSpawnFailed);
    CHECK(code == 127);
    CHECK(nlohmann::json::parse(out)["event"] == "child_not_started");
  }
  SUBCASE("text") {
    const auto [out, code] = reported(core::Error{"bad", 2}, core::LogFormat::Text);
    CHECK(code == 2);
    CHECK(out.starts_with("lastcall "));
    CHECK(out.find("lastcall: bad") != std::string::npos);
    CHECK(out.find("config_error") != std::string::npos);
  }
}
