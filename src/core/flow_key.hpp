#pragma once
// A bidirectional 5-tuple in canonical order: the (address, port) pair that sorts lower is side A.
// Both directions of a connection map to the same key and hash.
#include <cstdint>

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
    make_into(src, sport, dst, dport, proto, dir, k);
    return k;
  }

  // make() and hash() in one, written into `k`: what every packet's lookup does (Engine::lookup_into).
  // The hash is computed from the packet's address words as they are loaded, and `k` is written field
  // by field in place. Per packet, do not build the key with make() and hash the copy: the copy's and
  // the hash's wide loads span several narrow stores still in flight, which cannot be forwarded, and
  // wait for them to reach the cache (decision 0009, stop 24; BM_FlowKeyBatch).
  static std::uint64_t make_into(const IpAddress& src, std::uint16_t sport, const IpAddress& dst, std::uint16_t dport,
                                 std::uint8_t proto, Direction& dir, FlowKey& k) {
    const bool src_low = (src < dst) || (src == dst && sport <= dport);
    const IpAddress& a = src_low ? src : dst;
    const IpAddress& b = src_low ? dst : src;
    const std::uint16_t port_a = src_low ? sport : dport;
    const std::uint16_t port_b = src_low ? dport : sport;
    dir = src_low ? Direction::AtoB : Direction::BtoA;
    const std::uint64_t h = hash_of(a.word(0), a.word(1), b.word(0), b.word(1), port_a, port_b, proto);
    k.a = a;
    k.b = b;
    k.port_a = port_a;
    k.port_b = port_b;
    k.proto = proto;
    return h;
  }

  // Symmetric by construction (the key is canonical); a cheap multiply-mix of the words.
  [[nodiscard]] std::uint64_t hash() const {
    return hash_of(a.word(0), a.word(1), b.word(0), b.word(1), port_a, port_b, proto);
  }
  // The hash of a key from its parts: side A's address as two native words, side B's, the ports, the
  // protocol. Flow ids derive from it, so it must not change.
  static std::uint64_t hash_of(std::uint64_t a0, std::uint64_t a1, std::uint64_t b0, std::uint64_t b1,
                               std::uint16_t port_a, std::uint16_t port_b, std::uint8_t proto) {
    std::uint64_t h = 0x9E3779B97F4A7C15ull ^ (std::uint64_t{port_a} << 32) ^ (std::uint64_t{port_b} << 16) ^ proto;
    for (const std::uint64_t x : {a0, a1, b0, b1}) {
      h ^= x;
      h *= 0xBF58476D1CE4E5B9ull;
      h ^= h >> 31;
    }
    return h;
  }

  friend bool operator==(const FlowKey&, const FlowKey&) = default;
};

}  // namespace minewatch
