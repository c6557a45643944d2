#include "core/id_index.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace minewatch {
namespace {

// Random inserts and erases against std::map, with hashes drawn from a tiny range so clusters and
// wrap-around at the end of the slot array are the common case, not the exception.
TEST(IdIndex, MatchesAMapUnderHeavyCollisionsAndDeletion) {
  for (std::uint64_t hash_range : {4ull, 64ull, 1ull << 40}) {
    IdIndex index;
    std::map<std::uint32_t, std::uint64_t> truth;  // id -> hash
    std::mt19937_64 rng(hash_range);
    std::uint32_t next_id = 0;
    for (int step = 0; step < 20000; ++step) {
      if (truth.empty() || rng() % 3 != 0) {
        const std::uint64_t h = (rng() % hash_range) * 0x9E3779B97F4A7C15ull >> 3;
        index.insert(h, next_id);
        truth[next_id++] = h;
      } else {
        auto it = truth.begin();
        std::advance(it, static_cast<long>(rng() % truth.size()));
        index.erase(it->second, it->first);
        truth.erase(it);
      }
      if (step % 97 == 0) {
        ASSERT_EQ(index.size(), truth.size());
        for (const auto& [id, h] : truth) {
          const std::uint32_t want = id;
          ASSERT_EQ(index.find(h, [&](std::uint32_t got) { return got == want; }), id) << "step " << step;
        }
        const std::uint32_t absent = next_id + 1;
        ASSERT_EQ(index.find(12345, [&](std::uint32_t got) { return got == absent; }), IdIndex::kNone);
      }
    }
  }
}

}  // namespace
}  // namespace minewatch
