// SPDX-License-Identifier: MIT
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/keys.hpp"
#include "uv/loop.hpp"

// What many tests share: scratch directories, environment variables set for one test, and
// waiting for something with a deadline instead of sleeping a fixed time.
namespace lastcall::test {

using namespace std::chrono_literals;

// A directory from mkdtemp(3), removed with everything in it when the test ends.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "lastcall-test-XXXXXX").string();
    // A failure stops the test here: with an empty path, write() would write to the root.
    REQUIRE_MESSAGE(::mkdtemp(pattern.data()) != nullptr, "mkdtemp " << pattern << ": " << std::strerror(errno));
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `text` to `name` inside the directory and returns its path.
  [[nodiscard]] std::string write(const std::string& name, const std::string& text) const {
    const std::string file = path_ + "/" + name;
    std::ofstream(file) << text;
    return file;
  }
  [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Sets (or, with nullopt, unsets) one environment variable and puts the old value back.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::optional<std::string>& value) : name_(std::move(name)) {
    if (const char* old = ::getenv(name_.c_str())) old_ = old;
    if (value) {
      ::setenv(name_.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// Unsets, for the test's time, every environment variable that names a key of the settings
// (config::keys()), so the host's environment cannot leak into what a test parses.
class CleanEnv {
 public:
  CleanEnv() {
    for (const auto& key : config::keys()) {
      if (!key.env.empty()) vars_.push_back(std::make_unique<ScopedEnv>(std::string(key.env), std::nullopt));
    }
  }

 private:
  std::vector<std::unique_ptr<ScopedEnv>> vars_;
};

// Polls `done` every millisecond until it holds or `limit` has passed; true when it held.
// For what the kernel does on its own time (a signal delivered, a process gone).
inline bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// Runs `loop` until `done` holds (looked at every 2 ms of loop time) or `limit` has passed;
// true when it held. The loop stays open for the test to close.
inline bool run_until(uv::Loop& loop, const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
  if (done()) return true;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  bool held = false;
  uv::Timer* self = nullptr;
  uv::Timer check(loop.get(), [&] {
    held = done();
    if (held || std::chrono::steady_clock::now() > deadline) {
      loop.stop();
    } else {
      self->start(core::Duration{2});
    }
  });
  self = &check;
  check.start(core::Duration{2});
  loop.run();
  return held;
}

}  // namespace lastcall::test
