#pragma once
// Longest-prefix match over 4-byte (IPv4) or 16-byte (IPv6) keys.
//
// A 16-bit direct root (65,536 entries, 256 KiB) followed by 8-bit stride nodes. Each node stores its 256
// slots run-length compressed, poptrie-style: a 256-bit vector marks where a new run starts and the slot's
// value is found with one popcount into a shared leaf array. A lookup is one root read plus two reads per
// level (node, leaf); an IPv4 lookup is at most three levels. Built once from a prefix list, immutable.
// docs/decisions/0010-registry-prefix-table.md explains the choice.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace minewatch::registry {

class PrefixTable {
 public:
  struct Item {
    std::array<std::uint8_t, 16> key{};  // first key_bytes bytes used; bits past length are ignored
    std::uint8_t length = 0;
    std::uint32_t value = 0;  // < kMaxValue
  };
  static constexpr std::uint32_t kNone = 0xffffffffu;
  static constexpr std::uint32_t kMaxValue = 0x7ffffffeu;

  // key_bytes is 4 or 16. When the same prefix appears twice, the later item wins.
  PrefixTable(unsigned key_bytes, std::vector<Item> items);

  // The value of the longest prefix covering key (key_bytes bytes), or kNone.
  [[nodiscard]] std::uint32_t lookup(const std::uint8_t* key) const {
    if (root_.empty()) return kNone;
    std::uint32_t e = root_[(static_cast<unsigned>(key[0]) << 8) | key[1]];
    unsigned depth = 2;
    while (e & kChild) {
      const Node& n = nodes_[e & ~kChild];
      const unsigned i = key[depth++];
      const unsigned w = i >> 6;
      const std::uint64_t upto = n.runs[w] & (~std::uint64_t{0} >> (63 - (i & 63)));
      const unsigned before = w == 0 ? 0u : n.before[w - 1];
      e = leaves_[n.base + before + static_cast<unsigned>(__builtin_popcountll(upto)) - 1];
    }
    return e - 1;  // 0 (no prefix) wraps to kNone
  }

  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::size_t duplicates() const { return duplicates_; }
  [[nodiscard]] std::size_t memory_bytes() const {
    return root_.capacity() * sizeof(std::uint32_t) + nodes_.capacity() * sizeof(Node) +
           leaves_.capacity() * sizeof(std::uint32_t);
  }
  [[nodiscard]] std::size_t node_count() const { return nodes_.size(); }

 private:
  static constexpr std::uint32_t kChild = 0x80000000u;
  struct Node {
    std::uint64_t runs[4];   // bit i: slot i starts a new run (slot 0 always does)
    std::uint32_t base;      // first run's leaf index
    std::uint8_t before[3];  // runs in words 0..w (cumulative popcount), w = 0..2
  };

  std::uint32_t build_node(const Item* const* first, const Item* const* last, unsigned depth, std::uint32_t inherited);

  std::size_t size_ = 0;
  std::size_t duplicates_ = 0;
  std::vector<std::uint32_t> root_;
  std::vector<Node> nodes_;
  std::vector<std::uint32_t> leaves_;
};

}  // namespace minewatch::registry
