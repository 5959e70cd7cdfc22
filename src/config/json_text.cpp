// SPDX-License-Identifier: MIT
#include "config/json_text.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace lastcall::config {
namespace {

using nlohmann::json;

// One open object or array while parsing, to know the JSON pointer of what comes next.
struct Container {
  std::string path;
  bool is_array = false;
  std::size_t index = 0;     // arrays: the element being read
  std::string key;           // objects: the member being read
  std::set<std::string> keys;  // objects: the keys seen so far
};

// Follows nlohmann's parser callbacks to flag duplicate keys at their JSON pointer.
class DuplicateKeyFinder {
 public:
  explicit DuplicateKeyFinder(Diagnostics& diagnostics) : diagnostics_(diagnostics) {}

  bool on_event(json::parse_event_t event, const json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        open(event == json::parse_event_t::array_start);
        break;
      case json::parse_event_t::key:
        on_key(parsed.get<std::string>());
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        open_.pop_back();
        finish_element();
        break;
      case json::parse_event_t::value:
        finish_element();
        break;
    }
    return true;
  }

 private:
  std::string next_path() const {
    if (open_.empty()) return "";
    const Container& top = open_.back();
    return top.is_array ? pointer_child(top.path, top.index) : pointer_child(top.path, top.key);
  }

  void open(bool is_array) {
    Container container;
    container.path = next_path();
    container.is_array = is_array;
    open_.push_back(std::move(container));
  }

  void on_key(std::string key) {
    Container& top = open_.back();
    if (!top.keys.insert(key).second) {
      diagnostics_.add(pointer_child(top.path, key), "duplicate key (the last one would win)");
    }
    top.key = std::move(key);
  }

  void finish_element() {
    if (!open_.empty() && open_.back().is_array) ++open_.back().index;
  }

  Diagnostics& diagnostics_;
  std::vector<Container> open_;
};

// nlohmann reports the byte after which it gave up; people want a line and a column.
std::string line_and_column(std::string_view text, std::size_t byte) {
  const std::size_t offset = std::min(byte == 0 ? 0 : byte - 1, text.size());
  const std::string_view before = text.substr(0, offset);
  const auto line = 1 + std::count(before.begin(), before.end(), '\n');
  const std::size_t line_start = before.rfind('\n');
  const std::size_t column = line_start == std::string_view::npos ? offset + 1
                                                                   : offset - line_start;
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ..." ->
// "syntax error ...": the position is given our own way. "[json.exception.out_of_range.406]
// number overflow parsing '1e400'" -> "number overflow parsing '1e400'".
std::string detail_of(const json::exception& error) {
  const std::string what = error.what();
  const std::size_t parse_error = what.find("parse error");
  if (parse_error == std::string::npos) {
    const std::size_t bracket = what.find("] ");
    return bracket == std::string::npos ? what : what.substr(bracket + 2);
  }
  const std::size_t colon = what.find(": ", parse_error);
  return colon == std::string::npos ? what : what.substr(colon + 2);
}

// Where the number named in an out_of_range.406 message first appears, as a line and column:
// the exception carries no position of its own.
std::string position_of_number(std::string_view text, const json::out_of_range& error) {
  const std::string what = error.what();
  const std::size_t open = what.find('\'');
  const std::size_t close = what.rfind('\'');
  if (open == std::string::npos || close <= open + 1) return "(top level)";
  const std::size_t at = text.find(std::string_view(what).substr(open + 1, close - open - 1));
  return at == std::string_view::npos ? "(top level)" : line_and_column(text, at + 1);
}

}  // namespace

std::optional<json> parse_json_text(std::string_view text, Diagnostics& diagnostics) {
  DuplicateKeyFinder finder(diagnostics);
  auto callback = [&finder](int /*depth*/, json::parse_event_t event, json& parsed) {
    return finder.on_event(event, parsed);
  };
  try {
    return json::parse(text.begin(), text.end(), callback);
  } catch (const json::parse_error& error) {
    diagnostics.add(line_and_column(text, error.byte), "invalid JSON: " + detail_of(error));
    return std::nullopt;
  } catch (const json::out_of_range& error) {
    // A number too large for a double (1e400) is not a parse_error: nlohmann throws
    // out_of_range.406 without a position. Found by tests/fuzz (regressions/config).
    diagnostics.add(position_of_number(text, error), "invalid JSON: " + detail_of(error));
    return std::nullopt;
  }
}

}  // namespace lastcall::config
