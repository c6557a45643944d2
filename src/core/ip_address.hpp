#pragma once
// An IPv4 or IPv6 address, stored as 16 bytes (IPv4 in the low 4 bytes, rest zero) plus a family flag.
#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>

namespace minewatch {

struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};
  bool is_v6 = false;

  static IpAddress v4(const std::uint8_t* p) {
    // Built as one 16-byte value (the address, then zeros), so the bytes are written by one store:
    // zeroing first and then storing 4 bytes leaves a later 8- or 16-byte load of them (a copy, word())
    // waiting for both stores, since store forwarding serves a load from one store only.
    using Words = std::uint32_t __attribute__((vector_size(16)));
    std::uint32_t w;
    std::memcpy(&w, p, 4);
    const Words words{w, 0, 0, 0};
    IpAddress a;
    std::memcpy(a.bytes.data(), &words, 16);
    return a;
  }
  static IpAddress v6(const std::uint8_t* p) {
    IpAddress a;
    std::memcpy(a.bytes.data(), p, 16);
    a.is_v6 = true;
    return a;
  }
  // Parses dotted quad or RFC 4291 text; false when the text is not an address.
  static bool parse(std::string_view text, IpAddress& out);

  [[nodiscard]] std::span<const std::uint8_t> span() const { return {bytes.data(), is_v6 ? 16u : 4u}; }
  // Writes the canonical text form (as inet_ntop does) into buf; returns the length. buf needs 46 bytes.
  std::size_t format(char* buf) const;
  [[nodiscard]] std::string to_string() const;

  // Compared as two 64-bit words: flow keys are built and compared for every packet, and the
  // byte-wise std::array comparison ends in a memcmp call.
  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    return a.word(0) == b.word(0) && a.word(1) == b.word(1) && a.is_v6 == b.is_v6;
  }
  friend std::strong_ordering operator<=>(const IpAddress& a, const IpAddress& b) {
    if (a.is_v6 != b.is_v6) return a.is_v6 <=> b.is_v6;
    // Big-endian words order like the bytes do.
    if (auto c = __builtin_bswap64(a.word(0)) <=> __builtin_bswap64(b.word(0)); c != 0) return c;
    return __builtin_bswap64(a.word(1)) <=> __builtin_bswap64(b.word(1));
  }

  // The address bytes as two native 64-bit words (for hashing and fast comparison).
  [[nodiscard]] std::uint64_t word(int i) const {
    std::uint64_t w;
    std::memcpy(&w, bytes.data() + 8 * i, 8);
    return w;
  }
};

}  // namespace minewatch
