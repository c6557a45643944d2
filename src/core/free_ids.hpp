#pragma once
// Storage addressed by uint32 id, with the ids of released elements kept for reuse: the flow table,
// the passive-DNS cache and the capture generator's chunks all allocate this way.
#include <cstdint>
#include <vector>

namespace minewatch {

// The id of an element to (re)use: the last released one, or a new default-constructed element at the
// end of `storage`. A reused element keeps its old contents (and buffers): the caller resets it.
template <typename T>
std::uint32_t take_id(std::vector<T>& storage, std::vector<std::uint32_t>& released) {
  if (!released.empty()) {
    const std::uint32_t id = released.back();
    released.pop_back();
    return id;
  }
  storage.emplace_back();
  return static_cast<std::uint32_t>(storage.size() - 1);
}

}  // namespace minewatch
