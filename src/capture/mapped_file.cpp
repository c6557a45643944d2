#include "capture/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22  // Linux 5.14; older kernels answer EINVAL and the walk's own faults map pages
#endif

namespace minewatch::capture {

Result<MappedFile> MappedFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return make_error(path + ": " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(path + ": not a regular file");
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return make_error(path + ": empty file");
  }
  void* addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int map_err = errno;
  ::close(fd);  // the mapping keeps the file alive
  if (addr == MAP_FAILED) return make_error(path + ": mmap failed: " + std::strerror(map_err));
  ::madvise(addr, size, MADV_SEQUENTIAL);  // aggressive readahead, drop pages behind us
  MappedFile file;
  file.addr_ = addr;
  file.size_ = size;
  return file;
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : addr_(std::exchange(other.addr_, nullptr)), size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (addr_ != nullptr) ::munmap(addr_, size_);
    addr_ = std::exchange(other.addr_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (addr_ != nullptr) ::munmap(addr_, size_);
}

bool WalkPrefetch::populate_to(std::size_t until) {
  if (!can_populate_) return false;
  // Chunks start page-aligned (the mapping does, and chunks are whole pages); the last is cut short.
  const std::size_t end = std::min(bytes_.size(), std::max(until, populated_ + kPopulateChunk));
  if (::madvise(const_cast<std::uint8_t*>(bytes_.data()) + populated_, end - populated_, MADV_POPULATE_READ) != 0) {
    can_populate_ = false;  // an old kernel, or the file shrank under us: the walk's own faults map it
    return false;
  }
  populated_ = end;
  return true;
}

void WalkPrefetch::populate(std::span<const std::uint8_t> bytes, std::size_t from, std::size_t until) {
  constexpr std::size_t kPage = 4096;
  from &= ~(kPage - 1);
  until = std::min(until, bytes.size());
  if (from >= until) return;
  // An old kernel answers EINVAL: the walk's own faults map the pages then.
  (void)::madvise(const_cast<std::uint8_t*>(bytes.data()) + from, until - from, MADV_POPULATE_READ);
}

}  // namespace minewatch::capture
