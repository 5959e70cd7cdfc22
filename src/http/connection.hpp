// SPDX-License-Identifier: MIT
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string_view>

#include "core/duration.hpp"
#include "http/request_parser.hpp"
#include "http/routes.hpp"
#include "http/snapshot.hpp"
#include "uv/tcp.hpp"
#include "uv/loop.hpp"

namespace lastcall::http {

// How long a connection may take, and how many the server holds at once.
struct Limits {
  std::size_t max_connections = 64;
  core::Duration request_timeout{5'000};  // from the accept to the end of the header section
  core::Duration linger{1'000};           // after the response, for the client's close
};

// One accepted connection, from the accept to its close: it reads one request head, answers
// from the snapshot, and closes. Its one timer is armed only while something is pending: the
// request head (408 at the deadline), then a short linger after the response, so the client
// reads the response before the socket closes (closing with unread input sends a RST, which
// may destroy the response in flight). The Server owns it through a shared_ptr and drops it
// in on_closed.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using OnClosed = std::function<void(Connection&)>;

  Connection(uv_loop_t* loop, const Snapshot& snapshot, const Limits& limits, OnClosed on_closed);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  [[nodiscard]] uv::TcpStream& stream() { return stream_; }
  // Starts reading and arms the request deadline; false when the stream cannot read.
  [[nodiscard]] bool start();
  // Still waiting for its request head, with nothing answered yet.
  [[nodiscard]] bool is_waiting() const { return !responded_; }
  // Closes without an answer (the server needs the room); on_closed follows at once.
  void drop() { close(); }

 private:
  void on_data(std::string_view bytes);
  void on_end(int status);
  void on_timer();
  void respond(const Response& response);
  void on_written(int status);
  void close();

  const Snapshot& snapshot_;
  Limits limits_;
  OnClosed on_closed_;  // empty once called
  uv::TcpStream stream_;
  uv::Timer timer_;
  RequestParser parser_;
  bool responded_ = false;  // the response is queued; input is read and dropped
  bool written_ = false;    // the response has left
  bool peer_closed_ = false;  // EOF came before the response had left
};

}  // namespace lastcall::http
