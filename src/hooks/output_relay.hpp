// SPDX-License-Identifier: MIT
#pragma once

#include <uv.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "hooks/line_splitter.hpp"
#include "hooks/unique_fd.hpp"
#include "uv/poll.hpp"

namespace lastcall::hooks {

// The most one readiness callback reads from one stream before it returns to the loop, so
// a hook that floods its pipe cannot hold back timers (deadlines must land on time): one
// pipe's worth (64 KiB by default, pipe(7)), so the budget costs no throughput. The poll is
// level-triggered: what is left is read on the next loop iteration.
inline constexpr std::size_t kReadBudget = 64 * 1024;
// Relaying costs more than reading: each line becomes a log event, so one callback also stops
// once it has handed out this many lines or bytes. While lines are relayed the pipe is read
// in small chunks, so a read of tiny lines cannot overshoot much: at most
// kLinesPerCallback + kRelayChunk / 2 events per callback.
inline constexpr std::size_t kLinesPerCallback = 256;
inline constexpr std::size_t kBytesPerCallback = 16 * 1024;
inline constexpr std::size_t kRelayChunk = 1024;
// The most drain() reads once the hook has been reaped. The hook's group is dead by then, so
// the pipe holds at most its capacity (64 KiB by default, pipe(7)); only a writer that left
// the group could keep it full, and it is not waited for.
inline constexpr std::size_t kDrainBudget = 1024 * 1024;

// Relays one output stream of one hook: it owns the non-blocking read end of the hook's
// stdout or stderr pipe, reads it when the loop says it is readable, and hands each line to
// its owner. It leaves what a line becomes (an event, or dropped) to the owner, RunningHook,
// and lives as long as that hook.
class OutputRelay {
 public:
  OutputRelay(uv_loop_t* loop, UniqueFd read_end, LineSplitter::OnLine on_line);
  ~OutputRelay();
  OutputRelay(const OutputRelay&) = delete;
  OutputRelay& operator=(const OutputRelay&) = delete;

  // Starts watching the pipe; 0 or a libuv error code.
  [[nodiscard]] int start();
  // For the moment the hook has been reaped: reads what the pipe still holds without
  // blocking, hands out the partial last line and closes the read end.
  void drain();
  // From the next read on, lines are counted instead of handed out: the hook's output was
  // truncated. Counting is a pass over the bytes, so a flood costs little more than reading.
  void discard() { discarding_ = true; }
  [[nodiscard]] std::size_t discarded_lines() const { return discarded_lines_; }
  // Without the newlines, as a relayed line would be.
  [[nodiscard]] std::size_t discarded_bytes() const { return discarded_bytes_; }
  // What ended the relay early ("" when nothing did): a poll or read error.
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  enum class Read { Again, Budget, End };

  void on_readable(int status);
  // `paced`: stop at the per-callback limits too (the loop is waiting); drain() is not paced.
  [[nodiscard]] Read read_some(std::size_t budget, bool paced);
  [[nodiscard]] bool callback_is_full() const;
  void hand_out(std::string_view line);
  void consume(std::string_view bytes);
  void finish_lines();
  void take_partial_line();
  void end_of_stream();
  void close();

  UniqueFd fd_;                     // closed once drained
  std::unique_ptr<uv::Poll> poll_;  // reset before fd_ closes: libuv stops it by fd number
  LineSplitter::OnLine on_line_;
  LineSplitter splitter_;
  std::vector<char> buffer_;
  bool at_end_ = false;  // EOF or an error was seen; nothing more will be read
  bool discarding_ = false;
  bool open_line_ = false;  // while discarding: the last byte counted did not end a line
  std::size_t discarded_lines_ = 0;
  std::size_t discarded_bytes_ = 0;
  std::size_t lines_this_callback_ = 0;
  std::size_t bytes_this_callback_ = 0;
  std::string error_;
};

}  // namespace lastcall::hooks
