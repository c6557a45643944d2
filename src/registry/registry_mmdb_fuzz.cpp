// The MMDB importer on arbitrary bytes: libmaxminddb opens files only, so the input goes through a
// memfd (no disk). Whatever loads must build a registry.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "registry/registry.hpp"

// libmaxminddb 1.7.1 (Debian 12) leaks metadata allocations when MMDB_open rejects a file (fixed
// upstream in maxmind/libmaxminddb#356); not ours to fix, so only the library's own leaks are ignored.
extern "C" const char* __lsan_default_suppressions() { return "leak:libmaxminddb.so\n"; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace minewatch::registry;
  static const int fd = memfd_create("mmdb_fuzz", 0);
  if (fd < 0) return 0;
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) return 0;
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  RegistryData reg_data;
  ImportOptions options;
  options.format = ImportFormat::Mmdb;
  auto report = import_file(path, reg_data, options);
  if (report && report->prefixes_added != reg_data.prefixes.size()) __builtin_trap();
  Registry reg(std::move(reg_data));
  (void)reg.lookup(minewatch::IpAddress{});
  return 0;
}
