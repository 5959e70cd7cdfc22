// SPDX-License-Identifier: MIT
#pragma once

#include <http_parser.h>
#include <uv.h>

#include <functional>
#include <memory>
#include <string>

#include "config/settings.hpp"
#include "core/unique_fd.hpp"
#include "process/reaper.hpp"
#include "process/spawn.hpp"
#include "uv/tcp.hpp"
#include "uv/loop.hpp"

namespace lastcall::ready {

// Checks whether the child is ready (CONTRACT §3 "Readiness of the workload"), one check at a
// time on the loop: a TCP connect, an HTTP GET whose status must be 2xx, or a command that
// must exit 0, each cut off at the check's timeout (a command with its whole process group).
// The next check starts `interval` after the last one ended, so checks never overlap. It
// reports each result and decides nothing: whether the child is ready is the supervisor's.
// Without a check configured none is created, so an idle lastcall stays idle. Lives for the
// run; stop() ends it for good.
class ReadyProbe {
 public:
  using OnResult = std::function<void(bool passed, const std::string& error)>;

  ReadyProbe(uv_loop_t* loop, const config::ReadyCheck& check, process::Reaper& reaper,
             const core::InheritedSignals& signals, OnResult on_result);
  ~ReadyProbe();
  ReadyProbe(const ReadyProbe&) = delete;
  ReadyProbe& operator=(const ReadyProbe&) = delete;

  // The first check, now.
  void start() { run(); }
  // No more checks; one in flight is dropped (a command's group gets SIGKILL) and unheard.
  void stop();

 private:
  void run();
  void connect();
  void on_connected(int status);
  void on_response(std::string_view bytes);
  void run_command();
  void on_timeout();
  void end(bool passed, const std::string& error);
  void drop_check();

  uv_loop_t* loop_;
  const config::ReadyCheck& check_;
  process::Reaper& reaper_;
  const core::InheritedSignals& signals_;
  OnResult on_result_;
  uv::Timer interval_timer_;
  uv::Timer timeout_timer_;
  std::unique_ptr<uv::TcpStream> stream_;  // tcp and http, while a check runs
  http_parser parser_{};
  http_parser_settings parser_settings_{};
  pid_t command_ = -1;  // the command's pid (and group) while it runs
  // /dev/null for a command's stdio, opened once (close-on-exec); -1 for tcp and http, or when
  // it cannot be opened, and the command then shares lastcall's stdio.
  core::UniqueFd null_fd_;
  bool stopped_ = false;
};

}  // namespace lastcall::ready
