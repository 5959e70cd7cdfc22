// SPDX-License-Identifier: MIT
#include "log/logger.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <optional>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "log/terminal.hpp"
#include "log/terminal_support.hpp"

using lastcall::core::LogFormat;
using lastcall::core::LogLevel;
using lastcall::test::ScopedEnv;
using lastcall::test::TestPty;
using namespace lastcall::log;

namespace {

// Returned as a prvalue: guaranteed elision, so ScopedEnv needs no copy or move.
ScopedEnv no_color(const std::optional<std::string>& value) { return ScopedEnv("NO_COLOR", value); }

bool has_escape(const std::string& line) { return line.find('\x1b') != std::string::npos; }

std::string warn_line(const Logger& logger) {
  const Field fields[] = {{"hook", "flush"}, {"status", "timeout"}};
  return logger.format_line(LogLevel::Warn, "hook_finished", "hook flush timed out after 5s", fields);
}

}  // namespace

TEST_CASE("a JSON line has ts, level, event, msg and the fields, in that order") {
  Logger logger(LogFormat::Json, LogLevel::Info, -1);
  const Field fields[] = {{"pid", 42}, {"hook", "flush"}, {"ok", true}};
  const std::string line = logger.format_line(LogLevel::Info, "hook_started", "hook flush started", fields);
  REQUIRE(line.ends_with("}\n"));
  const auto event = nlohmann::ordered_json::parse(line);
  std::vector<std::string> keys;
  for (const auto& [key, value] : event.items()) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"ts", "level", "event", "msg", "pid", "hook", "ok"});
  CHECK(event["level"] == "info");
  CHECK(event["event"] == "hook_started");
  CHECK(event["msg"] == "hook flush started");
  CHECK(event["pid"] == 42);
  CHECK(event["ok"] == true);
  // RFC 3339, UTC, milliseconds: "2026-12-01T06:58:29.123Z".
  const std::string ts = event["ts"];
  CHECK(ts.size() == 24);
  CHECK(ts[10] == 'T');
  CHECK(ts[19] == '.');
  CHECK(ts.back() == 'Z');
}

TEST_CASE("a JSON string escapes quotes, control bytes and invalid UTF-8") {
  std::string out;
  append_json_string(out, "a\"b\\c\n\t\r\x01\x7f caf\xc3\xa9 \xff");
  CHECK(out == "\"a\\\"b\\\\c\\n\\t\\r\\u0001\\u007f caf\xc3\xa9 \\ufffd\"");
}

TEST_CASE("events below the level are not written") {
  Logger logger(LogFormat::Json, LogLevel::Warn, -1);
  CHECK_FALSE(logger.enabled(LogLevel::Info));
  CHECK(logger.enabled(LogLevel::Warn));
  CHECK(logger.enabled(LogLevel::Error));
}

TEST_CASE("a text logger on a terminal colours the level and the event name") {
  const auto unset = no_color(std::nullopt);
  TestPty pty;
  Logger logger(LogFormat::Text, LogLevel::Debug, pty.slave);
  CHECK(logger.is_coloured());
  const std::string line = warn_line(logger);
  CHECK(line.find("\x1b[33mwarn\x1b[0m") != std::string::npos);
  CHECK(line.find("[\x1b[1mhook_finished\x1b[0m hook=flush status=timeout]") != std::string::npos);
  CHECK(line.find("hook flush timed out after 5s") != std::string::npos);
  const Field error_fields[] = {{"error", "x"}};
  const std::string error = logger.format_line(LogLevel::Error, "config_error", "bad", error_fields);
  CHECK(error.find("\x1b[1;31merror\x1b[0m") != std::string::npos);
  SUBCASE("info stays plain and keeps the columns of the uncoloured log") {
    const std::string info = logger.format_line(LogLevel::Info, "child_started", "started", {});
    CHECK_FALSE(has_escape(info));
    CHECK(info.substr(21, 14) == " info  started");
  }
}

TEST_CASE("NO_COLOR with any non-empty value turns the colours off") {
  TestPty pty;
  SUBCASE("set") {
    const auto set = no_color("1");
    CHECK_FALSE(has_escape(warn_line(Logger(LogFormat::Text, LogLevel::Info, pty.slave))));
  }
  SUBCASE("empty counts as unset") {
    const auto empty = no_color("");
    CHECK(has_escape(warn_line(Logger(LogFormat::Text, LogLevel::Info, pty.slave))));
  }
}

TEST_CASE("the JSON log and a log that is not a terminal are never coloured") {
  const auto unset = no_color(std::nullopt);
  TestPty pty;
  CHECK_FALSE(has_escape(warn_line(Logger(LogFormat::Json, LogLevel::Info, pty.slave))));
  int fds[2];
  REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
  CHECK_FALSE(has_escape(warn_line(Logger(LogFormat::Text, LogLevel::Info, fds[1]))));
  close(fds[0]);
  close(fds[1]);
}

TEST_CASE("a text value with a control byte is quoted and escaped, so it cannot act on a terminal") {
  Logger logger(LogFormat::Text, LogLevel::Info, -1);
  const Field fields[] = {{"line", "a\x1b[2Jb"}, {"tab", "a\tb"}, {"plain", "ok"}};
  const std::string line = logger.format_line(LogLevel::Info, "hook_output", "x", fields);
  CHECK(line.find("line=\"a\\u001b[2Jb\"") != std::string::npos);
  CHECK(line.find("tab=\"a\\tb\"") != std::string::npos);
  CHECK(line.find("plain=ok") != std::string::npos);
  CHECK(line.find('\x1b') == std::string::npos);
}

TEST_CASE("the text summary block is written in text format only") {
  int fds[2];
  REQUIRE(pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0);
  {
    Logger json(LogFormat::Json, LogLevel::Info, fds[1]);
    json.text_block("\n  lastcall summary\n");
    Logger text(LogFormat::Text, LogLevel::Info, fds[1]);
    text.text_block("\n  lastcall summary\n");
  }
  char buf[256];
  const ssize_t n = read(fds[0], buf, sizeof buf);
  CHECK(std::string(buf, static_cast<std::size_t>(std::max<ssize_t>(n, 0))) == "\n  lastcall summary\n");
  close(fds[0]);
  close(fds[1]);
}
