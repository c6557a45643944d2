#pragma once
// Software prefetch hints the compiler keeps. GCC 12 treats __builtin_prefetch as free of side effects
// and deletes a loop whose only effect is prefetching: FlowTable::prefetch_entry's probe loop compiled
// to a bare `ret`, and so did Engine::prefetch once inlined into the analyze loop, so no flow lookup was
// ever prefetched (seen in the disassembly; decision 0009, stop 16). A volatile asm statement is never
// deleted; it only names the address and reads nothing. Every software prefetch in the project goes
// through here.
#include <cstddef>

namespace minewatch {

// Fetch the cache line holding `p` into all cache levels (prefetcht0).
inline void prefetch_line(const void* p) { asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p))); }

inline constexpr std::size_t kCacheLineBytes = 64;

// `Lines` consecutive lines from `p`, unrolled: one step of a stream warmed a little per item of work
// (a loop testing its bound per line cost as much as decoding an IP header, callgrind).
template <std::size_t Lines>
inline void prefetch_lines(const void* p) {
  const char* c = static_cast<const char*>(p);
#pragma GCC unroll 16
  for (std::size_t k = 0; k < Lines; ++k) prefetch_line(c + k * kCacheLineBytes);
}

// Every line of the `bytes` bytes at `p` (the object may straddle one more line than bytes / 64).
inline void prefetch_range(const void* p, std::size_t bytes) {
  const char* c = static_cast<const char*>(p);
  for (std::size_t off = 0; off < bytes; off += 64) prefetch_line(c + off);
  if (bytes != 0) prefetch_line(c + bytes - 1);
}

}  // namespace minewatch
