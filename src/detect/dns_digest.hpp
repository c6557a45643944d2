#pragma once
// What the engine takes from one DNS message: whether it parsed (and why not), its first question's
// name and whether the pool list knows it, and the addresses its answer resolves that name to (CNAMEs
// followed). Reading a message (parse, pool match, chain) is most of what DNS costs the engine; the
// parallel reader reads each DNS answer over UDP once and hands every engine the digest, where before
// each engine parsed it again to keep its passive-DNS cache (decision 0009, stop 19). The single
// pipeline digests and applies in one go, through the same code.
//
// A digest crosses threads as bytes: encode() writes only what is in use (a header, the addresses, the
// name: 70 bytes for two addresses and a 24-character name, against 830 for the struct).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/anomaly.hpp"
#include "core/ip_address.hpp"
#include "protocols/dns/dns_parser.hpp"

namespace minewatch::detect {

struct DnsDigest {
  bool parsed = false;
  Anomaly anomaly{};  // why the message did not parse
  bool has_question = false;
  bool is_response = false;
  bool pool = false;  // the question's name is a listed pool's
  std::uint8_t name_size = 0;
  std::uint8_t address_count = 0;  // addresses the answer resolves the name to (0: nothing to record)
  std::uint32_t min_ttl = 0;       // smallest TTL along the chain
  std::array<char, protocols::dns::kMaxNameTextBytes> name{};
  std::array<IpAddress, protocols::dns::kMaxAnswers> addresses{};

  [[nodiscard]] std::string_view name_view() const { return {name.data(), name_size}; }
  [[nodiscard]] std::span<const IpAddress> address_list() const { return {addresses.data(), address_count}; }

  static constexpr std::size_t kHeaderBytes = 12;
  static constexpr std::size_t kAddressBytes = 17;  // 16 address bytes and the family
  static constexpr std::size_t kMaxEncodedBytes =
      kHeaderBytes + kAddressBytes * protocols::dns::kMaxAnswers + protocols::dns::kMaxNameTextBytes;
  [[nodiscard]] std::size_t encoded_size() const { return kHeaderBytes + kAddressBytes * address_count + name_size; }
  // Writes encoded_size() bytes to `out`.
  void encode(std::byte* out) const;
  // Reads what encode() wrote at the start of `in` (bytes after it are ignored: a ring's chunks pad
  // it). False (and `out` unusable) when `in` does not start with such an encoding: too short, unknown
  // flags, counts beyond the limits.
  static bool decode(std::span<const std::byte> in, DnsDigest& out);
};

}  // namespace minewatch::detect
