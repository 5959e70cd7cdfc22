// SPDX-License-Identifier: MIT
#pragma once

#include <unistd.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/unique_fd.hpp"
#include "uv/loop.hpp"

namespace lastcall::hooks {

// The longest line relayed as one hook_output event. A longer line goes out in pieces of this
// size, so an endless line or binary output keeps memory bounded.
inline constexpr std::size_t kMaxLineBytes = 8 * 1024;
// The most one readiness callback reads from one stream, and the most lines it hands out,
// before it returns to the loop: a hook that floods its pipe cannot hold back timers. The
// poll is level-triggered, so what is left is read on the next loop iteration.
inline constexpr std::size_t kReadBudget = 64 * 1024;
inline constexpr std::size_t kLinesPerCallback = 256;
// The most drain() reads once the hook has been reaped: the hook's group is dead by then, so
// only a writer that left the group could keep the pipe full, and it is not waited for.
inline constexpr std::size_t kDrainBudget = 1024 * 1024;

// Cuts one output stream into lines on '\n', handing out each line without the '\n' and
// without a '\r' before it. Between reads it holds at most one partial line of `max_line`
// bytes; finish() hands out the partial last line at end of file.
class LineSplitter {
 public:
  using OnLine = std::function<void(std::string_view line)>;

  explicit LineSplitter(OnLine on_line, std::size_t max_line = kMaxLineBytes)
      : on_line_(std::move(on_line)), max_line_(max_line) {}
  void feed(std::string_view bytes);
  void finish();
  // Drops the partial line held so far and returns its length in bytes.
  std::size_t take_pending() { return std::exchange(continued_, false), std::exchange(pending_, {}).size(); }

 private:
  void emit_pending();

  OnLine on_line_;
  std::size_t max_line_;
  std::string pending_;     // the line read so far, at most max_line_ bytes
  bool continued_ = false;  // a piece of the pending line has been handed out already
};

// Relays one output stream of one hook: it owns the non-blocking read end of the hook's
// stdout or stderr pipe, reads it when the loop says it is readable, and hands each line to
// its owner (RunningHook), which decides what the line becomes. After discard(), lines are
// only counted: a flood costs little more than reading. Lives as long as that hook.
class OutputRelay {
 public:
  OutputRelay(uv_loop_t* loop, core::UniqueFd read_end, LineSplitter::OnLine on_line);

  // Starts watching the pipe; 0 or a libuv error code.
  [[nodiscard]] int start() { return poll_.start(); }
  // For the moment the hook has been reaped: reads what the pipe still holds without
  // blocking, hands out the partial last line and closes the read end.
  void drain();
  void discard() { discarding_ = true; }
  [[nodiscard]] std::size_t discarded_lines() const { return discarded_lines_; }
  // Without the newlines, as a relayed line would be.
  [[nodiscard]] std::size_t discarded_bytes() const { return discarded_bytes_; }
  // What ended the relay early ("" when nothing did): a poll or read error.
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  // Reads up to `budget` bytes, or `lines` lines; false at end of file or an error.
  bool read_some(std::size_t budget, std::size_t lines);
  void consume(std::string_view bytes);
  void finish_lines();

  core::UniqueFd fd_;
  uv::Poll poll_;  // stopped before fd_ closes: libuv watches it by number
  LineSplitter splitter_;
  LineSplitter::OnLine on_line_;
  std::size_t lines_ = 0;  // handed out in the current callback
  bool at_end_ = false;    // EOF or an error was seen; nothing more will be read
  bool discarding_ = false;
  bool open_line_ = false;  // while discarding: the last byte counted did not end a line
  std::size_t discarded_lines_ = 0;
  std::size_t discarded_bytes_ = 0;
  std::string error_;
};

}  // namespace lastcall::hooks
