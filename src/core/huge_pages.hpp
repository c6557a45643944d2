#pragma once
// A hint for large arrays looked up at random (the flow table, its index): back them with 2 MiB
// transparent huge pages where the kernel allows it (THP "madvise" mode, the Debian default), so each
// random lookup stops paying a TLB miss and page walk. Only the whole 2 MiB blocks inside the range
// are advised; pages are still allocated on first touch. Errors are ignored: it is only a hint.
#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

namespace minewatch {

inline void advise_huge_pages(const void* data, std::size_t bytes) {
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t last = (begin + bytes) & ~(kHuge - 1);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
}

}  // namespace minewatch
