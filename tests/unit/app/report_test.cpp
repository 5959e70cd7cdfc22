// SPDX-License-Identifier: MIT
#include "app/report.hpp"

#include <csignal>

#include <doctest/doctest.h>

using lastcall::app::describe_exit;
using lastcall::app::shell_quoted;
using lastcall::core::ExitStatus;

TEST_CASE("how a process ended, in words") {
  CHECK(describe_exit(ExitStatus{.code = 0, .signal = 0}) == "exited with 0");
  CHECK(describe_exit(ExitStatus{.code = 3, .signal = 0}) == "exited with 3");
  CHECK(describe_exit(ExitStatus{.code = 0, .signal = SIGTERM}) == "was killed by SIGTERM");
  CHECK(describe_exit(ExitStatus{.code = 0, .signal = SIGKILL}) == "was killed by SIGKILL");
}

TEST_CASE("a command is shown as a shell would read it back") {
  SUBCASE("plain words stay plain") {
    CHECK(shell_quoted({"nginx", "-g", "/etc/nginx.conf", "a=b", "x,y:z@host%1+2"}) ==
          "nginx -g /etc/nginx.conf a=b x,y:z@host%1+2");
  }
  SUBCASE("a word with a space or a shell character is single-quoted") {
    CHECK(shell_quoted({"nginx", "-g", "daemon off;"}) == "nginx -g 'daemon off;'");
    CHECK(shell_quoted({"sh", "-c", "echo $HOME > /tmp/x"}) == "sh -c 'echo $HOME > /tmp/x'");
    CHECK(shell_quoted({"a*", "b?", "~c", "d|e", "f\"g"}) == "'a*' 'b?' '~c' 'd|e' 'f\"g'");
  }
  SUBCASE("a single quote is closed, escaped and reopened") {
    CHECK(shell_quoted({"echo", "it's"}) == "echo 'it'\\''s'");
  }
  SUBCASE("an empty word is two quotes") {
    CHECK(shell_quoted({"rm", "-f", ""}) == "rm -f ''");
  }
  SUBCASE("nothing at all is nothing") { CHECK(shell_quoted({}).empty()); }
  SUBCASE("a newline or tab is quoted") { CHECK(shell_quoted({"a\nb", "c\td"}) == "'a\nb' 'c\td'"); }
}
