// SPDX-License-Identifier: MIT
#include "hooks/output_relay.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace lastcall::hooks {

void LineSplitter::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto newline = bytes.find('\n');
    std::string_view segment = bytes.substr(0, newline);
    bytes.remove_prefix(newline == std::string_view::npos ? bytes.size() : newline + 1);
    while (!segment.empty()) {
      if (pending_.size() == max_line_) {
        // A full piece goes out as it is: its last byte is not the end of the line, so a
        // '\r' there is content.
        on_line_(pending_);
        pending_.clear();
        continued_ = true;
      }
      const auto take = std::min(max_line_ - pending_.size(), segment.size());
      pending_.append(segment.substr(0, take));
      segment.remove_prefix(take);
    }
    if (newline != std::string_view::npos) emit_pending();
  }
}

void LineSplitter::finish() {
  if (!pending_.empty()) emit_pending();
  continued_ = false;
}

void LineSplitter::emit_pending() {
  // The "\r" of a "\r\n" that fell just past a full piece ends the line; it is not a line.
  if (!(continued_ && pending_ == "\r")) {
    std::string_view line = pending_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    on_line_(line);
  }
  pending_.clear();
  continued_ = false;
}

OutputRelay::OutputRelay(uv_loop_t* loop, core::UniqueFd read_end, LineSplitter::OnLine on_line)
    : fd_(std::move(read_end)),
      poll_(loop, fd_.get(),
            [this](int status) {
              if (status < 0) error_ = "polling the pipe failed: " + uv::error_message(status);
              if (status < 0 || !read_some(kReadBudget, kLinesPerCallback)) {
                at_end_ = true;
                finish_lines();
                // Only stopped here: this runs in the poll's own callback. The read end stays
                // open until drain(), so its number cannot be reused under the stopped poll.
                poll_.stop();
              }
            }),
      splitter_([this](std::string_view line) {
        ++lines_;
        on_line_(line);
      }),
      on_line_(std::move(on_line)) {}

void OutputRelay::drain() {
  if (!fd_.is_open()) return;
  if (!at_end_) {
    // Bounded: a writer that left the hook's group may still hold the pipe. Closing our end
    // then gives it EPIPE (or SIGPIPE) rather than a pipe nobody reads.
    (void)read_some(kDrainBudget, SIZE_MAX);
    finish_lines();
  }
  poll_.stop();
  fd_.reset();
}

bool OutputRelay::read_some(std::size_t budget, std::size_t lines) {
  static std::array<char, 64 * 1024> buffer;
  lines_ = 0;
  for (std::size_t total = 0; total < budget && lines_ < lines;) {
    // While lines are relayed, small reads keep one callback from overshooting its lines much.
    const std::size_t chunk = discarding_ || lines == SIZE_MAX ? buffer.size() : 1024;
    const ssize_t n = ::read(fd_.get(), buffer.data(), chunk);
    if (n > 0) {
      consume(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
      total += static_cast<std::size_t>(n);
    } else if (n == 0) {
      return false;  // every write end is closed: the hook and its group are done
    } else if (errno == EAGAIN) {
      return true;  // the read end is non-blocking and the pipe is empty
    } else if (errno != EINTR) {
      error_ = std::string("reading the pipe failed: ") + std::strerror(errno);
      return false;
    }
  }
  return true;
}

void OutputRelay::consume(std::string_view bytes) {
  if (!discarding_) {
    splitter_.feed(bytes);
    return;
  }
  // Each newline ends one line, the partial one held by the splitter included; without a
  // newline in `bytes`, the line stays open below.
  discarded_bytes_ += splitter_.take_pending();
  const auto newlines = static_cast<std::size_t>(std::count(bytes.begin(), bytes.end(), '\n'));
  discarded_lines_ += newlines;
  discarded_bytes_ += bytes.size() - newlines;
  open_line_ = bytes.back() != '\n';
}

void OutputRelay::finish_lines() {
  if (!discarding_) {
    splitter_.finish();
    return;
  }
  if (const auto partial = splitter_.take_pending(); partial > 0) {
    discarded_bytes_ += partial;
    open_line_ = true;
  }
  if (std::exchange(open_line_, false)) ++discarded_lines_;  // the partial last line
}

}  // namespace lastcall::hooks
