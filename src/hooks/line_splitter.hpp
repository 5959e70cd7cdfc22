// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace lastcall::hooks {

// The longest line relayed as one hook_output event. A longer line goes out in pieces of this
// size, so an endless line or binary output keeps memory bounded.
inline constexpr std::size_t kMaxLineBytes = 8 * 1024;

// Cuts one output stream of a hook into lines on '\n', handing out each line without the
// '\n' and without a '\r' before it. Between reads it holds at most one partial line of
// `max_line` bytes; finish() hands out the partial last line at end of file. It belongs to
// the relay of one stream and lives as long as it.
class LineSplitter {
 public:
  using OnLine = std::function<void(std::string_view line)>;

  explicit LineSplitter(OnLine on_line, std::size_t max_line = kMaxLineBytes);

  void feed(std::string_view bytes);
  void finish();
  // Drops the partial line held so far and returns its length in bytes.
  std::size_t take_pending();

 private:
  void append(std::string_view segment);
  void emit_pending();
  void emit(std::string_view line);

  OnLine on_line_;
  std::size_t max_line_;
  std::string pending_;     // the line read so far, at most max_line_ bytes
  bool continued_ = false;  // a piece of the pending line has been handed out already
};

}  // namespace lastcall::hooks
