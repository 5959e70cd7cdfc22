// SPDX-License-Identifier: MIT
#include "process/spawn.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "helper_mode.hpp"
#include "log/log_writer.hpp"
#include "process_support.hpp"
#include "signals/signal_router.hpp"
#include "uv/loop.hpp"

using namespace lastcall;
using process::Reaper;
using process::SpawnRequest;
using test::run_capturing;
using testing::helper_argv;

namespace {

// The descriptors open in this process now (testing::open_fds), never none.
std::vector<int> open_fds() {
  auto fds = testing::open_fds();
  REQUIRE_FALSE(fds.empty());
  return fds;
}

bool contains(const std::vector<int>& fds, int fd) { return std::find(fds.begin(), fds.end(), fd) != fds.end(); }

// lastcall's own user and group: a switch that needs no privilege.
core::Credentials same_user() {
  return core::Credentials{.user = "self", .uid = geteuid(), .gid = getegid(), .groups = {getegid()}};
}

SpawnRequest as_self(SpawnRequest request) {
  request.credentials = same_user();
  return request;
}

// The request as the child's at start: the caller waits for the exec, so spawn may vfork.
SpawnRequest awaiting(SpawnRequest request) {
  request.await_exec = true;
  return request;
}

// Why `request` could not run, as its exec report says, once the process that tried has
// been reaped; that process exits 127 whatever the reason.
core::Error not_run(const SpawnRequest& request) {
  auto spawned = process::spawn(request, core::InheritedSignals{});
  REQUIRE(spawned.ok());
  const auto error = process::read_exec_report(std::move(spawned->report), request);
  CHECK(Reaper::wait_for(spawned->pid) == core::ExitStatus{.code = 127, .signal = 0});
  REQUIRE(error.has_value());
  return *error;
}

// A file that exists but has no execute bit, in a scratch directory removed when the test ends.
struct NotExecutable {
  test::TempDir dir;
  std::string path = dir.write("not-executable", "#!/bin/sh\n");
};

// The signal numbers in a "blocked N..." or "ignored N..." line of the `signals` helper.
std::vector<int> numbers_after(const std::string& out, const std::string& word) {
  const auto start = out.find(word);
  REQUIRE(start != std::string::npos);
  std::istringstream line(out.substr(start + word.size(), out.find('\n', start) - start - word.size()));
  std::vector<int> numbers;
  for (int n; line >> n;) numbers.push_back(n);
  return numbers;
}

// What take_over() finds in a test process whose parent left `blocked` blocked, `ignored`
// ignored and every other signal at its default (whatever the test runner itself inherited).
core::InheritedSignals taken_over(std::initializer_list<int> blocked, std::initializer_list<int> ignored) {
  sigset_t mask;
  sigemptyset(&mask);
  for (const int sig : blocked) sigaddset(&mask, sig);
  REQUIRE(sigprocmask(SIG_SETMASK, &mask, nullptr) == 0);
  struct sigaction action {};
  for (int sig = 1; sig < NSIG; ++sig) {
    const bool ignore = std::find(ignored.begin(), ignored.end(), sig) != ignored.end();
    action.sa_handler = ignore ? SIG_IGN : SIG_DFL;
    // SIGKILL, SIGSTOP and glibc's two reserved signals refuse (EINVAL); none is ever ignored.
    (void)sigaction(sig, &action, nullptr);
  }
  return signals::take_over();
}

}  // namespace

TEST_CASE("the child runs in its own process group") {
  for (const bool await_exec : {false, true}) {
    CAPTURE(await_exec);
    const auto captured = run_capturing({.argv = helper_argv({"pgrp"}), .await_exec = await_exec});
    CHECK(captured.status == core::ExitStatus{});
    std::istringstream out(captured.out);
    pid_t pgid = 0;
    pid_t pid = 0;
    const bool parsed = static_cast<bool>(out >> pgid >> pid);
    REQUIRE_MESSAGE(parsed, "no \"PGID PID\" in: " << captured.out);
    CHECK(pid > 1);
    CHECK(pgid == pid);
    CHECK(pgid != getpgrp());
  }
}

