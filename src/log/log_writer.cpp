// SPDX-License-Identifier: MIT
#include "log/log_writer.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

namespace lastcall::log {
namespace {

// A new open file description of the same pipe, non-blocking, or -1. Opening
// /proc/self/fd/N of a pipe goes through fifo_open(): it shares the pipe's buffer and
// reader, but its flags are its own (proc(5), /proc/pid/fd; fifo(7)). It fails with ENXIO
// when nothing reads the pipe any more, with EACCES when the pipe belongs to another user,
// and with ENOENT without /proc: then fd 2 is written as it is.
int reopen_non_blocking(int fd) {
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  return ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
}

}  // namespace

LogWriter::LogWriter(int fd, core::Duration stall_budget) : fd_(fd), stall_left_(stall_budget) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return;  // EBADF: stderr is closed; every write fails alike
  if (S_ISFIFO(st.st_mode)) own_fd_ = reopen_non_blocking(fd);
  is_socket_ = S_ISSOCK(st.st_mode);
}

LogWriter::~LogWriter() {
  if (own_fd_ >= 0) ::close(own_fd_);
}

bool LogWriter::write(std::string_view bytes) {
  if (!flush_pending()) return false;
  std::string_view rest = bytes;
  if (write_out(rest)) return true;
  if (rest.size() == bytes.size()) return false;
  pending_.assign(rest);
  return true;
}

bool LogWriter::flush_pending() {
  if (pending_.empty()) return true;
  std::string_view rest = pending_;
  const bool done = write_out(rest);
  pending_.erase(0, pending_.size() - rest.size());
  return done;
}

bool LogWriter::write_out(std::string_view& bytes) {
  while (!bytes.empty()) {
    const long n = write_once(bytes);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait_writable()) {
      continue;
    } else {
      return false;  // EPIPE, EBADF, ENOSPC, or full past the budget: the sequence goes on.
    }
  }
  return true;
}

long LogWriter::write_once(std::string_view bytes) const {
  // MSG_NOSIGNAL: a socket whose reader is gone reports EPIPE without raising SIGPIPE.
  if (is_socket_) return ::send(fd_, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  return ::write(own_fd_ >= 0 ? own_fd_ : fd_, bytes.data(), bytes.size());
}

bool LogWriter::wait_writable() {
  if (stall_left_ <= core::Duration::zero()) return false;
  pollfd writable{.fd = own_fd_ >= 0 ? own_fd_ : fd_, .events = POLLOUT, .revents = 0};
  const auto started = core::Clock::now();
  const int rc = ::poll(&writable, 1, static_cast<int>(stall_left_.count()));
  // At least 1ms per wait, so that a descriptor that keeps reporting POLLOUT but takes
  // nothing still runs out of budget.
  const auto waited = std::chrono::duration_cast<core::Duration>(core::Clock::now() - started);
  stall_left_ -= std::max(waited, core::Duration{1});
  return rc > 0 && (writable.revents & POLLOUT) != 0;
}

}  // namespace lastcall::log
