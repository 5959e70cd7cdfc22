// SPDX-License-Identifier: MIT
#include "config/keys.hpp"

#include <csignal>
#include <set>
#include <string>

#include <doctest/doctest.h>

using lastcall::config::find_key;
using lastcall::config::ForwardMode;
using lastcall::config::Key;
using lastcall::config::keys;
using lastcall::config::ReadyCheck;
using lastcall::config::Settings;
using lastcall::core::LogFormat;
using lastcall::core::LogLevel;
using lastcall::core::Signal;
using std::chrono::milliseconds;

namespace {

// Applies `text` through the key named `name` onto `settings`; the problem, or "".
std::string apply(Settings& settings, std::string_view name, std::string_view text) {
  const Key* key = find_key(name);
  REQUIRE_MESSAGE(key != nullptr, std::string(name));
  return key->apply(settings, text);
}

}  // namespace

TEST_CASE("each setting is named once: no flag, variable or JSON pointer belongs to two keys") {
  std::set<std::string_view> flags, envs, pointers;
  for (const Key& key : keys()) {
    CAPTURE(key.origin());
    const bool applies = key.apply != nullptr;
    REQUIRE(applies);
    if (!key.flags.empty()) {
      CHECK(flags.insert(key.origin()).second);
      CHECK(key.origin().starts_with("--"));
      CHECK_FALSE(key.help.empty());
    }
    if (!key.env.empty()) CHECK(envs.insert(key.env).second);
    if (!key.pointer.empty()) CHECK(pointers.insert(key.pointer).second);
    CHECK((!key.flags.empty() || !key.env.empty() || !key.pointer.empty()));
  }
  for (const char* flag : {"--config", "--grace", "--stop-signal", "--drain", "--forward", "--rewrite", "--triggers",
                           "--success-exit", "--log-format", "--log-level", "--listen", "--ready", "--exit-by-signal",
                           "--insecure-config", "--check"}) {
    CAPTURE(flag);
    CHECK(flags.count(flag) == 1);
  }
  for (const char* env : {"LASTCALL_CONFIG", "LASTCALL_GRACE", "LASTCALL_DRAIN", "LASTCALL_LOG_FORMAT",
                          "LASTCALL_LOG_LEVEL", "LASTCALL_LISTEN", "INVOCATION_ID"}) {
    CAPTURE(env);
    CHECK(envs.count(env) == 1);
  }
}

TEST_CASE("a key is found by its long flag, its variable or its JSON pointer, and named by its flag first") {
  const Key* grace = find_key("--grace");
  REQUIRE(grace != nullptr);
  CHECK(find_key("LASTCALL_GRACE") == grace);
  CHECK(find_key("/grace") == grace);
  CHECK(grace->origin() == "--grace");
  CHECK(grace->flags == "-t,--grace");
  CHECK(grace->arity == Key::Arity::One);
  CHECK(find_key("/pre_stop_timeout")->origin() == "/pre_stop_timeout");
  CHECK(find_key("--rewrite")->arity == Key::Arity::Repeat);
  CHECK(find_key("--success-exit")->arity == Key::Arity::Repeat);
  CHECK(find_key("--check")->arity == Key::Arity::Flag);
  CHECK(find_key("--nope") == nullptr);
  CHECK(find_key("-t") == nullptr);
}

