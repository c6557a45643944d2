#pragma once
// A capture file mapped whole and read-only, and the prefetching of a walk through it: both file
// readers (classic pcap, pcapng) walk their mapping in place, so frames point straight into it.
// A file truncated by another process while mapped raises SIGBUS, as with any mmap reader; captures
// still being written belong to the libpcap path.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "core/prefetch.hpp"
#include "core/result.hpp"

namespace minewatch::capture {

class MappedFile {
 public:
  // Maps `path`, which must be a non-empty regular file. Errors name the file.
  [[nodiscard]] static Result<MappedFile> open(const std::string& path);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  [[nodiscard]] std::span<const std::uint8_t> bytes() const { return {static_cast<const std::uint8_t*>(addr_), size_}; }
  [[nodiscard]] bool mapped() const { return addr_ != nullptr; }

 private:
  void* addr_ = nullptr;
  std::size_t size_ = 0;
};

// Warms the lines a walk reads next. A walk is a dependent chain (each record's length says where the
// next header is), so a header that is not in cache stalls it for a full memory latency.
class WalkPrefetch {
 public:
  // A step (step(), and the parallel pipeline's walkers): more lines than an average packet spans
  // (~9 in an ISP mix), so the prefetched window keeps its distance from the walk.
  static constexpr std::size_t kStepLines = 12;
  // Pages are mapped ahead of the walk this much at a time: each MADV_POPULATE_READ is a system call,
  // even over pages already mapped.
  static constexpr std::size_t kPopulateChunk = 16u << 20;
  // step(): far enough ahead that the lines arrive long before the walk needs them (the walk of a
  // 256-frame batch runs through ~140 KiB at once).
  static constexpr std::size_t kStepWindow = 256 * 1024;
  // near(): every line up to this far ahead of the read position, so that the headers and the packets
  // the decoder reads next arrive in time even when no consumer takes steps.
  static constexpr std::size_t kNearAhead = 4096;

  // `mapped`: the bytes are a file mapping whose pages may still need mapping in (else a buffer, all
  // present). `from`: where the walk starts.
  WalkPrefetch(std::span<const std::uint8_t> bytes, bool mapped, std::size_t from)
      : bytes_(bytes), prefetched_(from), populated_(mapped ? 0 : bytes.size()), can_populate_(mapped) {}

  // One step of the stream ahead of `pos`, mapping the pages ahead in kPopulateChunk steps first: a
  // prefetch of a page not yet mapped costs a page walk and is dropped. Runs once per packet.
  void step(std::size_t pos) {
    const std::size_t until = std::min(bytes_.size(), pos + kStepWindow);
    if (until > populated_ && !populate_to(until)) return;
    const std::uint8_t* p = bytes_.data() + prefetched_;
    if (prefetched_ + kStepLines * kCacheLineBytes <= until) {
      prefetch_lines<kStepLines>(p);  // the usual step
      prefetched_ += kStepLines * kCacheLineBytes;
      return;
    }
    for (; prefetched_ < until; prefetched_ += kCacheLineBytes, p += kCacheLineBytes) prefetch_line(p);
  }
  // Every line up to kNearAhead past `pos` not yet prefetched.
  void near(std::size_t pos) {
    for (const std::size_t until = std::min(bytes_.size(), pos + kNearAhead); prefetched_ < until;
         prefetched_ += kCacheLineBytes) {
      prefetch_line(bytes_.data() + prefetched_);
    }
  }
  // Maps the pages of [from, until) now when the bytes are a file mapping (MADV_POPULATE_READ).
  static void populate(std::span<const std::uint8_t> bytes, std::size_t from, std::size_t until);

 private:
  bool populate_to(std::size_t until);

  std::span<const std::uint8_t> bytes_;
  std::size_t prefetched_;  // cache lines below this offset have been prefetched
  std::size_t populated_;   // pages below this offset are mapped (a buffer: all of it)
  bool can_populate_;       // a mapping whose kernel takes MADV_POPULATE_READ
};

}  // namespace minewatch::capture
