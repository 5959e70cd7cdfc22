// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

#include "core/duration.hpp"

namespace lastcall::log {

// How long, over a whole run, lastcall may wait for a full stderr pipe to take its log. A
// burst of hook output then reaches a reader that is merely slow, while a reader that has
// stopped reading delays the sequence by at most this much in total.
inline constexpr core::Duration kStallBudget{1'000};

// Writes lastcall's log bytes to one descriptor (stderr) without letting a reader that does
// not read block the loop. When the descriptor is a pipe or FIFO it writes through a file
// description of its own, opened again with O_NONBLOCK through /proc/self/fd: setting
// O_NONBLOCK on fd 2 itself would change the description the child and the hooks inherit,
// and most programs treat EAGAIN on stderr as fatal. A socket (systemd's journal stream) is
// written with MSG_DONTWAIT instead. A terminal or a regular file, or a pipe when /proc is
// missing or the reopen is refused, is written as it is, blocking. It belongs to one Logger
// and lives as long as it does.
class LogWriter {
 public:
  explicit LogWriter(int fd, core::Duration stall_budget = kStallBudget);
  ~LogWriter();
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // Writes `bytes` (one or more whole lines). False when none of them could be written:
  // stderr is closed, or full past the stall budget. When only a head of them fits, the rest
  // is kept and goes out before anything else, so that a reader never sees half a line
  // followed by another one.
  [[nodiscard]] bool write(std::string_view bytes);

  // True when a full pipe or socket drops lines rather than blocking.
  [[nodiscard]] bool is_non_blocking() const { return own_fd_ >= 0 || is_socket_; }

 private:
  [[nodiscard]] bool write_out(std::string_view& bytes);
  [[nodiscard]] bool flush_pending();
  [[nodiscard]] bool wait_writable();
  [[nodiscard]] long write_once(std::string_view bytes) const;

  int fd_;
  int own_fd_ = -1;  // the non-blocking reopened description; -1 when writing fd_ itself
  bool is_socket_ = false;
  core::Duration stall_left_;
  std::string pending_;  // the rest of a line that a full pipe cut short; empty when none
};

}  // namespace lastcall::log
