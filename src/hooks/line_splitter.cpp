// SPDX-License-Identifier: MIT
#include "hooks/line_splitter.hpp"

#include <algorithm>
#include <cassert>

namespace lastcall::hooks {

LineSplitter::LineSplitter(OnLine on_line, std::size_t max_line)
    : on_line_(std::move(on_line)), max_line_(max_line) {
  assert(max_line_ > 0);
  pending_.reserve(max_line_);
}

void LineSplitter::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto newline = bytes.find('\n');
    if (newline == std::string_view::npos) {
      append(bytes);
      return;
    }
    const auto segment = bytes.substr(0, newline);
    bytes.remove_prefix(newline + 1);
    if (pending_.empty() && !continued_ && segment.size() <= max_line_) {
      emit(segment);  // the common case: a whole line inside one read, handed out uncopied
      continue;
    }
    append(segment);
    emit_pending();
  }
}

void LineSplitter::finish() {
  if (!pending_.empty()) emit_pending();
  continued_ = false;
}

std::size_t LineSplitter::take_pending() {
  const auto size = pending_.size();
  pending_.clear();
  continued_ = false;
  return size;
}

void LineSplitter::append(std::string_view segment) {
  while (!segment.empty()) {
    if (pending_.size() == max_line_) {
      // A full piece goes out as it is: its last byte is not the end of the line, so a '\r'
      // there is content.
      on_line_(pending_);
      pending_.clear();
      continued_ = true;
    }
    const auto take = std::min(max_line_ - pending_.size(), segment.size());
    pending_.append(segment.substr(0, take));
    segment.remove_prefix(take);
  }
}

void LineSplitter::emit_pending() {
  const bool only_cr = pending_ == "\r";
  // The "\r" of a "\r\n" that fell just past a full piece ends the line; it is not a line.
  if (!(continued_ && only_cr)) emit(pending_);
  pending_.clear();
  continued_ = false;
}

void LineSplitter::emit(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  on_line_(line);
}

}  // namespace lastcall::hooks