TEST_CASE("the new process gets the signal mask and the ignored signals lastcall inherited, the rest at default") {
  // lastcall itself has every signal it receives blocked and SIGCHLD at its default. That must
  // not reach the new process.
  test::SignalGuard guard;
  SUBCASE("what lastcall inherited") {
    const auto signals = taken_over({SIGHUP, SIGTERM, SIGRTMIN + 1}, {SIGINT, SIGPIPE, SIGCHLD});
    for (const bool await_exec : {false, true}) {
      CAPTURE(await_exec);
      const auto captured = run_capturing({.argv = helper_argv({"signals"}), .await_exec = await_exec}, signals);
      CHECK(captured.status == core::ExitStatus{});
      CHECK(numbers_after(captured.out, "blocked") == std::vector<int>{SIGHUP, SIGTERM, SIGRTMIN + 1});
      CHECK(numbers_after(captured.out, "ignored") == std::vector<int>{SIGINT, SIGPIPE, SIGCHLD});
    }
  }
  SUBCASE("nothing inherited: nothing blocked, nothing ignored") {
    const auto captured = run_capturing({.argv = helper_argv({"signals"})}, taken_over({}, {}));
    CHECK(numbers_after(captured.out, "blocked").empty());
    CHECK(numbers_after(captured.out, "ignored").empty());
  }
}

