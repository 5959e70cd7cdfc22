// SPDX-License-Identifier: MIT
#include "config/diagnostics.hpp"

#include <algorithm>
#include <numeric>

namespace lastcall::config {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Levenshtein distance, case-insensitive: "Grace" is one edit from nothing, not five.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = diagonal + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitution});
    }
  }
  return row[b.size()];
}

}  // namespace

void Diagnostics::add(std::string location, std::string message) {
  if (location.empty()) location = "(top level)";
  problems_.push_back(std::move(location) + ": " + std::move(message));
}

void Diagnostics::add_unknown_key(const std::string& path, std::string_view key,
                                  std::span<const std::string_view> known) {
  const std::string_view suggestion = closest_match(key, known);
  std::string message = "unknown key";
  if (!suggestion.empty()) message += " (did you mean \"" + std::string(suggestion) + "\"?)";
  add(pointer_child(path, key), std::move(message));
}

core::Error Diagnostics::to_error(std::string_view source_name) const {
  std::string message = "config " + std::string(source_name) + ": " +
                        std::to_string(problems_.size()) +
                        (problems_.size() == 1 ? " error" : " errors");
  for (const auto& problem : problems_) message += "\n  " + problem;
  return core::Error{.message = std::move(message), .exit_code = core::kExitUsage};
}

std::string pointer_child(const std::string& parent, std::string_view key) {
  std::string out = parent + "/";
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string pointer_child(const std::string& parent, std::size_t index) {
  return parent + "/" + std::to_string(index);
}

std::string_view closest_match(std::string_view word,
                               std::span<const std::string_view> candidates) {
  const std::size_t limit = word.size() <= 3 ? 1 : 2;
  std::string_view best;
  std::size_t best_distance = limit + 1;
  for (auto candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace lastcall::config
