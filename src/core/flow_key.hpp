#pragma once
// A bidirectional 5-tuple in canonical order: the (address, port) pair that sorts lower is side A.
// Both directions of a connection map to the same key and hash.
#include <cstdint>
#include <cstring>

#include "core/ip_address.hpp"

namespace minewatch {

enum class Direction : std::uint8_t { AtoB = 0, BtoA = 1 };

struct FlowKey {
  IpAddress a;
  IpAddress b;
  std::uint16_t port_a = 0;
  std::uint16_t port_b = 0;
  std::uint8_t proto = 0;

  // Builds the canonical key for a packet src:sport -> dst:dport; dir tells which way it went.
  static FlowKey make(const IpAddress& src, std::uint16_t sport, const IpAddress& dst, std::uint16_t dport,
                      std::uint8_t proto, Direction& dir) {
    FlowKey k;
    k.proto = proto;
    bool src_low = (src < dst) || (src == dst && sport <= dport);
    if (src_low) {
      k.a = src, k.b = dst, k.port_a = sport, k.port_b = dport;
      dir = Direction::AtoB;
    } else {
      k.a = dst, k.b = src, k.port_a = dport, k.port_b = sport;
      dir = Direction::BtoA;
    }
    return k;
  }

  // Symmetric by construction (the key is canonical); a cheap multiply-mix of the words.
  [[nodiscard]] std::uint64_t hash() const {
    std::uint64_t w[4];
    std::memcpy(w, a.bytes.data(), 16);
    std::memcpy(w + 2, b.bytes.data(), 16);
    std::uint64_t h = 0x9E3779B97F4A7C15ull ^ (std::uint64_t{port_a} << 32) ^ (std::uint64_t{port_b} << 16) ^ proto;
    for (auto x : w) {
      h ^= x;
      h *= 0xBF58476D1CE4E5B9ull;
      h ^= h >> 31;
    }
    return h;
  }

  friend bool operator==(const FlowKey&, const FlowKey&) = default;
};

}  // namespace minewatch
