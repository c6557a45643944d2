#include "registry/prefix_table.hpp"

#include <algorithm>
#include <cassert>

namespace minewatch::registry {

namespace {

// Clears the bits past `length` so equal prefixes compare equal.
void mask(PrefixTable::Item& item, unsigned key_bytes) {
  for (unsigned b = 0; b < 16; ++b) {
    const unsigned bit = b * 8;
    if (b >= key_bytes || bit >= item.length) {
      item.key[b] = 0;
    } else if (bit + 8 > item.length) {
      item.key[b] &= static_cast<std::uint8_t>(0xff00u >> (item.length - bit));
    }
  }
}

bool key_less(const PrefixTable::Item* a, const PrefixTable::Item* b) {
  if (a->key != b->key) return a->key < b->key;
  return a->length < b->length;
}

// Paints the slots of a node covering bits [lo, lo + stride) with every prefix that ends in it, shortest
// first so that longer prefixes overwrite.
void paint(std::vector<const PrefixTable::Item*>& ending, std::uint32_t* slots, unsigned lo, unsigned stride) {
  std::stable_sort(ending.begin(), ending.end(),
                   [](const PrefixTable::Item* a, const PrefixTable::Item* b) { return a->length < b->length; });
  for (const auto* item : ending) {
    unsigned index = 0;
    for (unsigned bit = lo; bit < lo + stride; bit += 8) index = (index << 8) | item->key[bit / 8];
    const unsigned span_bits = lo + stride - item->length;
    const unsigned count = 1u << span_bits;
    const unsigned start = index & ~(count - 1);
    std::fill(slots + start, slots + start + count, item->value + 1);
  }
}

}  // namespace

PrefixTable::PrefixTable(unsigned key_bytes, std::vector<Item> items) {
  assert(key_bytes == 4 || key_bytes == 16);
  const unsigned max_len = key_bytes * 8;
  for (auto& item : items) {
    item.length = static_cast<std::uint8_t>(std::min<unsigned>(item.length, max_len));
    item.value = std::min(item.value, kMaxValue);
    mask(item, key_bytes);
  }
  // Sort pointers by (key, length); among equal prefixes the later input item wins.
  std::vector<const Item*> order(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) order[i] = &items[i];
  std::stable_sort(order.begin(), order.end(), key_less);
  std::vector<const Item*> unique;
  unique.reserve(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i + 1 < order.size() && order[i]->key == order[i + 1]->key && order[i]->length == order[i + 1]->length) {
      ++duplicates_;
      continue;
    }
    unique.push_back(order[i]);
  }
  size_ = unique.size();
  if (size_ == 0) return;  // no root array: an empty family (often IPv6) costs nothing

  root_.assign(1u << 16, 0);
  std::vector<const Item*> ending;
  std::vector<const Item*> longer;
  for (const auto* item : unique) (item->length <= 16 ? ending : longer).push_back(item);
  paint(ending, root_.data(), 0, 16);
  // `longer` is still sorted by key, so items under one root slot are contiguous.
  for (std::size_t i = 0; i < longer.size();) {
    const unsigned slot = (static_cast<unsigned>(longer[i]->key[0]) << 8) | longer[i]->key[1];
    std::size_t j = i + 1;
    while (j < longer.size() && ((static_cast<unsigned>(longer[j]->key[0]) << 8) | longer[j]->key[1]) == slot) ++j;
    root_[slot] = build_node(longer.data() + i, longer.data() + j, 2, root_[slot]);
    i = j;
  }
  nodes_.shrink_to_fit();
  leaves_.shrink_to_fit();
}

std::uint32_t PrefixTable::build_node(const Item* const* first, const Item* const* last, unsigned depth,
                                      std::uint32_t inherited) {
  std::uint32_t slots[256];
  std::fill(std::begin(slots), std::end(slots), inherited);
  const unsigned hi = (depth + 1) * 8;
  std::vector<const Item*> ending;
  std::vector<const Item*> longer;
  for (auto it = first; it != last; ++it) ((*it)->length <= hi ? ending : longer).push_back(*it);
  paint(ending, slots, depth * 8, 8);
  for (std::size_t i = 0; i < longer.size();) {
    const unsigned slot = longer[i]->key[depth];
    std::size_t j = i + 1;
    while (j < longer.size() && longer[j]->key[depth] == slot) ++j;
    slots[slot] = build_node(longer.data() + i, longer.data() + j, depth + 1, slots[slot]);
    i = j;
  }

  Node node{};
  node.base = static_cast<std::uint32_t>(leaves_.size());
  for (unsigned i = 0; i < 256; ++i) {
    if (i == 0 || slots[i] != slots[i - 1]) {
      node.runs[i >> 6] |= std::uint64_t{1} << (i & 63);
      leaves_.push_back(slots[i]);
    }
  }
  unsigned sum = 0;
  for (unsigned w = 0; w < 3; ++w) {
    sum += static_cast<unsigned>(__builtin_popcountll(node.runs[w]));
    node.before[w] = static_cast<std::uint8_t>(sum);
  }
  nodes_.push_back(node);
  return kChild | static_cast<std::uint32_t>(nodes_.size() - 1);
}

}  // namespace minewatch::registry
