#pragma once
// Large arrays looked up at random (the flow table's entries and index) asked to sit in 2 MiB
// transparent huge pages where the kernel allows it (THP in "madvise" mode, as on these machines,
// backs nothing unless asked): fewer TLB misses and page walks per lookup. The advice must come
// before the pages are first touched (a page touched first is a 4 KiB page), so the vector is
// reserved, advised, and only then filled. Only whole 2 MiB blocks inside the buffer are advised;
// pages are still allocated on first touch. Errors are ignored: it is only a hint.
#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace minewatch {

inline void advise_huge_pages(const void* data, std::size_t bytes) {
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t last = (begin + bytes) & ~(kHuge - 1);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
}

// Reserves room for `n` elements in an empty vector and advises the untouched buffer.
template <typename T>
void reserve_huge(std::vector<T>& v, std::size_t n) {
  v.reserve(n);
  advise_huge_pages(v.data(), v.capacity() * sizeof(T));
}

}  // namespace minewatch