TEST_CASE("each key parses its own text onto the settings") {
  Settings s;
  CHECK(apply(s, "--grace", "1m30s") == "");
  CHECK(s.grace == milliseconds(90'000));
  CHECK(apply(s, "--drain", "250ms") == "");
  CHECK(s.drain == milliseconds(250));
  CHECK(apply(s, "/pre_stop_timeout", "3s") == "");
  CHECK(s.pre_stop_timeout == milliseconds(3'000));
  CHECK(apply(s, "/post_stop_timeout", "0.5") == "");
  CHECK(s.post_stop_timeout == milliseconds(500));
  CHECK(apply(s, "--stop-signal", "usr2") == "");
  CHECK(s.stop_signal == Signal(SIGUSR2));
  CHECK(apply(s, "--forward", "child") == "");
  CHECK(s.forward == ForwardMode::Child);
  CHECK(apply(s, "--log-format", "text") == "");
  CHECK(s.log_format == LogFormat::Text);
  CHECK(apply(s, "--log-level", "warn") == "");
  CHECK(s.log_level == LogLevel::Warn);
  CHECK(apply(s, "--listen", "[::1]:9000") == "");
  REQUIRE(s.listen);
  CHECK(s.listen->ipv6);
  CHECK(apply(s, "--ready", "exec:true") == "");
  REQUIRE(s.ready);
  CHECK(s.ready->kind == ReadyCheck::Kind::Command);
  CHECK(apply(s, "/user", "nobody") == "");
  CHECK(s.user == "nobody");
  CHECK(apply(s, "--config", "/etc/lastcall.json") == "");
  CHECK(s.config_path == "/etc/lastcall.json");
  for (const char* flag : {"--exit-by-signal", "--insecure-config", "--check"}) CHECK(apply(s, flag, "") == "");
  CHECK(s.exit_by_signal);
  CHECK(s.insecure_config);
  CHECK(s.check);
}

TEST_CASE("a value a key cannot parse is a problem in words, and the settings keep their value") {
  Settings s;
  CHECK(apply(s, "--grace", "abc") == "invalid duration \"abc\" (use 250ms, 1.5s, 2m, 1m30s or seconds)");
  CHECK(s.grace == milliseconds(24'000));
  CHECK(apply(s, "--stop-signal", "SIGNOPE") ==
        "invalid signal \"SIGNOPE\" (use a name such as SIGTERM or term, or a number such as 15)");
  CHECK_FALSE(s.stop_signal.has_value());
  CHECK(apply(s, "--forward", "all") == "invalid value \"all\" (use group or child)");
  CHECK(apply(s, "--log-format", "xml") == "invalid value \"xml\" (use text or json)");
  CHECK(apply(s, "--log-level", "loud") == "invalid value \"loud\" (use debug, info, warn or error)");
  CHECK(apply(s, "--listen", "localhost:9000") ==
        "invalid address \"localhost:9000\" (use ADDR:PORT such as 127.0.0.1:9000 or [::1]:9000)");
  CHECK(apply(s, "--ready", "ftp://x") ==
        "invalid readiness check \"ftp://x\" (use tcp:ADDR:PORT, http://ADDR:PORT/PATH or exec:COMMAND)");
  CHECK_FALSE(s.ready.has_value());
  CHECK(apply(s, "--success-exit", "256") == "invalid exit code \"256\" (use an integer 0..255; 128+N for signal N)");
  CHECK(apply(s, "--config", "") == "must not be empty");
  CHECK_FALSE(s.config_path.has_value());
}

TEST_CASE("--rewrite adds one FROM:TO at a time, a later one winning for the same FROM") {
  Settings s;
  CHECK(apply(s, "--rewrite", "HUP:USR1") == "");
  CHECK(apply(s, "--rewrite", "SIGWINCH:sigusr2") == "");
  CHECK(apply(s, "--rewrite", "1:TERM") == "");
  CHECK(s.rewrite == std::map<Signal, Signal>{{Signal(SIGHUP), Signal(SIGTERM)}, {Signal(SIGWINCH), Signal(SIGUSR2)}});
  CHECK(apply(s, "--rewrite", "HUP") == "invalid rewrite \"HUP\" (use FROM:TO, such as HUP:USR1)");
  CHECK(apply(s, "--rewrite", "HUP:USR1:USR2") == "invalid rewrite \"HUP:USR1:USR2\" (use FROM:TO, such as HUP:USR1)");
  CHECK(apply(s, "--rewrite", "HUP:NOPE").starts_with("invalid signal \"NOPE\""));
  CHECK(apply(s, "--rewrite", "NOPE:HUP").starts_with("invalid signal \"NOPE\""));
}

TEST_CASE("a signal that is never relayed cannot be rewritten, and the problem names it") {
  Settings s;
  CHECK(apply(s, "--rewrite", "KILL:TERM") == "SIGKILL is never relayed, so it cannot be rewritten");
  CHECK(apply(s, "--rewrite", "19:TERM") == "SIGSTOP is never relayed, so it cannot be rewritten");
  CHECK(apply(s, "--rewrite", "CHLD:USR1") == "SIGCHLD is never relayed, so it cannot be rewritten");
  CHECK(apply(s, "--rewrite", "SEGV:USR1") == "SIGSEGV is never relayed, so it cannot be rewritten");
  CHECK(s.rewrite.empty());
}

TEST_CASE("--triggers replaces the whole list, and only a signal lastcall receives can be one") {
  Settings s;
  CHECK(s.triggers == std::vector<Signal>{Signal(SIGTERM), Signal(SIGINT), Signal(SIGQUIT)});
  CHECK(apply(s, "--triggers", "TERM,int") == "");
  CHECK(s.triggers == std::vector<Signal>{Signal(SIGTERM), Signal(SIGINT)});
  CHECK(apply(s, "--triggers", "USR1") == "");
  CHECK(s.triggers == std::vector<Signal>{Signal(SIGUSR1)});
  CHECK(apply(s, "--triggers", "TERM,KILL") == "SIGKILL cannot be a trigger: lastcall never receives it as one");
  CHECK(apply(s, "--triggers", "CHLD") == "SIGCHLD cannot be a trigger: lastcall never receives it as one");
  CHECK(apply(s, "--triggers", "TERM,,INT").starts_with("invalid signal \"\""));
  CHECK(apply(s, "--triggers", "").starts_with("invalid signal \"\""));
  CHECK(s.triggers == std::vector<Signal>{Signal(SIGUSR1)});
}

TEST_CASE("--success-exit adds a code each time") {
  Settings s;
  CHECK(apply(s, "--success-exit", "143") == "");
  CHECK(apply(s, "--success-exit", "0") == "");
  CHECK(s.success_exit_codes == std::vector<int>{143, 0});
}
