// SPDX-License-Identifier: MIT
#pragma once

#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <utility>

namespace lastcall::hooks {

// Owns one file descriptor of a hook's plumbing (a pipe end, /dev/null) and closes it once.
// Moving hands the descriptor on; -1 means none.
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
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool is_open() const { return fd_ >= 0; }

  void reset() {
    if (fd_ < 0) return;
    // close(2) on Linux releases the descriptor even when it reports EINTR or EIO, so it is
    // never retried: a retry could close a descriptor opened in the meantime. Only EBADF
    // would mean a bug of ours (a descriptor closed twice).
    const int rc = ::close(fd_);
    assert(rc == 0 || errno != EBADF);
    (void)rc;
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

}  // namespace lastcall::hooks
