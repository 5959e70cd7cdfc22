// SPDX-License-Identifier: MIT
// The static binary looks user and group names up in /etc/passwd and /etc/group only.
//
// A statically linked glibc still follows /etc/nsswitch.conf, and for a source other than
// "files" (systemd, sss, ldap) it loads that NSS module, a shared library built against the
// system's shared glibc, into a process that carries its own static copy. On Debian 12
// ("passwd: files systemd"), a name missing from /etc/passwd is passed on to libnss_systemd,
// and lastcall died of SIGSEGV there instead of reporting the config error.
// __nss_configure_lookup (<nss.h>) replaces a database's nsswitch.conf line. The static link
// routes the four lookups lastcall makes through the wrappers below (ld --wrap), so that this
// happens before the first lookup, and a start that looks nothing up pays nothing for it.
// This file is compiled into the static build only.
#include <grp.h>
#include <nss.h>
#include <pwd.h>

#include <cstddef>
#include <initializer_list>

extern "C" {
int __real_getpwnam_r(const char* name, passwd* entry, char* buffer, std::size_t size, passwd** found);
int __real_getpwuid_r(uid_t uid, passwd* entry, char* buffer, std::size_t size, passwd** found);
int __real_getgrnam_r(const char* name, group* entry, char* buffer, std::size_t size, group** found);
int __real_getgrouplist(const char* user, gid_t gid, gid_t* groups, int* count);
}

namespace {

void look_names_up_in_files_only() {
  static const bool configured = [] {
    for (const char* database : {"passwd", "group", "initgroups"}) (void)__nss_configure_lookup(database, "files");
    return true;
  }();
  (void)configured;
}

}  // namespace

extern "C" {

int __wrap_getpwnam_r(const char* name, passwd* entry, char* buffer, std::size_t size, passwd** found) {
  look_names_up_in_files_only();
  return __real_getpwnam_r(name, entry, buffer, size, found);
}

int __wrap_getpwuid_r(uid_t uid, passwd* entry, char* buffer, std::size_t size, passwd** found) {
  look_names_up_in_files_only();
  return __real_getpwuid_r(uid, entry, buffer, size, found);
}

int __wrap_getgrnam_r(const char* name, group* entry, char* buffer, std::size_t size, group** found) {
  look_names_up_in_files_only();
  return __real_getgrnam_r(name, entry, buffer, size, found);
}

int __wrap_getgrouplist(const char* user, gid_t gid, gid_t* groups, int* count) {
  look_names_up_in_files_only();
  return __real_getgrouplist(user, gid, groups, count);
}

}  // extern "C"
