// SPDX-License-Identifier: MIT
#include "ready/ready_probe.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "process/kill.hpp"
#include "uv/loop.hpp"

namespace lastcall::ready {
namespace {

// http_parser calls this once the status line and headers are read: the status is known,
// and the body does not matter.
int on_headers_complete(http_parser* parser) noexcept {
  http_parser_pause(parser, 1);
  return 0;
}

}  // namespace

ReadyProbe::ReadyProbe(uv_loop_t* loop, const config::ReadyCheck& check, process::Reaper& reaper,
                       const core::InheritedSignals& signals, OnResult on_result)
    : loop_(loop),
      check_(check),
      reaper_(reaper),
      signals_(signals),
      on_result_(std::move(on_result)),
      interval_timer_(loop, [this] { run(); }),
      timeout_timer_(loop, [this] { on_timeout(); }) {
  http_parser_settings_init(&parser_settings_);
  parser_settings_.on_headers_complete = on_headers_complete;
  if (check_.kind == config::ReadyCheck::Kind::Command) {
    null_fd_ = core::UniqueFd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  }
}

ReadyProbe::~ReadyProbe() {
  stop();
}

void ReadyProbe::stop() {
  stopped_ = true;
  interval_timer_.stop();
  drop_check();
}

void ReadyProbe::run() {
  if (stopped_) return;
  timeout_timer_.start(check_.timeout);
  if (check_.kind == config::ReadyCheck::Kind::Command) {
    run_command();
  } else {
    connect();
  }
}

void ReadyProbe::connect() {
  stream_ = std::make_unique<uv::TcpStream>(loop_);
  const auto& at = check_.endpoint;
  if (const int rc = stream_->connect(at.host, at.port, at.ipv6, [this](int status) { on_connected(status); }); rc != 0) {
    end(false, "cannot connect to " + at.host + ": " + uv::error_message(rc));
  }
}

void ReadyProbe::on_connected(int status) {
  if (status != 0) {
    end(false, "connect: " + uv::error_message(status));
    return;
  }
  if (check_.kind == config::ReadyCheck::Kind::Tcp) {
    end(true, "");
    return;
  }
  http_parser_init(&parser_, HTTP_RESPONSE);
  const auto& at = check_.endpoint;
  const std::string host = at.ipv6 ? "[" + at.host + "]" : at.host;
  const std::string request = "GET " + check_.path + " HTTP/1.1\r\nHost: " + host + ":" + std::to_string(at.port) +
                              "\r\nUser-Agent: lastcall\r\nConnection: close\r\n\r\n";
  const int rc = stream_->read_start({.on_data = [this](std::string_view bytes) { on_response(bytes); },
                                      .on_end = [this](int end_status) {
                                        end(false, "the connection closed before a response: " + uv::error_message(end_status));
                                      }});
  if (rc != 0 || stream_->write(request, [](int) {}) != 0) end(false, "cannot send the request");
}

void ReadyProbe::on_response(std::string_view bytes) {
  const std::size_t parsed = http_parser_execute(&parser_, &parser_settings_, bytes.data(), bytes.size());
  if (HTTP_PARSER_ERRNO(&parser_) == HPE_PAUSED) {
    const unsigned status = parser_.status_code;
    end(status >= 200 && status < 300, "HTTP " + std::to_string(status));
  } else if (HTTP_PARSER_ERRNO(&parser_) != HPE_OK || parsed != bytes.size()) {
    end(false, "not an HTTP response");
  }
}

void ReadyProbe::run_command() {
  const process::SpawnRequest request{.argv = check_.argv, .cwd = check_.cwd, .stdin_fd = null_fd_.get(),
                                      .stdout_fd = null_fd_.get(), .stderr_fd = null_fd_.get(), .close_other_fds = true};
  auto spawned = process::spawn(request, signals_);
  if (!spawned) {
    end(false, spawned.error().message);
    return;
  }
  // The exec report closes unread with `spawned`: a command that cannot run exits 127, a
  // failed check.
  command_ = spawned->pid;
  reaper_.watch(command_, [this](const process::ChildChange& change) {
    if (change.kind != process::ChildChange::Kind::Exited || change.pid != command_) return;
    command_ = -1;
    end(change.status == core::ExitStatus{}, "the command exited with " + std::to_string(change.status.shell_code()));
  }, true);
}

void ReadyProbe::on_timeout() { end(false, "no answer within " + core::format_duration(check_.timeout)); }

void ReadyProbe::end(bool passed, const std::string& error) {
  drop_check();
  if (stopped_) return;
  on_result_(passed, error);
  if (!stopped_) interval_timer_.start(check_.interval);
}

void ReadyProbe::drop_check() {
  timeout_timer_.stop();
  stream_.reset();
  if (command_ <= 0) return;
  // Its group is killed while its leader is still ours; its exit is reaped later, unheard.
  (void)process::signal_group(command_, core::Signal(SIGKILL));
  reaper_.forget(std::exchange(command_, -1));
}

}  // namespace lastcall::ready
