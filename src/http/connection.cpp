// SPDX-License-Identifier: MIT
#include "http/connection.hpp"

#include "http/routes.hpp"

namespace lastcall::http {

Connection::Connection(uv_loop_t* loop, const Snapshot& snapshot, const Limits& limits, OnClosed on_closed)
    : snapshot_(snapshot),
      limits_(limits),
      on_closed_(std::move(on_closed)),
      stream_(loop),
      timer_(loop, [this] { on_timer(); }) {}

bool Connection::start() {
  const int rc = stream_.read_start(uv::TcpStream::Handlers{
      .on_data = [this](std::string_view bytes) { on_data(bytes); },
      .on_end = [this](int status) { on_end(status); }});
  if (rc != 0) return false;
  timer_.start(limits_.request_timeout);
  return true;
}

void Connection::on_data(std::string_view bytes) {
  // Held until this returns: close() may drop the server's reference.
  const auto keep = shared_from_this();
  if (responded_) return;
  switch (parser_.feed(bytes)) {
    case RequestParser::Progress::Incomplete: return;
    case RequestParser::Progress::Complete: respond(route(parser_.request(), snapshot_)); return;
    case RequestParser::Progress::Bad: respond(error_response(400)); return;
    case RequestParser::Progress::TooLarge: respond(error_response(431)); return;
  }
}

void Connection::on_end(int) {
  const auto keep = shared_from_this();
  // A client that half-closes right after its request still waits for the answer.
  if (responded_ && !written_) {
    peer_closed_ = true;
    return;
  }
  close();
}

void Connection::on_timer() {
  const auto keep = shared_from_this();
  if (responded_) {
    close();  // the linger is over
  } else {
    respond(error_response(408));
  }
}

void Connection::respond(const Response& response) {
  responded_ = true;
  timer_.stop();
  if (stream_.write(serialize(response), [this](int status) { on_written(status); }) != 0) close();
}

void Connection::on_written(int status) {
  const auto keep = shared_from_this();
  written_ = true;
  // FIN after the response; the client closes in turn, and on_end follows.
  if (status != 0 || peer_closed_ || stream_.shutdown() != 0) {
    close();
    return;
  }
  timer_.start(limits_.linger);
}

void Connection::close() {
  timer_.stop();
  auto on_closed = std::move(on_closed_);
  on_closed_ = nullptr;
  if (on_closed) on_closed(*this);
}

}  // namespace lastcall::http
