// SPDX-License-Identifier: MIT
// What std::terminate does in lastcall: one line on stderr, then abort.
//
// libstdc++ is linked in statically, and its default handler, __gnu_cxx::__verbose_terminate_handler,
// brings the whole C++ name demangler with it (52 KB of the binary) only to print the type of an
// uncaught exception. Defining the handler variable that libstdc++'s std::terminate reads here,
// in an object given to the linker before libstdc++.a, keeps that archive member and the
// demangler out. The variable is libstdc++'s (unwind-cxx.h), not a public interface: this file
// is compiled only into the lastcall executable, and a libstdc++ that no longer reads it would
// just bring its verbose handler back.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <exception>

namespace {

void write_stderr(const char* text) { (void)!write(STDERR_FILENO, text, std::strlen(text)); }

[[noreturn]] void terminate_briefly() noexcept {
  write_stderr("lastcall: terminate called");
  if (const std::exception_ptr current = std::current_exception()) {
    try {
      std::rethrow_exception(current);
    } catch (const std::exception& e) {
      write_stderr(" after an uncaught exception: ");
      write_stderr(e.what());
    } catch (...) {
      write_stderr(" after an uncaught exception");
    }
  }
  write_stderr("\n");
  std::abort();
}

}  // namespace

namespace __cxxabiv1 {
extern std::terminate_handler __terminate_handler;
std::terminate_handler __terminate_handler = terminate_briefly;
}  // namespace __cxxabiv1
