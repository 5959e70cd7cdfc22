// SPDX-License-Identifier: MIT
#pragma once

#include <unistd.h>

#include <utility>

namespace lastcall::core {

// Owns one file descriptor and closes it once; -1 means none.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool is_open() const { return fd_ >= 0; }
  // close(2) on Linux releases the descriptor even when it reports an error: never retried.
  void reset() { if (fd_ >= 0) (void)::close(std::exchange(fd_, -1)); }
  // Hands the descriptor to a caller that closes it.
  [[nodiscard]] int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

}  // namespace lastcall::core