TEST_CASE("no descriptor of lastcall's leaks into the child") {
  // Descriptors the test runner itself inherited without close-on-exec pass through, as
  // they would into lastcall's child; the child sees those and 0-2, nothing else.
  const auto before = open_fds();
  std::string expected = "0\n1\n2\n";
  for (const int fd : before) {
    if (fd > 2 && (fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0) expected += std::to_string(fd) + '\n';
  }
  // A descriptor lastcall opens is close-on-exec; so are those of its own modules: the
  // loop's (epoll and the like) and the log writer's pipe reopened non-blocking.
  const int mine = open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(mine >= 3);
  uv::Loop loop;
  int log_pipe[2];
  REQUIRE(pipe2(log_pipe, O_CLOEXEC) == 0);
  std::vector<int> lastcalls;
  {
    log::LogWriter writer(log_pipe[1]);
    REQUIRE(writer.is_non_blocking());  // it holds a descriptor of its own
    for (const int fd : open_fds()) {
      if (!contains(before, fd)) lastcalls.push_back(fd);
    }
    REQUIRE(lastcalls.size() >= 5);  // mine, the loop's epoll, the pipe's two ends, the writer's
    // The captured stdout is a pipe of its own, dup2'd onto 1 in the child.
    const auto captured = run_capturing({.argv = helper_argv({"list-fds"})});
    CHECK(captured.status == core::ExitStatus{});
    CHECK(captured.out == expected);
    for (const int fd : lastcalls) {
      INFO("descriptor " << fd);
      CHECK(captured.out.find("\n" + std::to_string(fd) + "\n") == std::string::npos);
    }
    CHECK(captured.out.starts_with("0\n1\n2\n"));
  }
  close(log_pipe[0]);
  close(log_pipe[1]);
  close(mine);
  CHECK(loop.close());
}

TEST_CASE("close_other_fds closes even inherited descriptors above 2") {
  const int inherited_fd = open("/dev/null", O_RDONLY);  // no O_CLOEXEC, as from a parent
  REQUIRE(inherited_fd >= 3);
  SUBCASE("as lastcall's user") {
    CHECK(run_capturing({.argv = helper_argv({"list-fds"}), .close_other_fds = true}).out == "0\n1\n2\n");
  }
  SUBCASE("awaiting the exec") {
    CHECK(run_capturing(awaiting({.argv = helper_argv({"list-fds"}), .close_other_fds = true})).out == "0\n1\n2\n");
  }
  SUBCASE("with credentials, and the report pipe is gone too") {
    CHECK(run_capturing(as_self({.argv = helper_argv({"list-fds"}), .close_other_fds = true})).out == "0\n1\n2\n");
  }
  close(inherited_fd);
}

TEST_CASE("stdin, stdout and stderr go where the request says") {
  test::Pipe in;
  test::Pipe err;
  REQUIRE(fcntl(in.read_end, F_SETFL, 0) == 0);
  REQUIRE(write(in.write_end, "hello\n", 6) == 6);
  in.close_write();
  const auto captured = run_capturing({.argv = {"/bin/sh", "-c", "read x; echo \"got $x\"; echo oops >&2"},
                                       .stdin_fd = in.read_end,
                                       .stderr_fd = err.write_end});
  err.close_write();
  CHECK(captured.out == "got hello\n");
  CHECK(test::read_to_end(err.read_end) == "oops\n");
}

TEST_CASE("the exit code and the environment reach the spawned process") {
  SUBCASE("as lastcall's user") {
    const auto captured = run_capturing({.argv = {"/bin/sh", "-c", "echo $LC_TEST_VALUE; exit 3"},
                                         .env = std::vector<std::string>{"LC_TEST_VALUE=hello"}});
    CHECK(captured.out == "hello\n");
    CHECK(captured.status == core::ExitStatus{.code = 3, .signal = 0});
    CHECK_FALSE(captured.not_run.has_value());
  }
  SUBCASE("with credentials, through a PATH search") {
    const auto captured = run_capturing(as_self({.argv = {"sh", "-c", "echo $LC_TEST_VALUE; exit 3"},
                                                 .env = std::vector<std::string>{"LC_TEST_VALUE=hello"}}));
    CHECK(captured.out == "hello\n");
    CHECK(captured.status.code == 3);
  }
  SUBCASE("awaiting the exec, through a PATH search") {
    const auto captured = run_capturing(awaiting({.argv = {"sh", "-c", "echo $LC_TEST_VALUE; exit 3"},
                                                  .env = std::vector<std::string>{"LC_TEST_VALUE=hello"}}));
    CHECK(captured.out == "hello\n");
    CHECK(captured.status.code == 3);
  }
  SUBCASE("without env, lastcall's own environment") {
    test::ScopedEnv value("LC_TEST_VALUE", "inherited");
    CHECK(run_capturing({.argv = {"/bin/sh", "-c", "echo $LC_TEST_VALUE"}}).out == "inherited\n");
  }
}

namespace {

// The `env LISTEN_PID` helper's output ("VALUE PID COUNT") shows its own pid, once.
void check_own_listen_pid(const SpawnRequest& request) {
  const auto captured = run_capturing(request);
  std::istringstream out(captured.out);
  std::string value;
  pid_t pid = 0;
  int count = 0;
  REQUIRE_MESSAGE(static_cast<bool>(out >> value >> pid >> count), "no \"VALUE PID COUNT\" in: " << captured.out);
  CHECK(pid > 1);
  CHECK(value == std::to_string(pid));
  CHECK(count == 1);
}

}  // namespace

TEST_CASE("with set_listen_pid, LISTEN_PID is the new process's own pid, once") {
  SUBCASE("over the request's environment") {
    check_own_listen_pid({.argv = helper_argv({"env", "LISTEN_PID"}),
                          .env = std::vector<std::string>{"LISTEN_PID=1", "LISTEN_FDS=1"},
                          .set_listen_pid = true});
  }
  SUBCASE("over lastcall's environment") {
    test::ScopedEnv listen_pid("LISTEN_PID", "999999");
    for (const bool await_exec : {false, true}) {
      CAPTURE(await_exec);
      check_own_listen_pid({.argv = helper_argv({"env", "LISTEN_PID"}), .set_listen_pid = true, .await_exec = await_exec});
    }
  }
  SUBCASE("without it, LISTEN_PID is left as it was") {
    const auto captured =
        run_capturing({.argv = helper_argv({"env", "LISTEN_PID"}), .env = std::vector<std::string>{"LISTEN_PID=1"}});
    CHECK(captured.out.starts_with("1 "));
  }
}

TEST_CASE("COMMAND not found is exit code 127, not executable is 126") {
  SUBCASE("not found") {
    const auto error = not_run({.argv = {"/nonexistent/lastcall-test-command"}});
    CHECK(error.exit_code == 127);
    CHECK(error.message == "/nonexistent/lastcall-test-command: command not found");
  }
  SUBCASE("not found in PATH") {
    const auto error = not_run({.argv = {"lastcall-no-such-command-xyz"}});
    CHECK(error.exit_code == 127);
    CHECK(error.message == "lastcall-no-such-command-xyz: command not found");
  }
  SUBCASE("not found in PATH, awaiting the exec") {
    const auto error = not_run(awaiting({.argv = {"lastcall-no-such-command-xyz"}}));
    CHECK(error.exit_code == 127);
    CHECK(error.message == "lastcall-no-such-command-xyz: command not found");
  }
  SUBCASE("not found, with credentials") {
    CHECK(not_run(as_self({.argv = {"lastcall-no-such-command-xyz"}})).exit_code == 127);
  }
  SUBCASE("not executable") {
    NotExecutable file;
    const auto error = not_run({.argv = {file.path}});
    CHECK(error.exit_code == 126);
    CHECK(error.message == file.path + ": found but not executable: Permission denied");
  }
  SUBCASE("not executable, with credentials") {
    NotExecutable file;
    CHECK(not_run(as_self({.argv = {file.path}})).exit_code == 126);
  }
  SUBCASE("not executable, awaiting the exec") {
    NotExecutable file;
    CHECK(not_run(awaiting({.argv = {file.path}})).exit_code == 126);
  }
  SUBCASE("a directory") {
    const test::TempDir dir;
    const auto error = not_run({.argv = {dir.path()}});
    CHECK(error.exit_code == 126);
    CHECK(error.message.starts_with(dir.path() + ": found but not executable: "));
  }
  SUBCASE("an empty command") {
    auto spawned = process::spawn({.argv = {""}}, core::InheritedSignals{});
    REQUIRE_FALSE(spawned.ok());
    CHECK(spawned.error().exit_code == 127);
  }
  // The process that tried was reaped by pid: nothing is left for a waitpid.
  CHECK_FALSE(Reaper::has_children());
}

TEST_CASE("a cwd that cannot be entered fails the start with a message naming it") {
  SUBCASE("as lastcall's user") {
    const auto error = not_run({.argv = {"/bin/true"}, .cwd = std::string("/nonexistent-dir-xyz")});
    CHECK(error.exit_code == 127);
    CHECK(error.message == "/bin/true: cannot change to directory /nonexistent-dir-xyz: No such file or directory");
  }
  SUBCASE("awaiting the exec") {
    const auto error = not_run(awaiting({.argv = {"/bin/true"}, .cwd = std::string("/nonexistent-dir-xyz")}));
    CHECK(error.exit_code == 127);
    CHECK(error.message == "/bin/true: cannot change to directory /nonexistent-dir-xyz: No such file or directory");
  }
  SUBCASE("with credentials") {
    const auto error = not_run(as_self({.argv = {"/bin/true"}, .cwd = std::string("/nonexistent-dir-xyz")}));
    CHECK(error.message.find("/nonexistent-dir-xyz") != std::string::npos);
  }
  SUBCASE("a cwd that exists is where it runs") {
    CHECK(run_capturing({.argv = {"/bin/sh", "-c", "pwd"}, .cwd = std::string("/tmp")}).out == "/tmp\n");
  }
}

TEST_CASE("credentials that cannot be taken fail the start with 126, naming the user and group") {
  // setuid(2) refuses uid -1 (EINVAL) even to root; without root, setgid(0) already fails.
  core::Credentials bad{.user = "nobody-at-all", .uid = static_cast<uid_t>(-1), .gid = 0, .groups = {0}};
  const auto error = not_run({.argv = {"/bin/true"}, .credentials = bad});
  CHECK(error.exit_code == 126);
  CHECK(error.message.starts_with("/bin/true: cannot switch to user nobody-at-all, group 0: "));
  SUBCASE("a group alone") {
    core::Credentials group_only{.user = "", .uid = std::nullopt, .gid = static_cast<gid_t>(-1), .groups = {0}};
    const auto group_error = not_run({.argv = {"/bin/true"}, .credentials = group_only});
    CHECK(group_error.exit_code == 126);
    CHECK(group_error.message.starts_with("/bin/true: cannot switch to group " + std::to_string(static_cast<gid_t>(-1)) +
                                          ": "));
  }
}

TEST_CASE("as root, the process switches to the user, its group and supplementary groups") {
  if (geteuid() != 0) {
    MESSAGE("skipped: only root can switch to another user");
    return;
  }
  core::Credentials nobody{.user = "65534", .uid = 65534, .gid = 65533, .groups = {65533, 65532}};
  SpawnRequest request{.argv = {"/bin/sh", "-c", "echo $(id -u) $(id -g) $(id -G)"}};
  request.credentials = nobody;
  const auto captured = run_capturing(request);
  CHECK(captured.status.code == 0);
  CHECK(captured.out == "65534 65533 65533 65532\n");
}

TEST_CASE("awaiting the exec, spawn returns once the new process has tried it") {
  // It shares our memory until it has exec'd or exited (vfork), so a process that could not
  // start has written its report by the time spawn returns: no wait is needed to read it.
  // (After a successful exec we may resume before its close-on-exec descriptors are closed,
  // so end of file is not yet certain then.)
  const SpawnRequest request{.argv = {"/bin/true"}, .cwd = std::string("/nonexistent-dir-xyz"), .await_exec = true};
  auto spawned = process::spawn(request, core::InheritedSignals{});
  REQUIRE(spawned.ok());
  REQUIRE(fcntl(spawned->report.get(), F_SETFL, O_NONBLOCK) == 0);
  const auto error = process::read_exec_report(std::move(spawned->report), request);
  REQUIRE(error.has_value());
  CHECK(error->message == "/bin/true: cannot change to directory /nonexistent-dir-xyz: No such file or directory");
  CHECK(Reaper::wait_for(spawned->pid) == core::ExitStatus{.code = 127, .signal = 0});
}
