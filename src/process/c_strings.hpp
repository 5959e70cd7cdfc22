// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

namespace lastcall::process {

// The NULL-terminated char* array that exec and posix_spawn take, pointing into `strings`,
// which must outlive it.
[[nodiscard]] inline std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace lastcall::process
