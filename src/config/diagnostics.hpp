// SPDX-License-Identifier: MIT
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace lastcall::config {

// The problems found in one config source, each at the JSON pointer (or line and column) it
// concerns. Readers add to it and carry on, so that one run reports every mistake in a file
// at once; it lives as long as one validation.
class Diagnostics {
 public:
  void add(std::string location, std::string message);
  // An unknown key at `path`, with a did-you-mean when one of `known` is close to it.
  void add_unknown_key(const std::string& path, std::string_view key,
                       std::span<const std::string_view> known);

  [[nodiscard]] bool empty() const { return problems_.empty(); }

  // One Error: a summary line ("config /etc/x.json: 3 errors"), then a line per problem.
  [[nodiscard]] core::Error to_error(std::string_view source_name) const;

 private:
  std::vector<std::string> problems_;  // each "location: message"
};

// The JSON pointer of a member or element below `parent` (RFC 6901: "~" and "/" escaped).
[[nodiscard]] std::string pointer_child(const std::string& parent, std::string_view key);
[[nodiscard]] std::string pointer_child(const std::string& parent, std::size_t index);

// The candidate closest to `word` by edit distance, or "" when none is within 2 edits
// (1 for words of three letters or fewer, where 2 would match almost anything).
[[nodiscard]] std::string_view closest_match(std::string_view word,
                                             std::span<const std::string_view> candidates);

}  // namespace lastcall::config
