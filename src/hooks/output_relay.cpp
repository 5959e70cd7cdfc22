// SPDX-License-Identifier: MIT
#include "hooks/output_relay.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "uv/loop.hpp"

namespace lastcall::hooks {
namespace {

constexpr std::size_t kBufferBytes = 64 * 1024;

}  // namespace

OutputRelay::OutputRelay(uv_loop_t* loop, UniqueFd read_end, LineSplitter::OnLine on_line)
    : fd_(std::move(read_end)),
      poll_(std::make_unique<uv::Poll>(loop, fd_.get(), [this](int status) { on_readable(status); })),
      on_line_(std::move(on_line)),
      splitter_([this](std::string_view line) { hand_out(line); }),
      buffer_(kBufferBytes) {}

OutputRelay::~OutputRelay() { close(); }

int OutputRelay::start() {
  if (poll_ == nullptr) return UV_EBADF;
  if (const int rc = poll_->init_status(); rc != 0) return rc;
  return poll_->start();
}

void OutputRelay::drain() {
  if (!fd_.is_open()) return;
  if (!at_end_) {
    // Bounded: a writer that left the hook's group may still hold the pipe. Closing our end
    // then gives it EPIPE (or SIGPIPE) rather than a pipe nobody reads.
    (void)read_some(kDrainBudget, false);
    finish_lines();
  }
  close();
}

void OutputRelay::on_readable(int status) {
  if (status < 0) {
    error_ = "polling the pipe failed: " + uv::error_message(status);
    end_of_stream();
    return;
  }
  // Again: the pipe is empty for now. Budget: the rest waits for the next loop iteration.
  if (read_some(kReadBudget, true) == Read::End) end_of_stream();
}

OutputRelay::Read OutputRelay::read_some(std::size_t budget, bool paced) {
  std::size_t total = 0;
  lines_this_callback_ = 0;
  bytes_this_callback_ = 0;
  while (total < budget && !(paced && callback_is_full())) {
    const std::size_t chunk = discarding_ || !paced ? buffer_.size() : kRelayChunk;
    const ssize_t n = ::read(fd_.get(), buffer_.data(), chunk);
    if (n > 0) {
      consume(std::string_view(buffer_.data(), static_cast<std::size_t>(n)));
      total += static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0) return Read::End;  // every write end is closed: the hook and its group are done
    switch (errno) {
      case EINTR: continue;             // a signal arrived before any byte was read; nothing was lost
      case EAGAIN: return Read::Again;  // the read end is non-blocking and the pipe is empty
      default: error_ = std::string("reading the pipe failed: ") + std::strerror(errno); return Read::End;
    }
  }
  return Read::Budget;
}

bool OutputRelay::callback_is_full() const {
  return lines_this_callback_ >= kLinesPerCallback || bytes_this_callback_ >= kBytesPerCallback;
}

void OutputRelay::hand_out(std::string_view line) {
  ++lines_this_callback_;
  bytes_this_callback_ += line.size();
  on_line_(line);
}

void OutputRelay::consume(std::string_view bytes) {
  if (!discarding_) {
    splitter_.feed(bytes);
    return;
  }
  take_partial_line();
  // Each newline ends one line, the partial one taken above included.
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
  take_partial_line();
  if (open_line_) ++discarded_lines_;  // the partial last line
  open_line_ = false;
}

void OutputRelay::take_partial_line() {
  if (const auto partial = splitter_.take_pending(); partial > 0) {
    discarded_bytes_ += partial;
    open_line_ = true;
  }
}

void OutputRelay::end_of_stream() {
  at_end_ = true;
  finish_lines();
  // Only stopped here, not destroyed: this runs inside the poll's own callback. The read end
  // stays open until drain() so its number cannot be reused under the stopped poll.
  if (poll_ != nullptr) poll_->stop();
}

void OutputRelay::close() {
  poll_.reset();
  fd_.reset();
}

}  // namespace lastcall::hooks
